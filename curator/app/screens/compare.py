"""Compare and survey: renders side by side, laid out to fill the screen, rated one by one.

Compare (c) takes two to four renders with zoom and pan locked across them: `z` shows every
panel at 100% at the same point, and panning moves them together, so brushwork is judged
like for like. Survey (N, as in Lightroom) takes up to twelve marked renders and lays them out
in the grid (2x2, 3x2...) that shows them largest.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import Static

from stylecore.errors import StyleCoreError

from ...service import (
    PictureImage,
    RenderRow,
    clamp_centre,
    next_zoom,
    panned_centre,
    survey_grid,
)
from ..widgets.contact_sheet import caption_markup
from ..widgets.filmstrip import Filmstrip
from ..widgets.footer import Footer
from ..widgets.picture import Picture, display_pixels
from .rating import RATE_BINDINGS, RatingScreen, in_order
from .zooming import ZOOM_BINDINGS

#: The most renders a survey lays out (compare takes four).
SURVEY_MOST = 12
#: Caption rows under each panel's picture, border included.
CAPTION_ROWS = 4


class Panel(Vertical):
    DEFAULT_CSS = """
    Panel { width: 1fr; height: 1fr; border: round $panel-lighten-2; }
    Panel.-focus { border: heavy $accent; }
    Panel > Picture { height: 1fr; }
    Panel > .caption { height: 2; padding: 0 1; }
    """

    def __init__(self, row: RenderRow) -> None:
        super().__init__()
        self.row = row
        self.picture = Picture()
        self.caption = Static("", classes="caption")
        self.image: PictureImage | None = None

    def compose(self) -> ComposeResult:
        yield self.picture
        yield self.caption

    def bind(self, row: RenderRow) -> None:
        self.row = row
        width = max(12, self.content_size.width - 2) if self.content_size.width else 40
        self.caption.update(caption_markup(row, width))


class CompareScreen(RatingScreen):
    BINDINGS = in_order(
        [
            *RATE_BINDINGS,
            Binding("left,h", "focus_panel(-1)", "←"),
            Binding("right,l", "focus_panel(1)", "→"),
            *ZOOM_BINDINGS,
            Binding("escape,c,N", "close", "back"),
        ]
    )
    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    #panels { height: 1fr; grid-gutter: 0; }
    #compare-title { height: 1; background: $panel; padding: 0 1; }
    CompareScreen.-short #filmstrip, CompareScreen.-alone #filmstrip { display: none; }
    """
    COMMANDS_FOR_PALETTE = [
        ("focus_panel(1)", "Next panel", "Move the focus right"),
        ("focus_panel(-1)", "Previous panel", "Move the focus left"),
        ("zoom", "Fit / 100%", "Every panel at 100% at the same point, or fitted"),
        ("rate(5)", "Rate 5 stars", "Rate the focused render"),
        ("flag('pick')", "Pick", "Pick the focused render"),
        ("flag('reject')", "Reject", "Reject the focused render"),
        ("close", "Back to the contact sheet", "Leave compare"),
    ]

    def __init__(
        self,
        rows: list[RenderRow],
        survey: bool = False,
        neighbours: list[RenderRow] | None = None,
    ) -> None:
        super().__init__()
        self.survey = survey
        #: The sheet's renders in order, for the filmstrip around the focused panel.
        self.neighbours = neighbours or []
        self.panels = [Panel(row) for row in rows[: SURVEY_MOST if survey else 4]]
        self.focus_index = 0
        #: None fits every panel; else display pixels per image pixel, shared by all.
        self.zoom: float | None = None
        #: The shared view centre, as fractions of each image's size.
        self.centre = (0.5, 0.5)
        self.grid = (len(self.panels), 1)

    def compose(self) -> ComposeResult:
        yield Static("", id="compare-title")
        with Grid(id="panels"):
            yield from self.panels
        yield Filmstrip(self.capp.service.thumb_of, id="filmstrip")
        yield Footer()

    def on_mount(self) -> None:
        for panel in self.panels:
            panel.bind(panel.row)
        self._mark_focus()
        self.lay_out()
        self.load_pictures()
        self.show_filmstrip()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 40, "-short")  # the panels need the rows
        self.lay_out()

    def show_filmstrip(self) -> None:
        """The focused render's neighbours in the sheet's order."""
        ids = [row.id for row in self.neighbours]
        focused = self.focused_row.id
        self.set_class(focused not in ids, "-alone")
        if focused in ids:
            self.query_one(Filmstrip).show_around(self.neighbours, ids.index(focused))

    def lay_out(self) -> None:
        """The grid that shows the renders largest (2 side by side, 4 as 2x2, 6 as 3x2...)."""
        sizes = [(p.row.width, p.row.height) for p in self.panels if p.row.width and p.row.height]
        aspect = sum(w / h for w, h in sizes) / len(sizes) if sizes else 4 / 3
        cell_w, cell_h = display_pixels()
        grid = self.query_one("#panels", Grid)
        width, height = grid.size.width or self.size.width, grid.size.height or self.size.height
        columns, rows = survey_grid(
            len(self.panels), (width * cell_w, height * cell_h), aspect, CAPTION_ROWS * cell_h
        )
        self.grid = (columns, rows)
        grid.styles.grid_size_columns = columns
        grid.styles.grid_size_rows = rows
        self.update_title()

    def update_title(self) -> None:
        kind = "survey" if self.survey else "compare"
        locked = f"{self.zoom:.0%}, locked: H J K L pan every panel" if self.zoom else ""
        scale = locked or "fit"
        columns, rows = self.grid
        self.query_one("#compare-title", Static).update(
            f"[b]{kind}[/] {len(self.panels)} renders, {columns}x{rows}  │  [b]{scale}[/]  │"
            "  ← → choose, 0-5 x p u rate the focused one, z zoom, esc back"
        )

    @work(thread=True, exclusive=True, group="compare")
    def load_pictures(self) -> None:
        for panel in self.panels:
            try:
                image: PictureImage | None = self.capp.service.load_image(
                    self.capp.service.render_path(panel.row)
                )
                message = ""
            except StyleCoreError as exc:
                image, message = None, str(exc)
            self.app.call_from_thread(self._show, panel, image, message)

    def _show(self, panel: Panel, image: PictureImage | None, message: str) -> None:
        panel.image = image
        panel.picture.zoom, panel.picture.centre = self.zoom, self.centre
        panel.picture.show(image, message, ("compare", panel.row.file, panel.row.mtime_ns))

    def _redraw(self) -> None:
        """Every panel at the shared zoom and centre (each clamped to its own image)."""
        for panel in self.panels:
            if panel.image is None:
                continue
            centre = self.centre
            if self.zoom is not None:
                box = panel.picture.box_pixels()
                centre = clamp_centre(panel.image.size, box, self.zoom, centre)
            panel.picture.zoom, panel.picture.centre = self.zoom, centre
            panel.picture.show(panel.image, "", ("compare", panel.row.file, panel.row.mtime_ns))
        self.update_title()

    def action_zoom(self) -> None:
        """z: every panel at 100% at the same point, or fitted."""
        self.zoom = 1.0 if self.zoom is None else None
        self._redraw()

    def action_zoom_cycle(self) -> None:
        """Z: 100%, 200%, 400% for every panel."""
        self.zoom = next_zoom(self.zoom)
        self._redraw()

    def action_pan(self, dx: int, dy: int) -> None:
        """H J K L / shift+arrows: move every panel's view a quarter of the focused one's."""
        panel = self.panels[self.focus_index]
        if self.zoom is None or panel.image is None:
            return
        box = panel.picture.box_pixels()
        x, y = panned_centre(
            self.centre, (dx, dy), panel.image.size, box, self.zoom, display_pixels()
        )
        self.centre = (min(1.0, max(0.0, x)), min(1.0, max(0.0, y)))
        self._redraw()

    def _mark_focus(self) -> None:
        for index, panel in enumerate(self.panels):
            panel.set_class(index == self.focus_index, "-focus")

    def action_focus_panel(self, delta: int) -> None:
        self.focus_index = (self.focus_index + delta) % len(self.panels)
        self._mark_focus()
        self.show_filmstrip()

    @property
    def focused_row(self) -> RenderRow:
        return self.panels[self.focus_index].row

    def rating_targets(self) -> list[int]:
        return [self.focused_row.id]

    def show_changes(self, changed: list[int], *, rated: bool) -> None:
        for panel in self.panels:
            fresh = self.capp.service.get(panel.row.id)
            if fresh is not None:
                panel.bind(fresh)
        self.capp.refresh_sheet()

    def action_close(self) -> None:
        self.app.pop_screen()
