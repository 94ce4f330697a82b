"""Dialogs that write files: export for compositing (e) and a contact sheet (w)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, ProgressBar, Select, Static

from stylecore.errors import StyleCoreError

from ...service import ExportOptions, RenderRow, SheetOptions
from .base import CuratorModal

SCOPES = (
    ("keepers: picks and 3 stars and up", "keepers"),
    ("every render in the current view", "view"),
    ("marked renders", "marked"),
)


class _OutputDialog(CuratorModal[None]):
    BINDINGS = [Binding("escape", "close", "close")]
    DEFAULT_CSS = """
    _OutputDialog { align: center middle; }
    #dialog { width: 84; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    #dialog Input, #dialog Select { margin-bottom: 1; }
    #dialog .checks { height: auto; }
    #result { height: auto; margin-top: 1; }
    #buttons { height: 3; align-horizontal: right; margin-top: 1; }
    ProgressBar { margin-top: 1; }
    """

    def __init__(self, view_rows: list[RenderRow], marked: list[RenderRow]) -> None:
        super().__init__()
        self.view_rows = view_rows
        self.marked = marked

    def chosen(self) -> list[RenderRow]:
        scope = self.query_one("#scope", Select).value
        if scope == "view":
            return list(self.view_rows)
        if scope == "marked":
            return list(self.marked)
        return [row for row in self.view_rows if row.is_keeper]

    def progress(self, done: int, total: int, message: str = "") -> None:
        """From the worker thread."""
        self.app.call_from_thread(self._progress, done, total, message)

    def _progress(self, done: int, total: int, message: str) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, total), progress=done)
        self.query_one("#result", Static).update(message)

    def finish(self, message: str, error: bool = False) -> None:
        self.app.call_from_thread(self._finish, message, error)

    def _finish(self, message: str, error: bool) -> None:
        self.query_one("#result", Static).update(f"[b]{'error: ' if error else ''}{message}[/]")
        self.query_one("#start", Button).disabled = False
        self.capp.notify(message, severity="error" if error else "information")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def close_pressed(self) -> None:
        self.dismiss(None)


class ExportDialog(_OutputDialog):
    """e: picks as layered PSD and ORA stacks over the original, with XMP sidecars."""

    def compose(self) -> ComposeResult:
        default = self.capp.studio.exports / date.today().isoformat()
        with Vertical(id="dialog"):
            yield Static("[b]Export for compositing[/] (PSD, ORA, XMP; originals untouched)")
            yield Input(str(default), id="destination")
            yield Select(
                [(t, v) for t, v in SCOPES], value="keepers", allow_blank=False, id="scope"
            )
            with Horizontal(classes="checks"):
                yield Checkbox("PSD", True, id="psd")
                yield Checkbox("ORA", True, id="ora")
                yield Checkbox("XMP", True, id="xmp")
                yield Checkbox("overwrite", False, id="force")
            yield ProgressBar(total=1, show_eta=False)
            yield Static("", id="result")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="start")
                yield Button("Close", id="close")

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        rows = self.chosen()
        if not rows:
            self.query_one("#result", Static).update("nothing to export in that scope")
            return
        options = ExportOptions(
            Path(self.query_one("#destination", Input).value).expanduser(),
            psd=self.query_one("#psd", Checkbox).value,
            ora=self.query_one("#ora", Checkbox).value,
            xmp=self.query_one("#xmp", Checkbox).value,
            force=self.query_one("#force", Checkbox).value,
        )
        self.query_one("#start", Button).disabled = True
        self.run_export(rows, options)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, rows: list[RenderRow], options: ExportOptions) -> None:
        service = self.capp.service
        try:
            service.export(service.plan_export(rows, options), self.progress)
        except StyleCoreError as exc:
            self.finish(str(exc), error=True)
            return
        self.finish(f"exported {len(rows)} render(s) to {options.destination}")


class SheetDialog(_OutputDialog):
    """w: a contact sheet of the current view as PDF or PNG."""

    def compose(self) -> ComposeResult:
        default = self.capp.studio.exports / f"sheet-{date.today().isoformat()}.pdf"
        with Vertical(id="dialog"):
            yield Static("[b]Contact sheet[/] (.pdf or .png)")
            yield Input(str(default), id="destination")
            yield Select(
                [("every render in the current view", "view"), ("marked renders", "marked"),
                 ("keepers: picks and 3 stars and up", "keepers")],
                value="view", allow_blank=False, id="scope",
            )  # fmt: skip
            yield Select(
                [("grid", ""), ("matrix: a row per style", "styles"),
                 ("matrix: a row per content", "contents")],
                value="", allow_blank=False, id="matrix",
            )  # fmt: skip
            with Horizontal(classes="checks"):
                yield Checkbox("settings", False, id="settings")
                yield Checkbox("palette", True, id="palette")
                yield Checkbox("landscape", False, id="landscape")
            yield ProgressBar(total=1, show_eta=False)
            yield Static("", id="result")
            with Horizontal(id="buttons"):
                yield Button("Write", variant="primary", id="start")
                yield Button("Close", id="close")

    @on(Button.Pressed, "#start")
    def start(self) -> None:
        rows = self.chosen()
        if not rows:
            self.query_one("#result", Static).update("no renders in that scope")
            return
        matrix = str(self.query_one("#matrix", Select).value or "")
        options = SheetOptions(
            settings=self.query_one("#settings", Checkbox).value,
            palette=self.query_one("#palette", Checkbox).value,
            landscape=self.query_one("#landscape", Checkbox).value,
            matrix=matrix, title=self.capp.studio.root.name,
        )  # fmt: skip
        self.query_one("#start", Button).disabled = True
        self.write_sheet(
            rows, Path(self.query_one("#destination", Input).value).expanduser(), options
        )

    @work(thread=True, exclusive=True, group="sheet")
    def write_sheet(self, rows: list[RenderRow], output: Path, options: SheetOptions) -> None:
        try:
            result = self.capp.service.make_sheet(
                rows, output, options,
                lambda done, total: self.progress(done, total, f"{done} of {total}"),
            )  # fmt: skip
        except StyleCoreError as exc:
            self.finish(str(exc), error=True)
            return
        self.finish(f"wrote {result.pages} page(s): {result.files[0]}")
