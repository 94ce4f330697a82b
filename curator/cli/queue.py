"""`curator queue ...` and `curator preview`: put jobs in the studio's queue and manage them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stylecore.errors import SettingsError
from stylecore.settings import ORIGINAL_COLORS, RenderSettings

from ..service import STATUSES, Job, QueueResult
from .common import expand_images, open_service, parse_overrides, studio_argument, studio_option


def add_parsers(commands: Any) -> None:
    queue = commands.add_parser("queue", help="add, list and manage render jobs")
    actions = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="queue every content x style pair")
    studio_option(add)
    add.add_argument("--contents", nargs="+", required=True, type=Path, help="photos or folders")
    add.add_argument("--styles", nargs="+", required=True, type=Path, help="paintings or folders")
    add.add_argument("--preset", help="a preset of studio.toml (its default preset)")
    add.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting"
    )
    add.add_argument("--priority", type=int, default=0, help="higher runs first (0)")
    add.add_argument(
        "--best",
        type=int,
        metavar="N",
        help="for each photo, only the N untried styles most likely to be kept "
        "(from the style statistics, then from this studio's ratings)",
    )
    add.set_defaults(handler=cmd_add)

    listing = actions.add_parser("list", help="show the jobs")
    studio_option(listing)
    listing.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    listing.add_argument(
        "--status", action="append",
        help=f"only jobs in these statuses, repeated or comma-separated ({', '.join(STATUSES)})",
    )  # fmt: skip
    listing.set_defaults(handler=cmd_list)

    for name, text, handler in (
        ("cancel", "cancel queued or running jobs", cmd_cancel),
        ("retry", "requeue failed or cancelled jobs", cmd_retry),
    ):
        action = actions.add_parser(name, help=text)
        studio_option(action)
        action.add_argument("ids", nargs="+", help="job ids (unique prefixes are enough)")
        action.set_defaults(handler=handler)

    clear = actions.add_parser("clear", help="remove finished jobs from the list")
    studio_option(clear)
    clear.add_argument("--done", action="store_true", required=True, help="the finished jobs")
    clear.set_defaults(handler=cmd_clear)

    priority = actions.add_parser("priority", help="set jobs' priority")
    studio_option(priority)
    priority.add_argument("priority", type=int, help="higher runs first")
    priority.add_argument("ids", nargs="+", help="job ids (unique prefixes are enough)")
    priority.set_defaults(handler=cmd_priority)

    stop = actions.add_parser("stop", help="ask running render loops to stop")
    studio_option(stop)
    stop.set_defaults(handler=cmd_stop)

    preview = commands.add_parser(
        "preview", help="queue fast previews of every style on photos (before full renders)"
    )
    studio_argument(preview)
    preview.add_argument(
        "--contents", nargs="+", required=True, type=Path, help="photos or folders"
    )
    preview.add_argument("--styles", nargs="*", type=Path, help="paintings or folders (styles/)")
    preview.add_argument("--size", type=int, default=512, help="longest side in px (512)")
    preview.add_argument("--strength", type=float, default=1.0, help="style strength 0..1 (1)")
    preview.add_argument(
        "--original-colors", choices=ORIGINAL_COLORS, default="none",
        help="keep the photo's colours: luminance or histogram (none)",
    )  # fmt: skip
    preview.add_argument("--priority", type=int, default=10, help="before full renders (10)")
    preview.set_defaults(handler=cmd_preview)


def cmd_add(args: argparse.Namespace) -> int:
    if args.best is not None and args.best < 1:
        raise SettingsError(f"--best {args.best}: give how many styles, 1 or more")
    with open_service(args) as service:
        root = service.studio.root
        contents = expand_images(args.contents, root)
        styles = expand_images(args.styles, root)
        if args.best is None:
            result = service.queue_pairs(
                contents, styles, args.preset, parse_overrides(args.set), priority=args.priority
            )
            return report_queued(result, "job")
        code = 0
        for content in contents:
            chances, basis = service.keeper_chances(content, styles)
            chosen = chances[: args.best]
            print(f"{content.name}: {basis}")
            for chance in chosen:
                print(f"  {chance.chance:4.0%}  {chance.style}  ({chance.reason})")
            if not chosen:
                print("  every style given is rendered or queued for this photo already")
                continue
            result = service.queue_pairs(
                [content],
                [root / chance.style for chance in chosen],
                args.preset,
                parse_overrides(args.set),
                priority=args.priority,
            )
            code = max(code, report_queued(result, "job"))
    return code


def report_queued(result: QueueResult, noun: str) -> int:
    """Warnings for skipped images, then the summary; 1 if anything was skipped, 2 if
    nothing could be queued at all."""
    for path, problem in result.skipped:
        print(f"warning: {path}: {problem} (skipped)", file=sys.stderr)
    if result.skipped and not result.pairs:
        print("error: nothing to queue: every image given was skipped", file=sys.stderr)
        return 2
    print(result.describe(noun))
    return 1 if result.skipped else 0


def parse_statuses(given: list[str] | None) -> list[str] | None:
    """--status queued,running --status failed -> the statuses; an unknown one is an error."""
    if not given:
        return None
    wanted = [part.strip() for text in given for part in text.split(",") if part.strip()]
    for status in wanted:
        if status not in STATUSES:
            raise SettingsError(f"--status {status!r}: a job is {', '.join(STATUSES)}")
    return wanted


def cmd_list(args: argparse.Namespace) -> int:
    statuses = parse_statuses(args.status)
    with open_service(args) as service:
        jobs = service.jobs(statuses)
    if args.json:
        print(json.dumps([job.to_dict() for job in jobs], indent=2))
    else:
        print_jobs(jobs)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    return _change(args, "cancelled", ("queued", "running"), "cancel takes queued or running jobs")


def cmd_retry(args: argparse.Namespace) -> int:
    return _change(
        args, "requeued", ("failed", "cancelled"), "retry takes failed or cancelled jobs"
    )


def _change(args: argparse.Namespace, verb: str, allowed: tuple[str, ...], rule: str) -> int:
    """Cancel or retry; the jobs left alone are named with their status and the rule."""
    with open_service(args) as service:
        ids = service.resolve_jobs(args.ids)
        before = {job.id: job.status for job in service.jobs()}
        count = service.cancel(ids) if verb == "cancelled" else service.retry(ids)
    left = [f"{job_id} is {before.get(job_id, 'gone')}" for job_id in ids
            if before.get(job_id) not in allowed]  # fmt: skip
    print(f"{verb} {count} job(s)" + (f"; {', '.join(left)} ({rule})" if left else ""))
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        print(f"removed {service.clear_done()} finished job(s)")
    return 0


def cmd_priority(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        count = service.set_priority(service.resolve_jobs(args.ids), args.priority)
    print(f"set priority {args.priority} on {count} job(s)")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    with open_service(args) as service:
        print(f"asked {service.stop_loops()} render loop(s) to stop")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from stylecore.errors import StyleCoreError

    with open_service(args) as service:
        root = service.studio.root
        styles = expand_images(args.styles, root) if args.styles else service.styles()
        if not styles:
            raise StyleCoreError(f"no style images given and none in {service.studio.styles}")
        settings = RenderSettings(
            image_size=args.size, num_iterations=0, style_strength=args.strength,
            original_colors=args.original_colors,
        )  # fmt: skip
        result = service.queue_pairs(
            expand_images(args.contents, root), styles, settings=settings,
            priority=args.priority, engine="preview",
        )  # fmt: skip
    return report_queued(result, "preview")


def print_jobs(jobs: Sequence[Job]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "status", "progress", "content", "style", "size", "prio", "note"):
        table.add_column(column, no_wrap=column in ("id", "status", "progress"))
    for job in jobs:
        progress = f"{job.iteration}/{job.total}"
        if job.status == "running" and job.eta is not None:
            progress += f" eta {job.eta:.0f}s"
        note = job.note()
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
    console = Console() if sys.stdout.isatty() else Console(width=200)
    console.print(table)
    if not jobs:
        print("no jobs")
