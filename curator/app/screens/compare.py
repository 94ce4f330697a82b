"""Compare: two to four renders side by side; move the focus and rate each."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from stylecore.errors import StyleCoreError

from ...service import PictureImage, RenderRow
from ..widgets.contact_sheet import caption_markup
from ..widgets.picture import Picture
from .rating import RATE_BINDINGS, RatingScreen, in_order


class Panel(Vertical):
    DEFAULT_CSS = """
    Panel { width: 1fr; height: 1fr; border: round $panel-lighten-2; }
    Panel.-focus { border: heavy $accent; }
    Panel > Picture { height: 1fr; }
    Panel > .caption { height: 3; padding: 0 1; }
    """

    def __init__(self, row: RenderRow) -> None:
        super().__init__()
        self.row = row
        self.picture = Picture()
        self.caption = Static("", classes="caption")

    def compose(self) -> ComposeResult:
        yield self.picture
        yield self.caption

    def bind(self, row: RenderRow) -> None:
        self.row = row
        self.caption.update(f"{caption_markup(row)}\n[dim]{row.file}[/]")


class CompareScreen(RatingScreen):
    BINDINGS = in_order(
        [
            *RATE_BINDINGS,
            Binding("left,h", "focus_panel(-1)", "←"),
            Binding("right,l", "focus_panel(1)", "→"),
            Binding("escape,c", "close", "back"),
        ]
    )
    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    #panels { height: 1fr; }
    #compare-title { height: 1; background: $panel; padding: 0 1; }
    """
    COMMANDS_FOR_PALETTE = [
        ("focus_panel(1)", "Next panel", "Move the focus right"),
        ("focus_panel(-1)", "Previous panel", "Move the focus left"),
        ("rate(5)", "Rate 5 stars", "Rate the focused render"),
        ("flag('pick')", "Pick", "Pick the focused render"),
        ("flag('reject')", "Reject", "Reject the focused render"),
        ("close", "Back to the contact sheet", "Leave compare"),
    ]

    def __init__(self, rows: list[RenderRow]) -> None:
        super().__init__()
        self.panels = [Panel(row) for row in rows[:4]]
        self.focus_index = 0

    def compose(self) -> ComposeResult:
        yield Static(
            "compare: ← → choose, 0-5 x p u rate the focused one, esc back", id="compare-title"
        )
        with Horizontal(id="panels"):
            yield from self.panels
        yield Footer()

    def on_mount(self) -> None:
        for panel in self.panels:
            panel.bind(panel.row)
        self._mark_focus()
        self.load_pictures()

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
            self.app.call_from_thread(panel.picture.show, image, message)

    def _mark_focus(self) -> None:
        for index, panel in enumerate(self.panels):
            panel.set_class(index == self.focus_index, "-focus")

    def action_focus_panel(self, delta: int) -> None:
        self.focus_index = (self.focus_index + delta) % len(self.panels)
        self._mark_focus()

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
