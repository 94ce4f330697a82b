"""`curator init` and `curator [STUDIO]` (the app)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..service import StudioService
from .common import studio_argument

GRAPHICS_MODES = ("auto", "kitty", "sixel", "halfcell", "none")


def add_parsers(commands: Any) -> None:
    init = commands.add_parser("init", help="create a studio folder (safe to repeat)")
    init.add_argument("studio", nargs="?", default=Path("."), type=Path, help="the folder (.)")
    init.set_defaults(handler=cmd_init)

    doctor = commands.add_parser(
        "doctor", help="check the studio's database against its files; --repair rebuilds it"
    )
    studio_argument(doctor)
    doctor.add_argument(
        "--repair", action="store_true",
        help="keep a copy of the database, then rebuild what is damaged: the catalog from "
        "renders/, ratings from the journal and exported XMP, jobs that can still be read",
    )  # fmt: skip
    doctor.set_defaults(handler=cmd_doctor)

    app = commands.add_parser("app", help="open the app (also: curator [STUDIO])")
    studio_argument(app)
    app.add_argument(
        "--graphics", default="auto", choices=GRAPHICS_MODES,
        help="how pictures are drawn: auto-detect, kitty, sixel, half cells or none (auto)",
    )  # fmt: skip
    app.add_argument(
        "--theme", help="darkroom (default), curator-light, high-contrast, or any Textual theme"
    )
    app.set_defaults(handler=cmd_app)


def cmd_init(args: argparse.Namespace) -> int:
    studio = StudioService.create(args.studio)
    print(f"studio ready at {studio.root}")
    print("  put photos in contents/ and paintings in styles/, then:")
    print("  curator queue add --contents contents --styles styles && curator render")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    service = StudioService.open(args.studio, load_rows=False)
    report = service.doctor(repair=args.repair)
    marks = {"ok": "ok  ", "warn": "note", "bad": "BAD "}
    for state, text in report.lines:
        print(f"{marks[state]}  {text}")
    if report.healthy:
        print("the studio is healthy" if not args.repair else "repaired: the studio is healthy")
        return 0
    print("problems found; 'curator doctor --repair' mends them (it keeps a copy first)")
    return 1


def cmd_app(args: argparse.Namespace) -> int:
    from ..app.app import run_app
    from ..app.widgets.picture import GraphicsUnavailable

    with StudioService.open(args.studio) as service:
        try:
            run_app(service, graphics_mode=args.graphics, theme=args.theme)
        except GraphicsUnavailable as exc:  # raised before the app takes the terminal
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0
