"""`curator sheet` and `curator export`: contact sheets and picks for compositing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stylecore.errors import StyleCoreError

from ..service import BASES, MASKS, ORDERS, UPSCALERS, ExportCancelled, SheetOptions
from .common import filter_options, filtered, open_service, studio_argument, view_from_args


def add_parsers(commands: Any) -> None:
    sheet = commands.add_parser("sheet", help="a contact sheet of renders as PDF or PNG pages")
    studio_argument(sheet)
    sheet.add_argument("-o", "--output", type=Path, required=True, help="FILE.pdf or FILE.png")
    filter_options(sheet)
    sheet.add_argument("--columns", type=int, default=4, help="tiles across (4)")
    sheet.add_argument("--rows", type=int, default=5, help="tiles down (5)")
    sheet.add_argument("--page", default="a4", help="a4, letter, a3, or WxH in mm (or WxHin)")
    sheet.add_argument("--landscape", action="store_true", help="turn the page")
    sheet.add_argument("--margin", type=float, default=10.0, help="margin in mm (10)")
    sheet.add_argument("--dpi", type=int, default=150, help="resolution (150)")
    sheet.add_argument("--settings", action="store_true", help="a line of settings per tile")
    sheet.add_argument("--palette", action="store_true", help="the style's palette per tile")
    sheet.add_argument(
        "--matrix", choices=("styles", "contents"), help="a row per style (or content)"
    )
    sheet.add_argument("--force", action="store_true", help="overwrite an existing sheet")
    sheet.set_defaults(handler=cmd_sheet)

    export = commands.add_parser("export", help="picks as layered PSD/ORA stacks with XMP")
    studio_argument(export)
    export.add_argument("-o", "--output", type=Path, required=True, help="destination folder")
    filter_options(export)
    export.add_argument("--no-psd", dest="psd", action="store_false", help="no layered PSD")
    export.add_argument("--no-ora", dest="ora", action="store_false", help="no OpenRaster")
    export.add_argument("--no-xmp", dest="xmp", action="store_false", help="no XMP sidecars")
    export.add_argument("--force", action="store_true", help="overwrite existing files")
    # The defaults of these four come from studio.toml's [export] table, then the built-in
    # ones named in each help.
    export.add_argument(
        "--base",
        choices=BASES,
        help="a painterly copy of the photo above it, masked to its detail (painterly)",
    )
    export.add_argument(
        "--order",
        choices=ORDERS,
        help="renders broad at the bottom to detailed on top, or best-rated on top (detail)",
    )
    export.add_argument(
        "--masks",
        choices=MASKS,
        help="top: the top render revealed, the rest hidden to paint in; subject: detailed "
        "renders on the subject, broad ones around it (top)",
    )
    export.add_argument(
        "--upscale",
        choices=UPSCALERS,
        help="how renders are enlarged to the photo's size: lanczos, or waifu2x with the "
        "optional extra style-curator[upscale] (lanczos)",
    )
    export.add_argument("--dry-run", action="store_true", help="list what would be written")
    export.set_defaults(handler=cmd_export)


def cmd_sheet(args: argparse.Namespace) -> int:
    view = view_from_args(args)
    with open_service(args) as service:
        shown = service.select(view)
        if not shown:
            raise StyleCoreError(f"no renders match the filter ({view.filter.describe()})")
        options = SheetOptions(
            columns=args.columns, rows=args.rows, page=args.page, landscape=args.landscape,
            margin_mm=args.margin, dpi=args.dpi, settings=args.settings, palette=args.palette,
            matrix=args.matrix or "", title=service.studio.root.name,
            filter_text=view.filter.describe(),
        )  # fmt: skip
        result = service.make_sheet(shown, args.output, options, force=args.force)
    tiles = sum(result.tiles_per_page)
    names = ", ".join(str(f) for f in result.files[:3]) + (" ..." if len(result.files) > 3 else "")
    print(f"wrote {result.pages} page(s), {tiles} tile(s): {names}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    view = view_from_args(args)
    with open_service(args) as service:
        service.check_export_destination(args.output)
        shown = service.select(view)
        chosen = shown if filtered(args) else [row for row in shown if row.is_keeper]
        if not chosen:
            raise StyleCoreError(
                "nothing to export: no picks or renders of 3 stars and up "
                "(or none match the filter)"
            )
        options = service.export_options(
            args.output, psd=args.psd, ora=args.ora, xmp=args.xmp, force=args.force,
            base=args.base, order=args.order, masks=args.masks, upscale=args.upscale,
        )  # fmt: skip
        plan = service.plan_export(chosen, options, check=not args.dry_run)
        if args.dry_run:
            existing = set(plan.existing)
            for path in plan.files:
                print(f"{path}  (exists: needs --force)" if path in existing else str(path))
            note = ""
            if existing and not args.force:
                note = f"; {len(existing)} exist already and need --force"
            print(f"would write {len(plan.files)} file(s) for {len(chosen)} render(s){note}")
            return 0
        try:
            manifest = service.export(plan)
        except KeyboardInterrupt:  # Ctrl+C: the files written so far are whole and listed
            raise ExportCancelled(
                f"{args.output}: export interrupted; what was written is in its manifest.json "
                "and a rerun finishes it"
            ) from None
    print(
        f"exported {len(chosen)} render(s) of {len(manifest['contents'])} photo(s) to "
        f"{args.output} ({len(plan.files)} files)"
    )
    return 0
