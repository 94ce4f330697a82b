"""`curator list` and `curator rate`: the catalog of renders from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from stylecore.errors import SettingsError

from ..service import LABELS, StudioService
from .common import filter_options, open_service, studio_argument, view_from_args


def add_parsers(commands: Any) -> None:
    listing = commands.add_parser("list", help="print the catalog of renders")
    studio_argument(listing)
    filter_options(listing)
    listing.add_argument("--json", action="store_true", help="a JSON array, for scripts")
    listing.set_defaults(handler=cmd_list)

    rate = commands.add_parser("rate", help="set stars, flags and labels of renders")
    rate.add_argument("files", nargs="+", type=Path, help="render files")
    rate.add_argument("--studio", type=Path, help="the studio (default: the files' studio)")
    rate.add_argument("--stars", type=int, choices=range(6), metavar="0-5", help="stars, 0-5")
    flag = rate.add_mutually_exclusive_group()
    flag.add_argument("--pick", dest="flag", action="store_const", const="pick", help="pick")
    flag.add_argument("--reject", dest="flag", action="store_const", const="reject", help="reject")
    flag.add_argument(
        "--unflag", dest="flag", action="store_const", const="", help="remove pick or reject"
    )
    rate.add_argument(
        "--label", choices=[n or "none" for n in LABELS], help="colour label (none removes it)"
    )
    rate.set_defaults(handler=cmd_rate)


def cmd_list(args: argparse.Namespace) -> int:
    view = view_from_args(args)
    with open_service(args) as service:
        shown = service.select(view)
        total = len(service.rows)
    if args.json:
        print(json.dumps([row.to_dict() for row in shown], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("file", "content", "style", "job", "stars", "flag", "label", "created"):
        table.add_column(column, no_wrap=column != "file")
    for row in shown:
        table.add_row(
            row.file, row.content_name, row.style_name, row.job_id or "", "★" * row.stars,
            row.flag, row.label, _when(row.created),
        )  # fmt: skip
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(table)
    print(f"{len(shown)} of {total} renders ({view.filter.describe()})")
    return 0


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def cmd_rate(args: argparse.Namespace) -> int:
    if args.stars is None and args.flag is None and args.label is None:
        raise SettingsError("say what to set: --stars N, --pick, --reject, --unflag or --label")
    root = args.studio or _studio_of(args.files[0])
    label = None if args.label is None else ("" if args.label == "none" else args.label)
    with StudioService.open(root, load_rows=False) as service:
        ids = service.rate_files(args.files, stars=args.stars, flag=args.flag, label=label)
    print(f"rated {len(ids)} render(s)")
    return 0


def _studio_of(path: Path) -> Path:
    """The studio a render file belongs to: the parent of its renders/ folder."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "renders" else Path(".")
