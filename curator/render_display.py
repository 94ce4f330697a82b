"""What `curator render` shows: a progress bar per job in hand, a line per finished job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from stylecore.worker import LoopEvent


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
        elif event.kind == "requeued":
            for task in self.tasks.values():
                self.progress.remove_task(task)
            self.tasks.clear()
            self._say(f"requeued {event.message}")
