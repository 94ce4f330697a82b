"""What the command groups share: the studio argument, the filter options, image arguments."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from stylecore.errors import SettingsError, StyleCoreError

from ..service import SORTS, Filter, StudioService, ViewSpec, parse_filter


def studio_argument(parser: argparse.ArgumentParser) -> None:
    """The studio as an optional first positional argument (the current directory)."""
    parser.add_argument(
        "studio", nargs="?", default=Path("."), type=Path,
        help="the studio folder (default: the current directory)",
    )  # fmt: skip


def studio_option(parser: argparse.ArgumentParser) -> None:
    """The studio as --studio, for commands whose positionals are something else."""
    parser.add_argument(
        "--studio", type=Path, default=Path("."), help="the studio folder (current directory)"
    )


def open_service(args: argparse.Namespace) -> StudioService:
    """The studio named on the command line, through the service (no rows loaded yet)."""
    return StudioService.open(args.studio, load_rows=False)


def filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--filter", default="", help='one line, e.g. "stars>=3 style:starry"')
    parser.add_argument("--unrated", action="store_true", help="only renders with no rating")
    parser.add_argument("--picked", action="store_true", help="only picks")
    parser.add_argument("--rejected", action="store_true", help="only rejects")
    parser.add_argument("--stars", type=int, metavar="N", help="at least N stars")
    parser.add_argument("--content", help="content name contains")
    parser.add_argument("--style", help="style name contains")
    parser.add_argument("--text", help="file, content or style contains")
    parser.add_argument(
        "--collection", metavar="NAME", help="only renders in this collection (quick: b in the app)"
    )
    parser.add_argument(
        "--sort", default="newest", help="newest, oldest, rating, style, content (newest)"
    )


def filter_from_args(args: argparse.Namespace) -> Filter:
    """The filter options (and --filter's one-line form) as a Filter."""
    spec = parse_filter(args.filter or "")
    changes: dict[str, Any] = {}
    for name in ("unrated", "picked", "rejected"):
        if getattr(args, name):
            changes[name] = True
    if args.stars is not None:
        changes["min_stars"] = args.stars
    if args.content:
        changes["content"] = args.content.lower()
    if args.style:
        changes["style"] = args.style.lower()
    if args.text:
        changes["text"] = (*spec.text, *args.text.lower().split())
    if getattr(args, "collection", None):
        changes["collection"] = args.collection.lower()
    return replace(spec, **changes)


def view_from_args(args: argparse.Namespace) -> ViewSpec:
    if args.sort not in SORTS:
        raise SettingsError(f"--sort must be one of {', '.join(SORTS)}")
    return ViewSpec(filter=filter_from_args(args), sort=args.sort)


def filtered(args: argparse.Namespace) -> bool:
    """Whether any filter option was given."""
    names = ("unrated", "picked", "rejected", "content", "style", "text", "collection")
    given = any(getattr(args, name, None) for name in names)
    return given or bool(args.filter) or (args.stars is not None)


def expand_images(paths: Sequence[Path], studio: Path | None = None) -> list[Path]:
    """Files as given; folders become the images directly inside them. A relative path that
    does not exist from here is looked for inside the studio (`--contents contents`)."""
    found: list[Path] = []
    for path in paths:
        if (
            studio is not None
            and not path.is_absolute()
            and not path.exists()
            and (studio / path).exists()
        ):
            path = studio / path
        if path.is_dir():
            found += StudioService.images_in(path)
        elif not path.exists():
            raise StyleCoreError(f"{path}: file not found")
        else:
            found.append(path)
    return found


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set style_weight=200")
        overrides[key.strip().replace("-", "_")] = value.strip()
    return overrides
