"""`curator`: the studio's command line. Scripts and tests rely on these commands.

    curator init [DIR]
    curator queue add --contents FILE|DIR... --styles FILE|DIR... [--preset NAME] [--set K=V ...]
    curator queue list [--json] | cancel ID... | retry ID... | clear --done | priority N ID...
    curator render [STUDIO] [--device D] [--batch N] [--until-idle]
    curator [STUDIO] [--graphics auto|kitty|sixel|halfcell|none] [--theme NAME]   (the app)
    curator list [STUDIO] [filters] [--json]
    curator rate FILE... [--stars N] [--reject|--pick|--unflag] [--label NAME]

Any command that takes a studio defaults to the current directory. Errors print one line,
`error: ...`, and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stylecore.errors import SettingsError, StyleCoreError
from stylecore.settings import RenderSettings
from stylecore.studio import Studio, list_images

from . import __version__
from .catalog import LABELS

GRAPHICS_MODES = ("auto", "kitty", "sixel", "halfcell", "none")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="curator", description="Queue, render and curate neural style transfers."
    )
    parser.add_argument("--version", action="version", version=f"curator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create a studio folder (safe to repeat)")
    init.add_argument("studio", nargs="?", default=".", type=Path)

    queue = commands.add_parser("queue", help="add, list and manage render jobs")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")

    add = queue_commands.add_parser("add", help="queue every content x style pair")
    _studio_option(add)
    add.add_argument("--contents", nargs="+", required=True, type=Path, help="photos or folders")
    add.add_argument("--styles", nargs="+", required=True, type=Path, help="paintings or folders")
    add.add_argument("--preset", help="a preset of studio.toml (its default preset)")
    add.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting"
    )
    add.add_argument("--priority", type=int, default=0, help="higher runs first (0)")

    listing = queue_commands.add_parser("list", help="show the jobs")
    _studio_option(listing)
    listing.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    listing.add_argument("--status", action="append", help="only these statuses")

    for name, text in (("cancel", "cancel queued or running jobs"), ("retry", "requeue jobs")):
        action = queue_commands.add_parser(name, help=text)
        _studio_option(action)
        action.add_argument("ids", nargs="+", help="job ids (unique prefixes are enough)")

    clear = queue_commands.add_parser("clear", help="remove finished jobs from the list")
    _studio_option(clear)
    clear.add_argument("--done", action="store_true", required=True)

    priority = queue_commands.add_parser("priority", help="set jobs' priority")
    _studio_option(priority)
    priority.add_argument("priority", type=int)
    priority.add_argument("ids", nargs="+")

    stop = queue_commands.add_parser("stop", help="ask running render loops to stop")
    _studio_option(stop)

    render = commands.add_parser("render", help="run the render loop")
    render.add_argument("studio", nargs="?", default=".", type=Path)
    render.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (studio.toml)")
    render.add_argument("--batch", type=int, default=1, help="jobs per batch that share content")
    render.add_argument("--until-idle", action="store_true", help="exit when nothing is queued")
    render.add_argument("--quiet", action="store_true", help="no progress display")
    render.add_argument("--stale-after", type=float, default=None, help=argparse.SUPPRESS)
    render.add_argument(
        "--ray", nargs="?", const="", metavar="ADDRESS",
        help="run on a Ray cluster: ADDRESS of its head (e.g. auto, or ray://host:10001); "
        "alone, starts Ray on this machine (needs the cluster extra)",
    )  # fmt: skip
    render.add_argument("--actors", type=int, help="Ray actors (one per GPU, else per CPU slot)")
    render.add_argument("--cpus-per-actor", type=float, default=1.0, help="on a CPU-only cluster")

    listing = commands.add_parser("list", help="print the catalog of renders")
    listing.add_argument("studio", nargs="?", default=".", type=Path)
    _filter_options(listing)
    listing.add_argument("--sort", default="newest", help="newest, oldest, rating, style, content")
    listing.add_argument("--json", action="store_true", help="a JSON array, for scripts")

    rate = commands.add_parser("rate", help="set stars, flags and labels of renders")
    rate.add_argument("files", nargs="+", type=Path, help="render files")
    rate.add_argument("--studio", type=Path, help="the studio (default: the files' studio)")
    rate.add_argument("--stars", type=int, choices=range(6), metavar="0-5")
    flag = rate.add_mutually_exclusive_group()
    flag.add_argument("--pick", dest="flag", action="store_const", const="pick")
    flag.add_argument("--reject", dest="flag", action="store_const", const="reject")
    flag.add_argument("--unflag", dest="flag", action="store_const", const="")
    rate.add_argument("--label", choices=[n or "none" for n in LABELS], help="colour label")

    preview = commands.add_parser(
        "preview", help="queue fast previews of every style on photos (before full renders)"
    )
    preview.add_argument("studio", nargs="?", default=".", type=Path)
    preview.add_argument(
        "--contents", nargs="+", required=True, type=Path, help="photos or folders"
    )
    preview.add_argument("--styles", nargs="*", type=Path, help="paintings or folders (styles/)")
    preview.add_argument("--size", type=int, default=512, help="longest side in px (512)")
    preview.add_argument("--strength", type=float, default=1.0, help="style strength 0..1 (1)")
    preview.add_argument(
        "--original-colors", choices=("none", "luminance", "histogram"), default="none"
    )
    preview.add_argument("--priority", type=int, default=10, help="before full renders (10)")

    sheet = commands.add_parser("sheet", help="a contact sheet of renders as PDF or PNG pages")
    sheet.add_argument("studio", nargs="?", default=".", type=Path)
    sheet.add_argument("-o", "--output", type=Path, required=True, help="FILE.pdf or FILE.png")
    _filter_options(sheet)
    sheet.add_argument("--sort", default="newest", help="newest, oldest, rating, style, content")
    sheet.add_argument("--columns", type=int, default=4)
    sheet.add_argument("--rows", type=int, default=5)
    sheet.add_argument("--page", default="a4", help="a4, letter, a3, or WxH in mm (or WxHin)")
    sheet.add_argument("--landscape", action="store_true")
    sheet.add_argument("--margin", type=float, default=10.0, help="margin in mm (10)")
    sheet.add_argument("--dpi", type=int, default=150)
    sheet.add_argument("--settings", action="store_true", help="a line of settings per tile")
    sheet.add_argument("--palette", action="store_true", help="the style's palette per tile")
    sheet.add_argument(
        "--matrix", choices=("styles", "contents"), help="a row per style (or content)"
    )

    export = commands.add_parser("export", help="picks as layered PSD/ORA stacks with XMP")
    export.add_argument("studio", nargs="?", default=".", type=Path)
    export.add_argument("-o", "--output", type=Path, required=True, help="destination folder")
    _filter_options(export)
    export.add_argument("--no-psd", dest="psd", action="store_false")
    export.add_argument("--no-ora", dest="ora", action="store_false")
    export.add_argument("--no-xmp", dest="xmp", action="store_false")
    export.add_argument("--force", action="store_true", help="overwrite existing files")
    export.add_argument("--dry-run", action="store_true", help="list what would be written")

    app = commands.add_parser("app", help="open the app (also: curator [STUDIO])")
    app.add_argument("studio", nargs="?", default=".", type=Path)
    app.add_argument("--graphics", default="auto", choices=GRAPHICS_MODES)
    app.add_argument(
        "--theme", help="darkroom (default), curator-light, high-contrast, or any Textual theme"
    )
    return parser


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--filter", default="", help='one line, e.g. "stars>=3 style:starry"')
    parser.add_argument("--unrated", action="store_true")
    parser.add_argument("--picked", action="store_true")
    parser.add_argument("--rejected", action="store_true")
    parser.add_argument("--stars", type=int, metavar="N", help="at least N stars")
    parser.add_argument("--content", help="content name contains")
    parser.add_argument("--style", help="style name contains")
    parser.add_argument("--text", help="file, content or style contains")


def filter_from_args(args: argparse.Namespace) -> Any:
    """The filter options (and --filter's one-line form) as a views.Filter."""
    from dataclasses import replace

    from .views import parse_filter

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
    return replace(spec, **changes)


def _studio_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--studio", type=Path, default=Path("."), help="the studio folder (current directory)"
    )


