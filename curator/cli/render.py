"""`curator render`: the render loop, with a progress bar per job in hand, a line per job done."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..service import LoopEvent, StudioService
from .common import studio_argument


class RenderDisplay:
    """Consumes the loop's events; plain lines when the output is not a terminal."""

    def __init__(self, quiet: bool = False) -> None:
        self.console = Console()
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[loss]}"),
            TimeElapsedColumn(),
            console=self.console,
            disable=quiet or not self.console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RenderDisplay:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def _say(self, text: str) -> None:
        if not self.quiet:
            self.progress.console.print(text, highlight=False)

    def handle(self, event: LoopEvent) -> None:
        if event.kind == "start":
            for job in event.jobs:
                styles = " + ".join(Path(s).stem for s in job.styles)
                label = f"{job.id} {Path(job.content).stem} x {styles}"
                self.tasks[job.id] = self.progress.add_task(
                    label, total=job.spec.settings.total_iterations(), loss=""
                )
                if not self.console.is_terminal:
                    self._say(f"rendering {label}")
        elif event.kind == "progress" and event.progress is not None:
            for job, loss in zip(event.jobs, event.progress.losses, strict=False):
                if job.id in self.tasks:
                    self.progress.update(
                        self.tasks[job.id], completed=event.progress.iteration, loss=f"{loss:.4g}"
                    )
        elif event.kind in ("done", "failed"):
            for job in event.jobs:
                task = self.tasks.pop(job.id, None)
                if task is not None:
                    self.progress.remove_task(task)
                word = "done  " if event.kind == "done" else "FAILED"
                self._say(f"{word} {job.id}: {event.message}")
        elif event.kind == "paused":
            # Said even with --quiet: an overnight loop that waits for disk space must say why.
            for task in self.tasks.values():
                self.progress.remove_task(task)
            self.tasks.clear()
            print(f"paused: {event.message}", file=sys.stderr, flush=True)
        elif event.kind == "requeued":
            for task in self.tasks.values():
                self.progress.remove_task(task)
            self.tasks.clear()
            self._say(f"requeued {event.message}")


def add_parsers(commands: Any) -> None:
    render = commands.add_parser("render", help="run the render loop")
    studio_argument(render)
    render.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (studio.toml)")
    render.add_argument("--batch", type=int, default=1, help="jobs per batch that share content")
    render.add_argument("--until-idle", action="store_true", help="exit when nothing is queued")
    render.add_argument("--quiet", action="store_true", help="no progress display")
    render.add_argument(
        "--nice", type=int, default=0, metavar="N",
        help="lower the loop's CPU priority by N (the app and the demo start theirs at 5, so "
        "triage on the same machine stays quick)",
    )  # fmt: skip
    render.add_argument("--stale-after", type=float, default=None, help=argparse.SUPPRESS)
    render.add_argument(
        "--ray", nargs="?", const="", metavar="ADDRESS",
        help="run on a Ray cluster: ADDRESS of its head (e.g. auto, or ray://host:10001); "
        "alone, starts Ray on this machine (needs the cluster extra)",
    )  # fmt: skip
    render.add_argument("--actors", type=int, help="Ray actors (one per GPU, else per CPU slot)")
    render.add_argument(
        "--cpus-per-actor", type=float, default=1.0, help="CPUs per actor on a CPU-only cluster"
    )
    render.set_defaults(handler=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    if args.nice > 0:
        os.nice(args.nice)
    display = RenderDisplay(quiet=args.quiet)
    options: dict[str, Any] = {"batch": args.batch, "until_idle": args.until_idle}
    if args.stale_after is not None:
        options["stale_after"] = args.stale_after
    with StudioService.open(args.studio, load_rows=False) as service:
        loop = service.render_loop(
            device=args.device, ray=args.ray, actors=args.actors,
            cpus_per_actor=args.cpus_per_actor, on_event=display.handle, **options,
        )  # fmt: skip
        with display:
            code = loop.run()
    print(f"render loop stopped: {loop.rendered} rendered, {loop.failed} failed")
    return code
