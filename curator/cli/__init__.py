"""`curator`: the studio's command line. Scripts and tests rely on these commands.

    curator init [DIR]
    curator queue add --contents FILE|DIR... --styles FILE|DIR... [--preset NAME] [--set K=V ...]
    curator queue list [--json] | cancel ID... | retry ID... | clear --done | priority N ID...
    curator render [STUDIO] [--device D] [--batch N] [--until-idle]
    curator [STUDIO] [--graphics auto|kitty|sixel|halfcell|none] [--theme NAME]   (the app)
    curator list [STUDIO] [filters] [--json]
    curator rate FILE... [--stars N] [--reject|--pick|--unflag] [--label NAME]
    curator preview | sheet | export ...

One module per command group, each a thin handler over the service layer. Any command that
takes a studio defaults to the current directory. Errors print one line, `error: ...`, and
exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from stylecore.errors import StyleCoreError

from .. import __version__
from ..service import UnforeseenDatabaseError
from . import catalog, output, queue, render, studio

GROUPS = (studio, queue, render, catalog, output)


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser, and the names of its commands (anything else opens the app)."""
    parser = argparse.ArgumentParser(
        prog="curator", description="Queue, render and curate neural style transfers."
    )
    parser.add_argument("--version", action="version", version=f"curator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(commands)
    return parser, set(commands.choices)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser()
    # `curator` and `curator STUDIO [--graphics ...]` open the app.
    if not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help", "--version")):
        argv = ["app", *argv]
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except StyleCoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UnforeseenDatabaseError as exc:  # a failure the stores did not foresee: still one line
        print(f"error: studio database: {exc}; 'curator doctor' checks it", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return closed_pipe()
    except KeyboardInterrupt:
        return 130


def closed_pipe() -> int:
    """The reader went away (`curator list --json | head`): end quietly, as a shell tool does."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit finds somewhere to write
    return 141