def _handlers() -> dict[str, Callable[[argparse.Namespace], int]]:
    return {
        "init": cmd_init,
        "queue": cmd_queue,
        "render": cmd_render,
        "list": cmd_list,
        "rate": cmd_rate,
        "preview": cmd_preview,
        "sheet": cmd_sheet,
        "export": cmd_export,
        "app": cmd_app,
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    handlers = _handlers()
    # `curator` and `curator STUDIO [--graphics ...]` open the app.
    if not argv or (argv[0] not in handlers and argv[0] not in ("-h", "--help", "--version")):
        argv = ["app", *argv]
    args = build_parser().parse_args(argv)
    try:
        return handlers[args.command](args)
    except StyleCoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def cmd_init(args: argparse.Namespace) -> int:
    studio = Studio.init(args.studio)
    print(f"studio ready at {studio.root}")
    print("  put photos in contents/ and paintings in styles/, then:")
    print("  curator queue add --contents contents --styles styles && curator render")
    return 0


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
            found += list_images(path)
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


def cmd_queue(args: argparse.Namespace) -> int:
    from stylecore.queue import JobQueue

    studio = Studio.open(args.studio)
    with JobQueue(studio) as queue:
        action = args.queue_command
        if action == "add":
            settings: RenderSettings = studio.config.preset(args.preset)
            settings = settings.replace(**parse_overrides(args.set))
            contents = expand_images(args.contents, studio.root)
            styles = expand_images(args.styles, studio.root)
            added, total = queue.add_cross(contents, styles, settings, priority=args.priority)
            print(f"queued {len(added)} new job(s) ({total - len(added)} already in the queue)")
            return 0
        if action == "list":
            jobs = queue.jobs(args.status)
            if args.json:
                print(json.dumps([job.to_dict() for job in jobs], indent=2))
            else:
                print_jobs(jobs)
            return 0
        if action == "clear":
            print(f"removed {queue.clear_done()} finished job(s)")
            return 0
        if action == "stop":
            print(f"asked {queue.request_stop()} render loop(s) to stop")
            return 0
        ids = queue.resolve_ids(args.ids)
        if action == "cancel":
            print(f"cancelled {queue.cancel(ids)} job(s)")
        elif action == "retry":
            print(f"requeued {queue.retry(ids)} job(s)")
        elif action == "priority":
            print(
                f"set priority {args.priority} on {queue.set_priority(ids, args.priority)} job(s)"
            )
    return 0


def print_jobs(jobs: Sequence[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "status", "progress", "content", "style", "size", "prio", "note"):
        table.add_column(column)
    for job in jobs:
        progress = f"{job.iteration}/{job.total}"
        if job.status == "running" and job.eta is not None:
            progress += f" eta {job.eta:.0f}s"
        note = job.error or job.output or ""
        table.add_row(
            job.id,
            job.status,
            progress,
            Path(job.content).name,
            " + ".join(Path(s).name for s in job.styles),
            str(job.spec.settings.image_size),
            str(job.priority),
            note,
        )
    Console().print(table)
    if not jobs:
        print("no jobs")


def cmd_render(args: argparse.Namespace) -> int:
    from stylecore.queue import STALE_AFTER_S
    from stylecore.worker import RenderLoop

    from .render_display import RenderDisplay

    studio = Studio.open(args.studio)
    display = RenderDisplay(quiet=args.quiet)
    common: dict[str, Any] = {
        "batch": args.batch,
        "until_idle": args.until_idle,
        "stale_after": args.stale_after if args.stale_after is not None else STALE_AFTER_S,
        "on_event": display.handle,
    }
    loop: RenderLoop
    if args.ray is not None:
        from stylecore.cluster import RayRenderLoop, cluster_logging

        cluster_logging()
        loop = RayRenderLoop(
            studio, address=args.ray or None, actors=args.actors,
            cpus_per_actor=args.cpus_per_actor, **common,
        )  # fmt: skip
    else:
        loop = RenderLoop(studio, device=args.device, **common)
    with display:
        code = loop.run()
    print(f"render loop stopped: {loop.rendered} rendered, {loop.failed} failed")
    return code


def _selected(args: argparse.Namespace) -> tuple[Studio, list[Any], list[Any], Any]:
    """The studio, all its renders, those the filter options select (in order), the view."""
    from .catalog import Catalog
    from .views import SORTS, ViewSpec, apply_view

    sort = getattr(args, "sort", "newest")
    if sort not in SORTS:
        raise SettingsError(f"--sort must be one of {', '.join(SORTS)}")
    studio = Studio.open(args.studio)
    with Catalog(studio) as catalog:
        catalog.scan()
        rows = catalog.all()
    view = ViewSpec(filter=filter_from_args(args), sort=sort)
    shown = [row for group in apply_view(rows, view) for row in group.rows]
    return studio, rows, shown, view


def _with_specs(studio: Studio, rows: Sequence[Any]) -> list[Any]:
    """The rows again, each with its spec (settings) loaded."""
    from .catalog import Catalog

    with Catalog(studio) as catalog:
        return [catalog.get(row.id) or row for row in rows]


def cmd_list(args: argparse.Namespace) -> int:
    _, rows, shown, view = _selected(args)
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
    print(f"{len(shown)} of {len(rows)} renders ({view.filter.describe()})")
    return 0


def _when(timestamp: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def cmd_rate(args: argparse.Namespace) -> int:
    from .catalog import Catalog, Rating

    if args.stars is None and args.flag is None and args.label is None:
        raise SettingsError("say what to set: --stars N, --pick, --reject, --unflag or --label")
    root = args.studio or _studio_of(args.files[0])
    studio = Studio.open(root)
    with Catalog(studio) as catalog:
        ids: list[int] = []
        for path in args.files:
            full = path if path.is_absolute() else Path.cwd() / path
            if not full.exists():
                raise StyleCoreError(f"{path}: file not found")
            if full.resolve().parent != studio.renders:
                raise StyleCoreError(f"{path}: not a render in {studio.renders}")
            render_id = catalog.add_file(full.resolve())
            if render_id is None:
                raise StyleCoreError(f"{path}: not a render image")
            ids.append(render_id)
        current = catalog.ratings(ids)
        label = None if args.label is None else ("" if args.label == "none" else args.label)
        catalog.set_ratings(
            {
                render_id: Rating(
                    stars=old.stars if args.stars is None else args.stars,
                    flag=old.flag if args.flag is None else args.flag,
                    label=old.label if label is None else label,
                )
                for render_id, old in current.items()
            }
        )
    print(f"rated {len(ids)} render(s)")
    return 0


def _studio_of(path: Path) -> Path:
    """The studio a render file belongs to: the parent of its renders/ folder."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "renders" else Path(".")


def cmd_preview(args: argparse.Namespace) -> int:
    from stylecore.queue import JobQueue

    studio = Studio.open(args.studio)
    styles = expand_images(args.styles, studio.root) if args.styles else list_images(studio.styles)
    if not styles:
        raise StyleCoreError(f"no style images given and none in {studio.styles}")
    settings = RenderSettings(
        image_size=args.size, num_iterations=0, style_strength=args.strength,
        original_colors=args.original_colors,
    )  # fmt: skip
    with JobQueue(studio) as queue:
        added, total = queue.add_cross(
            expand_images(args.contents, studio.root),
            styles,
            settings,
            priority=args.priority,
            engine="preview",
        )
    print(f"queued {len(added)} new preview(s) ({total - len(added)} already in the queue)")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    from stylecore.stats_store import StatsStore

    from .sheets import SheetOptions, default_loader, make_sheet
    from .thumbs import THUMB_SIZE, ThumbnailCache

    studio, _, shown, view = _selected(args)
    if not shown:
        raise StyleCoreError(f"no renders match the filter ({view.filter.describe()})")
    options = SheetOptions(
        columns=args.columns, rows=args.rows, page=args.page, landscape=args.landscape,
        margin_mm=args.margin, dpi=args.dpi, settings=args.settings, palette=args.palette,
        matrix=args.matrix or "", title=studio.root.name, filter_text=view.filter.describe(),
    )  # fmt: skip
    shown = _with_specs(studio, shown) if args.settings else shown
    cell = options.page_pixels()[0] / max(1, options.columns)
    full = default_loader(studio.renders)
    thumbs = ThumbnailCache(studio.thumbs)

    def load(row: Any) -> Any:
        if cell > THUMB_SIZE:
            return full(row)
        thumb = thumbs.get(studio.renders / row.file)
        return thumb if hasattr(thumb, "size") else None

    palettes: dict[str, Any] = {}

    def palette_of(row: Any) -> Any:
        if not row.style_shas:
            return None
        sha = row.style_shas[0]
        if sha not in palettes:
            with StatsStore(studio) as store:
                stats = store.cached(sha, "style")
                if stats is None and row.style:
                    path = studio.resolve(row.style.split("|")[0])
                    stats = store.get(path, "style") if path.is_file() else None
            palettes[sha] = stats["palette"] if stats else None
        return palettes[sha]

    try:
        result = make_sheet(shown, args.output, options, load, palette_of if args.palette else None)
    finally:
        thumbs.close()
    tiles = sum(result.tiles_per_page)
    names = ", ".join(str(f) for f in result.files[:3]) + (" ..." if len(result.files) > 3 else "")
    print(f"wrote {result.pages} page(s), {tiles} tile(s): {names}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export import ExportOptions, default_choice, plan_export, run_export

    studio, _, shown, _ = _selected(args)
    filtered = (
        any(
            getattr(args, name)
            for name in ("unrated", "picked", "rejected", "content", "style", "text")
        )
        or args.filter
        or args.stars is not None
    )
    chosen = shown if filtered else default_choice(shown)
    if not chosen:
        raise StyleCoreError(
            "nothing to export: no picks or renders of 4 stars and up (or none match the filter)"
        )
    options = ExportOptions(args.output, psd=args.psd, ora=args.ora, xmp=args.xmp, force=args.force)
    plan = plan_export(studio, _with_specs(studio, chosen), options)
    if args.dry_run:
        for path in plan.files:
            print(path)
        print(f"would write {len(plan.files)} file(s) for {len(chosen)} render(s)")
        return 0
    manifest = run_export(plan, studio)
    print(
        f"exported {len(chosen)} render(s) of {len(manifest['contents'])} photo(s) to "
        f"{args.output} ({len(plan.files)} files)"
    )
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    studio = Studio.open(args.studio)
    from .app.app import run_app

    run_app(studio, graphics_mode=args.graphics, theme=args.theme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
