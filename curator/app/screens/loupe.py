"""The loupe: one render large, beside its content and style, with how it was made and why the
style might have worked (the style's statistics, drawn)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Static

from stylecore.errors import StyleCoreError

from ...service import (
    ZOOMS,
    PictureImage,
    RenderRow,
    ThumbError,
    clamp_centre,
    fit_scale,
    histogram_lines,
    next_zoom,
    overview,
    panned_centre,
)
from ..widgets.contact_sheet import caption_markup
from ..widgets.filmstrip import Filmstrip
from ..widgets.footer import Footer
from ..widgets.picture import Picture, PreparedWork, display_pixels
from .rating import RATE_BINDINGS, RatingScreen, in_order
from .zooming import ZOOM_BINDINGS

#: How long the fitted render stays on screen before its 100% view is made ahead.
AHEAD_AFTER_S = 0.3
#: How long a zoomed view stays on screen before the views a pan step away are made ahead.
PAN_AHEAD_AFTER_S = 0.3


def describe_settings(
    settings: dict[str, Any], sidecar: dict[str, Any] | None, engine: str = "gatys"
) -> str:
    """How a render was made, in a few lines (a preview says what a preview has)."""
    colours = settings.get("original_colors", "none")
    if engine == "preview":
        made = f"{sidecar.get('seconds', '?')} s on {sidecar.get('device', '?')}" if sidecar else ""
        return (
            f"[b]preview[/], {settings.get('image_size')} px, strength "
            f"{settings.get('style_strength', 1.0)}, colours {colours}\n{made}"
        ).rstrip()
    lines = [
        f"[b]{settings.get('image_size')} px[/], {settings.get('num_iterations')} iterations,"
        f" {settings.get('optimizer')}",
        f"content {settings.get('content_weight')}  style {settings.get('style_weight')}"
        f"  tv {settings.get('tv_weight')}"
        + (f" (colour {settings['chroma_tv_weight']})" if "chroma_tv_weight" in settings else ""),
        f"style scale {settings.get('style_scale')}  init {settings.get('init')}"
        f"  seed {settings.get('seed')}  colours {colours}",
    ]
    if sidecar:
        losses = sidecar.get("losses") or {}
        lines.append(
            f"{sidecar.get('seconds', '?')} s on {sidecar.get('device', '?')},"
            f" loss {losses.get('total', 0):.4g}"
            if isinstance(losses.get("total"), (int, float))
            else f"{sidecar.get('seconds', '?')} s on {sidecar.get('device', '?')}"
        )
        levels = sidecar.get("levels") or []
        if len(levels) > 1:  # the coarse-to-fine schedule, and where the time went
            lines.append(
                f"{sidecar.get('schedule', 'levels')} "
                + " > ".join(
                    f"{max(level.get('size') or [0])}:{level.get('iterations')}"
                    f" ({level.get('seconds', 0):.0f} s)"
                    for level in levels
                )
            )
        style_losses = losses.get("style") or {}
        if style_losses:
            lines.append("style " + "  ".join(f"{k} {v:.3g}" for k, v in style_losses.items()))
    return "\n".join(lines)


def histogram_text(image: PictureImage) -> str:
    """The render's histogram as lines of text (value, R, G, B) with the percentage of pixels
    clipped at black and white: it reads in half-cell and fits the side panel at 100x30 (30
    columns), like the verdict. A clipped share of 1% or more is bold."""
    lines = ["[b]histogram[/]" + " " * 9 + "[dim] dark%light%[/]"]  # clipped, over the columns
    for name, bars, dark, light in histogram_lines(image, bins=16):
        warn = "[b]" if max(dark, light) >= 0.01 else ""
        end = "[/]" if warn else ""
        lines.append(f"{name[0].upper()} {bars}{warn}{100 * dark:6.1f}{100 * light:6.1f}{end}")
    return "\n".join(lines)


class LoupeScreen(RatingScreen):
    """Enter or space on the contact sheet; the same keys rate here."""

    BINDINGS = in_order(
        [
            *RATE_BINDINGS,
            Binding("escape,enter,space", "close", "back"),
            Binding("left,h", "step(-1)", "previous"),
            Binding("right,l", "step(1)", "next"),
            *ZOOM_BINDINGS,
            Binding("o", "before_after", "before/after"),
            Binding("t", "stack_preview", "stack"),
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
    #histogram { height: auto; padding: 0 1; margin-top: 1; }
    #overview { display: none; border: round $warning; }
    LoupeScreen.-short #filmstrip { display: none; }
    #caption { height: 3; padding: 0 1; background: $panel; }
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
        #: None fits the render to the pane; else display pixels per image pixel.
        self.zoom: float | None = None
        self.centre = (0.5, 0.5)
        #: Showing the content photo in the render's place (before/after).
        self.before = False
        #: Showing the export's stack preview in the render's place (t).
        self.stacked = False
        self._stack_image: PictureImage | None = None
        self._render_image: PictureImage | None = None
        self._content_image: PictureImage | None = None
        self._ahead_timer: Timer | None = None

    @property
    def row(self) -> RenderRow:
        return self.rows[self.index]

    def compose(self) -> ComposeResult:
        yield Static("", id="caption")
        with Horizontal(id="loupe-body"):
            yield Picture(id="render")
            with VerticalScroll(id="side"):
                with Horizontal(id="sources"):
                    yield Picture(id="overview")
                    yield Picture(id="content")
                    yield Picture(id="style")
                yield Static("", id="info")
                yield Static("", id="histogram")
                yield Picture(id="report")
        yield Filmstrip(self.capp.service.thumb_of, id="filmstrip")
        yield Footer()

    def on_mount(self) -> None:
        self.show_row()

    def show_row(self) -> None:
        service = self.capp.service
        row = service.get(self.row.id) or self.row
        self.rows[self.index] = row
        self.update_caption()
        settings = (row.spec or {}).get("settings", {})
        info = (
            describe_settings(settings, service.sidecar(row), row.engine)
            if settings
            else "no sidecar"
        )
        verdict = service.style_verdict(row)
        if verdict:  # as text, wrapped: it reads in half-cell and at 100x30
            info += f"\n[i]{verdict}[/]"
        self.query_one("#info", Static).update(info)
        for picture_id in ("#render", "#content", "#style", "#report"):
            self.query_one(picture_id, Picture).show(None)
        self.query_one("#histogram", Static).update("")
        self.load_pictures(row)
        self.show_filmstrip()

    def update_caption(self) -> None:
        row = self.row
        picture = self.query_one("#render", Picture)
        scale = picture.scale_shown()
        where = ""
        if scale is None:
            shown = ""
        elif self.zoom is None:
            shown = f"fit {scale:.0%}"
        else:
            shown = f"{scale:.0%}"
            image = self._render_image
            if image is not None:
                box = picture.box_pixels()
                view_w = min(1.0, box[0] / scale / image.width)
                view_h = min(1.0, box[1] / scale / image.height)
                cx, cy = picture.centre
                where = (
                    f"  view x {max(0, cx - view_w / 2):.0%}-{min(1, cx + view_w / 2):.0%}"
                    f" y {max(0, cy - view_h / 2):.0%}-{min(1, cy + view_h / 2):.0%}"
                )
        which = "  [reverse] BEFORE: the photo [/]" if self.before else ""
        if self.stacked:
            which = (
                "  [reverse] STACK: as the exported PSD opens [/]"
                if self._stack_image is not None
                else "  [dim]making the stack preview...[/]"
            )
        self.query_one("#caption", Static).update(
            f"{caption_markup(row)}   [dim]{row.file}  ({self.index + 1}/{len(self.rows)})[/]"
            f"\n[b]{shown}[/]{where}{which}"
        )

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
                    text = histogram_text(image)
                    self.app.call_from_thread(self._show_histogram, row.id, text)
                    content = service.content_path(row)
                    before = None
                    if content is not None and content.exists():
                        with contextlib.suppress(StyleCoreError):
                            before = service.load_image(content, like=image.size)
                    self.app.call_from_thread(self._keep, image, before)
                else:
                    thumb = service.thumbs.get(path)
                    if isinstance(thumb, ThumbError):
                        raise StyleCoreError(thumb.message)
                    image = thumb
                self.app.call_from_thread(self._show, picture_id, image, "", (path, row.id))
            except StyleCoreError as exc:
                self.app.call_from_thread(self._show, picture_id, None, str(exc))
        report = service.style_report(row)
        # Keyed by the style's file and content, not the render's id: fitted pictures are
        # cached process-wide, and an id names another render in another studio.
        key = ("report", str(sources[2][1]), row.style_shas_json)
        self.app.call_from_thread(
            self._show, "#report", report, "style statistics not measured yet", key
        )

    def on_resize(self) -> None:
        # Below 40 rows the render needs the room: the strip goes (100x30 keeps the picture).
        self.set_class(self.size.height < 40, "-short")

    def show_filmstrip(self) -> None:
        """The neighbours around the current render."""
        self.query_one(Filmstrip).show_around(self.rows, self.index)

    def _show_histogram(self, render_id: int, text: str) -> None:
        if self.is_attached and render_id == self.row.id:
            self.query_one("#histogram", Static).update(text)

    def _keep(self, render: PictureImage, before: PictureImage | None) -> None:
        """The decoded render and its photo at the render's size, for zoom and before/after."""
        same_size = self._render_image is not None and self._render_image.size == render.size
        self._render_image, self._content_image = render, before
        self._stack_image = None  # made again for this render when asked for
        if self.stacked:
            self.make_stack_preview(self.row)
        if not same_size:
            self.centre = (0.5, 0.5)  # the zoom point follows only between renders of one size

    def _show(
        self, picture_id: str, image: PictureImage | None, message: str, key: object = None
    ) -> None:
        if not self.is_attached:
            return
        picture = self.query_one(picture_id, Picture)
        kind = "render"
        if picture_id == "#render":
            if self.before and self._content_image is not None:
                image, kind = self._content_image, "before"
            elif self.stacked and self._stack_image is not None:
                image, kind = self._stack_image, "stack"
            if image is not None:
                key = self._render_key(kind)  # as zoom keys show it: one key, one cache entry
            picture.zoom, picture.centre = self.zoom, self.centre
        picture.show(image, message, key)
        if picture_id == "#render":
            if image is not None:
                self.show_overview(image, kind)
                self._look_ahead()
            self.update_caption()

    def _look_ahead(self) -> None:
        """Once the artist stops on a view (stepping through renders or panning makes no
        views that are never looked at): fitted, its 100% view is made ahead; zoomed, the
        views a pan step away."""
        if self._ahead_timer is not None:
            self._ahead_timer.stop()
        if self.zoom is None:
            self._ahead_timer = self.set_timer(AHEAD_AFTER_S, self.zoom_ahead)
        else:
            self._ahead_timer = self.set_timer(PAN_AHEAD_AFTER_S, self.pan_ahead)

    def zoom_ahead(self) -> None:
        """While the artist looks at the fitted render, its 100% view around the zoom point is
        made and drawn ahead on another thread, so that z shows it at once."""
        self._ahead_timer = None
        if self.zoom is not None or not self.is_attached:
            return
        work = self.query_one("#render", Picture).prepare_zoom(ZOOMS[0], self.centre)
        if work is not None:
            self._make_ahead(work)

    def pan_ahead(self) -> None:
        """While the artist looks at a zoomed view, the views a pan step away (and, on a sixel
        terminal, the blocks each step uncovers) are made on another thread."""
        self._ahead_timer = None
        if self.zoom is None or not self.is_attached:
            return
        work = self.query_one("#render", Picture).prepare_pans()
        if work is not None:
            self._make_ahead(work)

    @work(thread=True, exclusive=True, group="zoom-ahead")
    def _make_ahead(self, make: PreparedWork) -> None:
        keep = make()
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(keep)

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

    # ----------------------------------------------------------------- zoom and pan

    def _redraw_render(self) -> None:
        picture = self.query_one("#render", Picture)
        image, kind = self._render_image, "render"
        if self.before and self._content_image is not None:
            image, kind = self._content_image, "before"
        elif self.stacked and self._stack_image is not None:
            image, kind = self._stack_image, "stack"
        if image is None:
            return
        picture.zoom = self.zoom  # its box at this zoom (sixel: whole pan steps)
        if self.zoom is not None:
            self.centre = clamp_centre(image.size, picture.box_pixels(), self.zoom, self.centre)
        picture.centre = self.centre
        picture.show(image, "", self._render_key(kind))
        self.show_overview(image, kind)
        self._look_ahead()
        self.update_caption()

    def _render_key(self, kind: str) -> tuple[str, str, int]:
        """What names the picture in the render's place (`kind`: the render, the photo or the
        stack preview) in the picture caches (kept process-wide: an id names another render
        in another studio): the render's file, as it is now."""
        return (kind, str(self.capp.service.render_path(self.row)), self.row.mtime_ns)

    def show_overview(self, image: PictureImage, kind: str) -> None:
        """While zoomed: the whole picture small (`kind`: the render, the photo or the stack
        preview), the part on screen outlined."""
        # The overview's own display, not a class on the screen: a screen class makes
        # Textual apply the stylesheet to every widget again (some 70 ms a zoom key).
        overview_widget = self.query_one("#overview", Picture)
        if overview_widget.display != (self.zoom is not None):
            overview_widget.display = self.zoom is not None
        if self.zoom is None:
            return
        box = self.query_one("#render", Picture).box_pixels()
        picture = (kind, self.row.file, self.row.mtime_ns)
        # Made at the size it is shown (no resize of the outlined picture on every pan step).
        fit = fit_scale(image.size, overview_widget.box_pixels())
        longest = round(max(image.size) * fit) if fit > 0 else 256
        small = overview(image, box, self.zoom, self.centre, max(16, longest), key=picture)
        key = ("overview", *picture, self.zoom, self.centre, box)
        overview_widget.show(small, "", key)

    def action_zoom(self) -> None:
        """z: fit the pane, or 100% (one render pixel per display pixel)."""
        self.zoom = 1.0 if self.zoom is None else None
        self._redraw_render()

    def action_zoom_cycle(self) -> None:
        """Z: 100%, 200%, 400%, then 100% again."""
        self.zoom = next_zoom(self.zoom)
        self._redraw_render()

    def action_pan(self, dx: int, dy: int) -> None:
        """H J K L / shift+arrows: move the view a quarter of itself (zoomed only)."""
        image = self._render_image
        if self.zoom is None or image is None:
            return
        box = self.query_one("#render", Picture).box_pixels()
        self.centre = panned_centre(
            self.centre, (dx, dy), image.size, box, self.zoom, display_pixels()
        )
        self._redraw_render()

    def action_before_after(self) -> None:
        """o: the content photo in the render's place, at the same size and position."""
        if self._content_image is None:
            self.notify("the content photo of this render cannot be shown", severity="warning")
            return
        self.before = not self.before
        self.stacked = False
        self._redraw_render()

    def action_stack_preview(self) -> None:
        """t: what opening the exported PSD shows with this render on top (the photo, the
        painterly base and the render through their masks, as studio.toml's [export] says),
        in the render's place; t again for the render alone."""
        self.stacked = not self.stacked
        self.before = False
        if self.stacked and self._stack_image is None:
            self.update_caption()
            self.make_stack_preview(self.row)
            return
        self._redraw_render()

    @work(thread=True, exclusive=True, group="stack-preview")
    def make_stack_preview(self, row: RenderRow) -> None:
        try:
            image = self.capp.service.stack_preview(row)
        except StyleCoreError as exc:
            self.app.call_from_thread(self._no_stack, str(exc))
            return
        self.app.call_from_thread(self._stack_made, row.id, image)

    def _stack_made(self, render_id: int, image: PictureImage) -> None:
        if render_id == self.row.id and self.is_attached:
            self._stack_image = image
            self._redraw_render()

    def _no_stack(self, message: str) -> None:
        self.stacked = False
        self.notify(f"no stack preview: {message}", severity="warning")
        self.update_caption()
