"""The loupe: one render large, beside its content and style, with how it was made and why the
style might have worked (the style's statistics, drawn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from stylecore.errors import StyleCoreError

from ...service import PictureImage, RenderRow, ThumbError
from ..widgets.contact_sheet import caption_markup
from ..widgets.picture import Picture
from .rating import RATE_BINDINGS, RatingScreen, in_order


def describe_settings(settings: dict[str, Any], sidecar: dict[str, Any] | None) -> str:
    """How a render was made, in a few lines."""
    colours = settings.get("original_colors", "none")
    lines = [
        f"[b]{settings.get('image_size')} px[/], {settings.get('num_iterations')} iterations,"
        f" {settings.get('optimizer')}",
        f"content {settings.get('content_weight')}  style {settings.get('style_weight')}"
        f"  tv {settings.get('tv_weight')}  style scale {settings.get('style_scale')}",
        f"init {settings.get('init')}  seed {settings.get('seed')}  colours {colours}",
    ]
    if sidecar:
        losses = sidecar.get("losses") or {}
        lines.append(
            f"{sidecar.get('seconds', '?')} s on {sidecar.get('device', '?')},"
            f" loss {losses.get('total', 0):.4g}"
            if isinstance(losses.get("total"), (int, float))
            else f"{sidecar.get('seconds', '?')} s on {sidecar.get('device', '?')}"
        )
        style_losses = losses.get("style") or {}
        if style_losses:
            lines.append("style " + "  ".join(f"{k} {v:.3g}" for k, v in style_losses.items()))
    return "\n".join(lines)


class LoupeScreen(RatingScreen):
    """Enter or space on the contact sheet; the same keys rate here."""

    BINDINGS = in_order(
        [
            *RATE_BINDINGS,
            Binding("escape,enter,space", "close", "back"),
            Binding("left,h", "step(-1)", "previous"),
            Binding("right,l", "step(1)", "next"),
        ]
    )

    DEFAULT_CSS = """
    LoupeScreen { layout: vertical; }
    #loupe-body { height: 1fr; }
    #render { width: 3fr; height: 1fr; border: round $panel-lighten-2; }
    #side { width: 2fr; height: 1fr; }
    #sources { height: 12; }
    #sources > Picture { width: 1fr; height: 12; border: round $panel-lighten-2; }
    #report { height: 18; border: round $panel-lighten-2; }
    #info { height: auto; padding: 0 1; }
    #caption { height: 2; padding: 0 1; background: $panel; }
    """

    COMMANDS_FOR_PALETTE = [
        ("step(1)", "Next render", "Show the next render in the loupe"),
        ("step(-1)", "Previous render", "Show the previous render"),
        ("rate(5)", "Rate 5 stars", "Rate this render"),
        ("flag('pick')", "Pick", "Flag as a pick"),
        ("flag('reject')", "Reject", "Flag as rejected"),
        ("close", "Back to the contact sheet", "Leave the loupe"),
    ]

    def __init__(self, rows: list[RenderRow], index: int) -> None:
        super().__init__()
        self.rows = rows
        self.index = index

    @property
    def row(self) -> RenderRow:
        return self.rows[self.index]

    def compose(self) -> ComposeResult:
        yield Static("", id="caption")
        with Horizontal(id="loupe-body"):
            yield Picture(id="render")
            with VerticalScroll(id="side"):
                with Horizontal(id="sources"):
                    yield Picture(id="content")
                    yield Picture(id="style")
                yield Static("", id="info")
                yield Picture(id="report")
        yield Footer()

    def on_mount(self) -> None:
        self.show_row()

    def show_row(self) -> None:
        service = self.capp.service
        row = service.get(self.row.id) or self.row
        self.rows[self.index] = row
        self.query_one("#caption", Static).update(
            f"{caption_markup(row)}   [dim]{row.file}  ({self.index + 1}/{len(self.rows)})[/]"
        )
        settings = (row.spec or {}).get("settings", {})
        info = describe_settings(settings, service.sidecar(row)) if settings else "no sidecar"
        self.query_one("#info", Static).update(info)
        for picture_id in ("#render", "#content", "#style", "#report"):
            self.query_one(picture_id, Picture).show(None)
        self.load_pictures(row)

    @work(thread=True, exclusive=True, group="loupe")
    def load_pictures(self, row: RenderRow) -> None:
        """Decode off the app's thread; a bad file shows its error in place of the picture."""
        service = self.capp.service
        sources: list[tuple[str, Path | None]] = [
            ("#render", service.render_path(row)),
            ("#content", service.content_path(row)),
            ("#style", next(iter(service.style_paths(row)), None)),
        ]
        for picture_id, path in sources:
            if path is None:
                self.app.call_from_thread(self._show, picture_id, None, "unknown")
                continue
            try:
                if picture_id == "#render":
                    image = service.load_image(path)
                else:
                    thumb = service.thumbs.get(path)
                    if isinstance(thumb, ThumbError):
                        raise StyleCoreError(thumb.message)
                    image = thumb
                self.app.call_from_thread(self._show, picture_id, image, "", (path, row.id))
            except StyleCoreError as exc:
                self.app.call_from_thread(self._show, picture_id, None, str(exc))
        report = service.style_report(row)
        self.app.call_from_thread(
            self._show, "#report", report, "style statistics not measured yet", ("report", row.id)
        )

    def _show(
        self, picture_id: str, image: PictureImage | None, message: str, key: object = None
    ) -> None:
        if self.is_attached:
            self.query_one(picture_id, Picture).show(image, message, key)

    # ----------------------------------------------------------------- keys

    def rating_targets(self) -> list[int]:
        return [self.row.id]

    def show_changes(self, changed: list[int], *, rated: bool) -> None:
        self.show_row()
        self.capp.refresh_sheet()

    def action_step(self, delta: int) -> None:
        index = max(0, min(len(self.rows) - 1, self.index + delta))
        if index != self.index:
            self.index = index
            self.show_row()

    def action_close(self) -> None:
        self.app.pop_screen()
