"""The queue screen: jobs with status, progress bars and ETA, and the render loops."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..widgets.footer import Footer
from .base import CuratorScreen

if TYPE_CHECKING:
    from ...service import Job

BAR_WIDTH = 16


def progress_bar(job: Job) -> str:
    if job.status == "done":
        return "█" * BAR_WIDTH + " 100%"
    if not job.total:
        return ""
    fraction = min(1.0, job.iteration / job.total)
    filled = round(fraction * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {fraction * 100:3.0f}%"


def eta_text(job: Job) -> str:
    if job.status != "running" or job.eta is None:
        return ""
    seconds = int(job.eta)
    return f"{seconds // 60}:{seconds % 60:02d}"


class QueueScreen(CuratorScreen):
    """Q on the contact sheet. Follows the loops' progress every second."""

    BINDINGS = [
        Binding("escape,Q", "close", "back"),
        Binding("c", "cancel", "cancel"),
        Binding("r", "retry", "retry"),
        Binding("plus,equals_sign", "priority(1)", "priority +"),
        Binding("minus", "priority(-1)", "priority -"),
        Binding("L", "start_loop", "start loop"),
        Binding("K", "stop_loops", "stop loops"),
        Binding("q", "queue_pairs", "queue…"),
    ]
    DEFAULT_CSS = """
    QueueScreen { layout: vertical; }
    #loops { height: auto; min-height: 1; background: $panel; padding: 0 1; }
    #jobs { height: 1fr; }
    """
    COMMANDS_FOR_PALETTE = [
        ("cancel", "Cancel job", "Cancel the selected job"),
        ("retry", "Retry job", "Queue a failed or cancelled job again"),
        ("priority(1)", "Raise priority", "Run the selected job sooner"),
        ("priority(-1)", "Lower priority", "Run the selected job later"),
        ("start_loop", "Start a render loop", "Start `curator render` in the background"),
        ("stop_loops", "Stop render loops", "Requeue their jobs and stop them"),
        ("queue_pairs", "Queue new pairs", "Choose contents, styles and a preset"),
        ("close", "Back to the contact sheet", "Leave the queue screen"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="loops")
        yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (
            ("status", "status"), ("progress", "progress"), ("eta", "eta"), ("content", "content"),
            ("style", "style"), ("size", "size"), ("prio", "prio"), ("tries", "tries"),
            ("id", "job"), ("note", "note"),
        ):  # fmt: skip
            table.add_column(label, key=key)
        self.set_interval(1.0, self.refresh_jobs)

    def on_screen_resume(self) -> None:
        self.refresh_jobs()

    def refresh_jobs(self) -> None:
        if not self.is_current:
            return
        service = self.capp.service
        loops = service.loops()
        now = time.time()
        if loops:
            lines = [
                f"loop {w.id.split(':')[1]} on {w.device}: {w.state}"
                + (f" ({', '.join(w.jobs)})" if w.jobs else "")
                + f", beat {now - w.heartbeat:.0f}s ago"
                for w in loops
            ]
            self.query_one("#loops", Static).update("\n".join(lines))
        else:
            self.query_one("#loops", Static).update(
                "no render loop is running: L starts one in the background"
            )
        table = self.query_one(DataTable)
        jobs = service.jobs()
        keep = self.selected_id()
        table.clear()
        for job in jobs:
            table.add_row(
                job.status,
                progress_bar(job),
                eta_text(job),
                Path(job.content).stem,
                " + ".join(Path(s).stem for s in job.styles),
                str(job.spec.settings.image_size),
                str(job.priority),
                str(job.attempts),
                job.id,
                job.note()[:80],
                key=job.id,
            )
        if keep is not None and keep in {job.id for job in jobs}:
            table.move_cursor(row=table.get_row_index(keep))

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    def action_cancel(self) -> None:
        job = self.selected_id()
        if job:
            self.notify(f"cancelled {self.capp.service.cancel([job])} job")
            self.refresh_jobs()

    def action_retry(self) -> None:
        job = self.selected_id()
        if job:
            self.notify(f"requeued {self.capp.service.retry([job])} job")
            self.refresh_jobs()

    def action_priority(self, delta: int) -> None:
        job = self.selected_id()
        if job:
            self.capp.service.reprioritise([job], delta)
            self.refresh_jobs()

    def action_start_loop(self) -> None:
        if self.capp.service.loops():
            self.notify("a render loop is already running", severity="warning")
            return
        pid = self.capp.service.start_loop()
        self.notify(f"started a render loop (pid {pid}); its log is in .curator/logs/")

    def action_stop_loops(self) -> None:
        count = self.capp.service.stop_loops()
        self.notify(f"asked {count} loop(s) to requeue their jobs and stop")

    def action_queue_pairs(self) -> None:
        self.capp.open_queue_form()

    def action_close(self) -> None:
        self.app.pop_screen()
