"""Dialogs that write files: export for compositing (e) and a contact sheet (w)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, ProgressBar, Select, Static

from stylecore.errors import StyleCoreError

from ...service import (
    BASES,
    MASKS,
    ORDERS,
    UPSCALERS,
    ExportCancelled,
    ExportOptions,
    RenderRow,
    SheetOptions,
    describe_upscale,
    export_file_counts,
)
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


#: How the outline names a layer's mask.
MASK_WORDS = {
    "detail": "mask: photo shows on detail",
    "revealed": "mask: white, revealed",
    "hidden": "mask: black, paint to reveal",
    "subject": "mask: revealed on the subject",
    "surround": "mask: revealed around the subject",
    "": "",
}
#: Layers listed per photo in the outline before "... N more".
OUTLINE_LAYERS = 8


class ExportDialog(_OutputDialog):
    """e: picks as layered PSD and ORA stacks over the original, with XMP sidecars. Lists the
    stack it will write (top layer first, as Photoshop's Layers panel does) and how many
    files; Return in the destination starts it, Escape while it runs cancels it."""

    DEFAULT_CSS = """
    ExportDialog #dialog { width: 96; max-height: 100%; }
    ExportDialog .choices { height: 1; margin-bottom: 1; }
    ExportDialog .choices Select { width: 1fr; margin: 0 1 0 0; }
    ExportDialog .checks { height: 1; margin-bottom: 1; }
    ExportDialog .checks Checkbox { margin-right: 2; }
    ExportDialog ProgressBar, ExportDialog #result, ExportDialog #buttons { margin-top: 0; }
    #outline { height: auto; max-height: 12; border: round $panel-lighten-2; padding: 0 1; }
    """

    def __init__(self, view_rows: list[RenderRow], marked: list[RenderRow]) -> None:
        super().__init__(view_rows, marked)
        self.cancel = threading.Event()
        self.running = False

    def compose(self) -> ComposeResult:
        default = self.capp.studio.exports / date.today().isoformat()
        options = self.capp.service.export_options(default)
        with Vertical(id="dialog"):
            yield Static("[b]Export for compositing[/] (PSD, ORA, XMP; originals untouched)")
            yield Input(str(default), id="destination")
            yield Select(
                [(t, v) for t, v in SCOPES], value="keepers", allow_blank=False, id="scope"
            )
            with Horizontal(classes="choices"):
                for name, value, choices in (
                    ("base", options.base, BASES), ("order", options.order, ORDERS),
                    ("masks", options.masks, MASKS), ("upscale", options.upscale, UPSCALERS),
                ):  # fmt: skip
                    yield Select(
                        [(f"{name}: {choice}", choice) for choice in choices],
                        value=value, allow_blank=False, id=name, compact=True,
                    )  # fmt: skip
            with Horizontal(classes="checks"):
                yield Checkbox("PSD", True, id="psd", compact=True)
                yield Checkbox("ORA", True, id="ora", compact=True)
                yield Checkbox("XMP", True, id="xmp", compact=True)
                yield Checkbox("overwrite", False, id="force", compact=True)
            with VerticalScroll(id="outline"):
                yield Static("working out the stack...", id="stack")
            yield ProgressBar(total=1, show_eta=False)
            yield Static("", id="result")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="start")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one("#destination", Input).focus()
        self.fit_outline()
        self.refresh_outline()

    def on_resize(self) -> None:
        self.fit_outline()

    def fit_outline(self) -> None:
        """The outline takes what the screen has left after the fixed rows (23), at least
        4 lines: at 100x30 the buttons stay on screen and the outline scrolls."""
        self.query_one("#outline").styles.max_height = max(4, min(14, self.size.height - 23))

    def options(self) -> ExportOptions:
        """What the dialog's fields say, over the studio's [export] settings."""

        def choice(name: str) -> str:
            return str(self.query_one(f"#{name}", Select).value)

        return self.capp.service.export_options(
            Path(self.query_one("#destination", Input).value).expanduser(),
            psd=self.query_one("#psd", Checkbox).value,
            ora=self.query_one("#ora", Checkbox).value,
            xmp=self.query_one("#xmp", Checkbox).value,
            force=self.query_one("#force", Checkbox).value,
            base=choice("base"), order=choice("order"), masks=choice("masks"),
            upscale=choice("upscale"),
        )  # fmt: skip

    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(Input.Changed, "#destination")
    def refresh_outline(self) -> None:
        if not self.is_mounted or self.running:
            return
        rows = self.chosen()
        try:
            options = self.options()
        except StyleCoreError as exc:
            self.query_one("#stack", Static).update(f"[b]{escape(str(exc))}[/]")
            return
        self.work_out_outline(rows, options)

    @work(thread=True, exclusive=True, group="outline")
    def work_out_outline(self, rows: list[RenderRow], options: ExportOptions) -> None:
        """The stack of each photo, from a dry-run plan (rendered stats cached by file)."""
        service = self.capp.service
        if not rows:
            self.app.call_from_thread(self._show_outline, "nothing to export in that scope")
            return
        try:
            plan = service.plan_export(rows, options, check=False)
            stacks = service.export_outline(plan)
        except StyleCoreError as exc:
            self.app.call_from_thread(self._show_outline, f"[b]{escape(str(exc))}[/]")
            return
        upscale = escape(describe_upscale(options.upscale))
        lines = [f"[b]{export_file_counts(plan)}[/]; upscale: {upscale}"]
        if plan.existing and not options.force:
            lines.append(f"[b]{len(plan.existing)} file(s) exist there already: tick overwrite[/]")
        for group, layers in stacks:
            lines.append(f"[b]{escape(group.original.name)}[/], top layer first:")
            shown = list(reversed(layers))
            for layer in shown[:OUTLINE_LAYERS]:
                where = f"  [dim]in {escape(layer.group)}[/]" if layer.group else ""
                mask = f"  [dim]{MASK_WORDS[layer.mask]}[/]" if layer.mask else ""
                lines.append(f"  {escape(layer.name)}{mask}{where}")
            if len(shown) > OUTLINE_LAYERS:
                lines.append(f"  ... {len(shown) - OUTLINE_LAYERS} more layers")
        self.app.call_from_thread(self._show_outline, "\n".join(lines))

    def _show_outline(self, text: str) -> None:
        self.query_one("#stack", Static).update(text)

    @on(Input.Submitted, "#destination")
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        if self.running:
            return
        rows = self.chosen()
        if not rows:
            self.query_one("#result", Static).update("nothing to export in that scope")
            return
        try:
            options = self.options()
        except StyleCoreError as exc:
            self.query_one("#result", Static).update(f"[b]error: {escape(str(exc))}[/]")
            return
        self.running = True
        self.cancel.clear()
        self.query_one("#start", Button).disabled = True
        self.query_one("#close", Button).label = "Cancel"
        self.query_one("#result", Static).update(f"exporting {len(rows)} render(s)...")
        self.run_export(rows, options)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, rows: list[RenderRow], options: ExportOptions) -> None:
        service = self.capp.service
        try:
            plan = service.plan_export(rows, options)
            manifest = service.export(plan, self.progress, self.cancel)
        except ExportCancelled as exc:
            self.finish(f"{exc}; what was written is whole and in its manifest.json")
            return
        except StyleCoreError as exc:
            self.finish(str(exc), error=True)
            return
        photos = len(manifest["contents"])
        self.finish(f"exported {len(rows)} render(s) of {photos} photo(s) to {options.destination}")

    def _finish(self, message: str, error: bool) -> None:
        self.running = False
        self.query_one("#close", Button).label = "Close"
        super()._finish(message, error)

    def action_close(self) -> None:
        """Escape: cancels a running export (the dialog stays to say so), else closes."""
        if self.running:
            self.cancel.set()
            self.query_one("#result", Static).update("cancelling...")
            return
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def close_pressed(self) -> None:
        self.action_close()


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
