"""The contact sheet: a virtual grid of thumbnails with captions, a cursor and group headers.

One widget draws the whole grid line by line (Textual's line API): only the rows on screen are
painted, each tile once for its state (tile_painting), so 10,000 renders cost what 100 do and a
tile size change or a stack opening costs a repaint, not a relayout of hundreds of widgets. The
cursor follows a render (by id), not a position, so renders landing or leaving around it do
not move it. Thumbnails come from the service's background pool and arrive as messages.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rich.control import Control
from rich.markup import escape
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.dom import NoScreen
from textual.filter import LineFilter
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from ...service import LABEL_BY_NAME, QUICK, Group, PictureImage, RenderRow, Thumb
from .tile_painting import (
    PicturePainter,
    TileLook,
    TilePaint,
    TileView,
    header_line,
    paint_tile,
    text_block,
)
from .truecolor import ansi_filtered, without_ansi_filter

TILE_WIDTH = 26  # cells, border and margin included: the medium tile
TILE_HEIGHT = 13
IMAGE_ROWS = 9

STAR, NO_STAR = "★", "·"
#: Painted tiles kept (a tiny tile's paint is a few kB, a huge one's some 50 kB).
PAINTED_TILES = 300


@dataclass(frozen=True)
class TileSize:
    """A tile's size in cells: width with its right margin, height with border and caption."""

    name: str
    width: int
    height: int

    @property
    def image_rows(self) -> int:
        return self.height - 4  # a border line above and below, two caption lines

    @property
    def text_width(self) -> int:
        return self.width - 3  # the border's two columns and the margin


#: Fixed sizes (width, height), smallest first; "half" is half the sheet's width.
FIXED_SIZES = {
    "tiny": (12, 7),
    "small": (18, 9),
    "medium": (TILE_WIDTH, TILE_HEIGHT),
    "large": (38, 19),
    "huge": (56, 28),
}
SIZE_NAMES = (*FIXED_SIZES, "half")


def tile_size(name: str, sheet_width: int) -> TileSize:
    """The tile of size `name` on a sheet `sheet_width` cells wide."""
    if name in FIXED_SIZES:
        width, height = FIXED_SIZES[name]
        return TileSize(name, width, height)
    width = max(FIXED_SIZES["huge"][0], (sheet_width - 1) // 2)
    return TileSize("half", width, max(FIXED_SIZES["huge"][1], width // 2 + 2))


def shorten_middle(text: str, width: int) -> str:
    """`text` in `width` characters, cut from the middle: "woman-w…matisse" keeps both ends,
    and the ends are what tell two styles of one painter apart."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    head = (width - 1 + 1) // 2
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def names_line(content: str, style: str, width: int) -> str:
    """`content × style` in `width` characters; the style keeps the larger share."""
    joiner = " × "
    room = max(2, width - len(joiner))
    if len(content) + len(style) <= room:
        return f"{content}{joiner}{style}"
    content_room = min(len(content), max(3, room // 3))
    style_room = max(1, room - content_room)
    if len(style) < style_room:
        content_room = room - len(style)
    return f"{shorten_middle(content, content_room)}{joiner}{shorten_middle(style, style_room)}"


def stars_text(stars: int) -> str:
    return STAR * stars + NO_STAR * (5 - stars)


def caption_markup(row: RenderRow, width: int = TILE_WIDTH - 3, stack: str = "") -> str:
    """Two caption lines: rating, flag, label, preview badge, collection dot, stack badge
    ("▣3": a closed stack of 3; "▣1/3": the first of an open one); then content x style,
    both names shortened from the middle to the tile's width."""
    narrow = width < 16
    flag = {
        "pick": " [b]✓[/]" if narrow else " [b]✓ pick[/]",
        "reject": " [b]✗[/]" if narrow else " [b]✗ reject[/]",
    }.get(row.flag, "")
    label = f" [{LABEL_BY_NAME[row.label].hex}]●[/]" if row.label in LABEL_BY_NAME else ""
    badge = (" [reverse]P[/]" if narrow else " [reverse] PREVIEW [/]") if row.is_preview else ""
    # In the quick collection: Lightroom's dot; in named ones only: a hollow one.
    kept = " [b]◉[/]" if row.in_collection(QUICK) else (" ○" if row.collections else "")
    pile = f" [reverse]▣{stack}[/]" if stack else ""
    names = escape(names_line(row.content_name, row.style_name, width))
    return f"{stars_text(row.stars)}{flag}{label}{badge}{kept}{pile}\n{names}"


class ThumbnailSource(Protocol):
    """What the grid needs of the thumbnail cache: what is ready, and asking for more."""

    def cached(self, path: Path) -> Thumb | None: ...

    def request(self, path: Path, done: Callable[[Path, Thumb], None]) -> None: ...


@dataclass(frozen=True)
class LayoutRow:
    """A header (title) or a row of tiles (items[start:start + count])."""

    header: str | None
    start: int = 0
    count: int = 0

    def height(self, tile_height: int) -> int:
        return 1 if self.header is not None else tile_height


class ContactSheet(Widget, can_focus=True):
    """The grid. The screen drives it: set_groups, move, and reads `current`."""

    DEFAULT_CSS = """
    ContactSheet { width: 1fr; height: 1fr; overflow: hidden hidden; padding: 0 0 0 1; }
    ContactSheet > .contact-sheet--border { color: $panel-lighten-2; }
    ContactSheet > .contact-sheet--cursor { color: $accent; }
    ContactSheet > .contact-sheet--marked { background: $primary 30%; }
    ContactSheet > .contact-sheet--caption { color: $text; }
    ContactSheet > .contact-sheet--rejected { color: $text-disabled; }
    ContactSheet > .contact-sheet--message { color: $text-muted; }
    ContactSheet > .contact-sheet--header { background: $panel; color: $text; text-style: bold; }
    """
    COMPONENT_CLASSES = {
        "contact-sheet--border",
        "contact-sheet--cursor",
        "contact-sheet--marked",
        "contact-sheet--caption",
        "contact-sheet--rejected",
        "contact-sheet--message",
        "contact-sheet--header",
    }

    class CursorMoved(Message):
        def __init__(self, row: RenderRow | None) -> None:
            super().__init__()
            self.row = row

    class ThumbArrived(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    class SixelsArrived(Message):
        """The sixel data of the pictures a frame went without is made."""

    def __init__(self, thumbs_of: ThumbnailSource, path_of: Callable[[RenderRow], Path]) -> None:
        """`thumbs_of` gives thumbnails (the service's cache); `path_of(row)` a render's file."""
        super().__init__()
        self.thumbs = thumbs_of
        self.path_of = path_of
        self.items: list[RenderRow] = []
        self.layout_rows: list[LayoutRow] = []
        self.index_of: dict[int, int] = {}
        self.cursor = 0
        self.top = 0
        #: Lines of the `top` row hidden above the sheet: at the end of the list the last row
        #: sits on the bottom edge and the top row is cut, rather than blank space below.
        self.skip = 0
        self.columns = 1
        self.marked: set[int] = set()
        self.size_name = "medium"
        self.tile = tile_size(self.size_name, 0)
        self.empty_text = "No renders yet."
        self._groups: Sequence[Group] = ()
        #: Stack badges by render id (see filtering.Group.stacks).
        self.badges: dict[int, str] = {}
        self._row_of_item: dict[int, int] = {}
        #: What each line of the sheet shows: (layout row, line within it), from `top` down.
        self._screen_lines: list[tuple[int, int]] = []
        #: The first content line of each layout row on screen (negative for a cut top row).
        self._row_y: dict[int, int] = {}
        #: Painted tiles by state, least recently used first: a screenful of tiny tiles and
        #: the pages either side of it, not every state a tile ever had.
        self._painted: OrderedDict[tuple[object, ...], TilePaint] = OrderedDict()
        self._painter: PicturePainter | None = None
        self._look: TileLook | None = None
        self._look_for: object = None
        self._frame_paints: dict[int, TilePaint] = {}
        #: Each screen line's tiles and the line joined from them, replaced when they change.
        self._joined: dict[tuple[int, int, int], tuple[tuple[TilePaint, ...], Strip]] = {}
        self._waiting: set[Region] = set()  # parts of the sheet drawn without their pictures
        self._blank: tuple[tuple[int, TileLook], Strip] | None = None

    # ----------------------------------------------------------------- layout

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: object) -> None:
        """The theme's styles are in place (Textual applies them a moment after the theme is
        set, and a frame drawn in between would have kept the old colours): look again."""
        self._look = None
        self.refresh()

    def on_resize(self) -> None:
        self._relayout()

    def _columns_for_width(self) -> int:
        return max(1, (self.size.width - 1) // self.tile.width)

    def set_tile_size(self, name: str) -> None:
        """Show tiles of size `name` (SIZE_NAMES); the cursor's render stays in view."""
        self.size_name = name
        self.tile = tile_size(name, self.size.width)
        if self.is_mounted:
            self._relayout(force=True)

    def step_tile_size(self, step: int) -> str:
        """One size bigger (+1) or smaller (-1); returns the new size's name."""
        index = SIZE_NAMES.index(self.size_name) + step
        self.set_tile_size(SIZE_NAMES[max(0, min(index, len(SIZE_NAMES) - 1))])
        return self.size_name

    def _relayout(self, force: bool = False) -> None:
        if self.size_name == "half":
            self.tile = tile_size("half", self.size.width)
        columns = self._columns_for_width()
        if force or columns != self.columns or not self.layout_rows:
            self.columns = columns
            self._build_layout()
        self._scroll_to_cursor()
        self.redraw()

    def _build_layout(self) -> None:
        rows: list[LayoutRow] = []
        for group in self._groups:
            start = self.index_of.get(group.rows[0].id, 0) if group.rows else 0
            if group.title:
                rows.append(LayoutRow(header=f"{group.title}  ({len(group.rows)})"))
            for offset in range(0, len(group.rows), self.columns):
                rows.append(
                    LayoutRow(None, start + offset, min(self.columns, len(group.rows) - offset))
                )
        self.layout_rows = rows
        self._row_of_item = {}
        for row_index, layout in enumerate(rows):
            for item in range(layout.start, layout.start + layout.count):
                self._row_of_item[item] = row_index

    # ----------------------------------------------------------------- data

    def set_groups(self, groups: Sequence[Group], keep: int | None = None) -> None:
        """Show new groups; the cursor stays on render `keep` (or the same position) if present."""
        if keep is None and self.items:
            keep = self.current.id if self.current else None
        old_cursor, old_top, old_skip = self.cursor, self.top, self.skip
        old_screen_row = self._row_of_item.get(old_cursor, 0) - old_top
        self._groups = groups
        self.badges = {key: value for group in groups for key, value in group.stacks.items()}
        self.items = [row for group in groups for row in group.rows]
        self.index_of = {row.id: index for index, row in enumerate(self.items)}
        if keep is not None and keep in self.index_of:
            self.cursor = self.index_of[keep]
        else:
            self.cursor = min(old_cursor, max(0, len(self.items) - 1))
        self.marked &= set(self.index_of)
        self._build_layout()
        # Keep the cursor's render on the same screen row when rows landed above it.
        cursor_row = self._row_of_item.get(self.cursor, 0)
        self.top = max(0, cursor_row - max(0, old_screen_row))
        self.skip = old_skip if self.top and self.top != cursor_row else 0
        self._fill_screen()
        self._show_group_title()
        if self.is_mounted:
            self._scroll_to_cursor()
            self.redraw()
        self.post_message(self.CursorMoved(self.current))

    @property
    def current(self) -> RenderRow | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def update_rows(self, rows: Sequence[RenderRow]) -> None:
        """Repaint changed renders (after a rating) without rebuilding the layout."""
        for row in rows:
            index = self.index_of.get(row.id)
            if index is not None:
                # Stars, a pick or a label change the caption alone; a reject dims the picture.
                caption_only = self.items[index].flag == row.flag
                self.items[index] = row
                self._refresh_item(index, caption_only=caption_only)

    def visible_tiles(self) -> list[TileView]:
        """The tiles on screen now, as drawn (their state, thumbnail and caption)."""
        views = []
        for row_index, y in self._row_y.items():
            layout = self.layout_rows[row_index]
            if layout.header is not None:
                continue
            top = max(0, y)  # a cut top row shows its lower part
            height = min(y + self.tile.height, len(self._screen_lines)) - top
            for column in range(layout.count):
                index = layout.start + column
                row = self.items[index]
                paint = self._paint(index)
                caption = caption_markup(row, self.tile.text_width, self.badges.get(row.id, ""))
                views.append(
                    TileView(
                        row=row, index=index,
                        region=Region(column * self.tile.width, top, self.tile.width - 1, height),
                        cursor=index == self.cursor, marked=row.id in self.marked,
                        stack=self.badges.get(row.id, ""), thumb=self._thumb(row),
                        caption=Text.from_markup(caption).plain, message=paint.message,
                    )
                )  # fmt: skip
        return views

    # ----------------------------------------------------------------- movement

    def move(self, dx: int = 0, dy: int = 0) -> None:
        if not self.items:
            return
        target = self.cursor + dx
        if dy:
            row_index = self._row_of_item.get(self.cursor, 0)
            column = self.cursor - self.layout_rows[row_index].start
            step = 1 if dy > 0 else -1
            for _ in range(abs(dy)):
                row_index += step
                while 0 <= row_index < len(self.layout_rows) and self.layout_rows[row_index].header:
                    row_index += step
                if not 0 <= row_index < len(self.layout_rows):
                    row_index -= step
                    while self.layout_rows[row_index].header:
                        row_index -= step
                    break
            layout = self.layout_rows[row_index]
            target = layout.start + min(column, layout.count - 1)
        self.go_to(target)

    def go_to(self, index: int) -> None:
        if not self.items:
            return
        index = max(0, min(index, len(self.items) - 1))
        if index == self.cursor:
            return
        previous, self.cursor = self.cursor, index
        if not self._scroll_to_cursor():
            # Same rows on screen: only the two tiles whose cursor state changed.
            self._refresh_item(previous)
            self._refresh_item(index)
        self.post_message(self.CursorMoved(self.current))

    def page(self, direction: int) -> None:
        rows = max(1, self.size.height // self.tile.height)
        self.move(dy=direction * rows)

    def _scroll_to_cursor(self) -> bool:
        """Adjust `top` (and `skip`) so the cursor's row is wholly visible; True if the page
        moved (and was redrawn)."""
        if not self.layout_rows:
            return False
        row = self._row_of_item.get(self.cursor, 0)
        old = (self.top, self.skip)
        if row < self.top or (row == self.top and self.skip):
            self.top, self.skip = row, 0
            if row > 0 and self.layout_rows[row - 1].header is not None:
                self.top = row - 1  # show the group header with its first row
        else:
            height = max(self.tile.height, self.size.height)
            while self._rows_height(self.top, row + 1) - self.skip > height:
                self.top, self.skip = self.top + 1, 0
        self._fill_screen()
        if (self.top, self.skip) != old:
            self.redraw()
            return True
        return False

    def _fill_screen(self) -> None:
        """Never leave blank space below the last row while rows are hidden above (renders
        landing above the cursor, a re-sort, End): the page starts earlier, by lines, until
        the last row sits on the bottom edge, and the top row is cut instead."""
        self.top = max(0, min(self.top, len(self.layout_rows) - 1))
        height = max(self.tile.height, self.size.height) if self.is_mounted else 0
        if not height or not self.layout_rows:
            self.skip = 0
            return
        self.skip = max(0, min(self.skip, self.layout_rows[self.top].height(self.tile.height) - 1))
        missing = height - (self._lines_from_top(height + self.skip) - self.skip)
        while missing > 0 and (self.top > 0 or self.skip):
            if not self.skip:
                self.top -= 1
                self.skip = self.layout_rows[self.top].height(self.tile.height)
            taken = min(self.skip, missing)
            self.skip -= taken
            missing -= taken

    def _lines_from_top(self, enough: int) -> int:
        """The lines of the rows from `top` to the end, counted up to `enough` (10,000 renders
        are 1,250 rows: the sum stops once it is past the page)."""
        lines = 0
        for index in range(self.top, len(self.layout_rows)):  # not a copy of the rows below
            lines += self.layout_rows[index].height(self.tile.height)
            if lines >= enough:
                break
        return lines

    def _show_group_title(self) -> None:
        """Show the title of the cursor's group above it whenever the rows from the title
        down to the cursor fit on the page (after a regrouping the cursor's row would
        otherwise often open the page, its group unnamed)."""
        if not self.layout_rows:
            return
        cursor_row = self._row_of_item.get(self.cursor, 0)
        title = cursor_row
        while title >= 0 and self.layout_rows[title].header is None:
            title -= 1
        if title < 0 or title >= self.top:
            return
        height = max(self.tile.height, self.size.height)
        if self._rows_height(title, cursor_row + 1) <= height:
            self.top, self.skip = title, 0

    def _rows_height(self, first: int, stop: int) -> int:
        return sum(self.layout_rows[i].height(self.tile.height) for i in range(first, stop))

    def toggle_mark(self) -> None:
        if self.current is None:
            return
        self.marked ^= {self.current.id}
        self._refresh_item(self.cursor)

    def marked_rows(self) -> list[RenderRow]:
        return [row for row in self.items if row.id in self.marked]

    # ----------------------------------------------------------------- drawing

    def redraw(self) -> None:
        """Work out which rows are on screen, ask for their thumbnails, repaint the sheet."""
        if not self.is_mounted:
            return
        height = max(self.tile.height, self.size.height)
        lines: list[tuple[int, int]] = []
        self._row_y = {}
        row_index = self.top
        wanted: list[Path] = []
        while row_index < len(self.layout_rows) and len(lines) < height:
            layout = self.layout_rows[row_index]
            hidden = self.skip if row_index == self.top else 0
            self._row_y[row_index] = len(lines) - hidden
            lines.extend((row_index, dy) for dy in range(hidden, layout.height(self.tile.height)))
            for index in range(layout.start, layout.start + layout.count):
                path = self.path_of(self.items[index])
                if self.thumbs.cached(path) is None:
                    wanted.append(path)
            row_index += 1
        self._screen_lines = lines[:height]
        for path in wanted:
            self.thumbs.request(path, self._arrived)
        # The next page after this one is on screen: its decoding must not delay this paint.
        self.call_after_refresh(self._prefetch, row_index)
        self.refresh()

    def _prefetch(self, next_row: int) -> None:
        """Warm the thumbnails of the next screenful, so paging finds them ready."""
        screenful = max(1, self.size.height // self.tile.height + 1)
        for row_index in range(next_row, min(len(self.layout_rows), next_row + screenful)):
            layout = self.layout_rows[row_index]
            self.warm(self.items[layout.start : layout.start + layout.count])

    def page_capacity(self) -> int:
        """How many tiles a page shows (with a partly visible row)."""
        return self.columns * (max(1, self.size.height) // self.tile.height + 1)

    def warm(self, rows: Sequence[RenderRow]) -> None:
        """Decode these renders' thumbnails in the background, ahead of showing them."""
        for row in rows:
            path = self.path_of(row)
            if self.thumbs.cached(path) is None:
                self.thumbs.request(path, lambda p, t: None)

    def _arrived(self, path: Path, thumb: Thumb) -> None:
        """From a pool thread: hand over to the app's thread."""
        self.post_message(self.ThumbArrived(path))

    def _sixels_arrived(self) -> None:
        """From an encoder thread: hand over to the app's thread."""
        self.post_message(self.SixelsArrived())

    def on_contact_sheet_sixels_arrived(self, message: SixelsArrived) -> None:
        """Draw again the lines whose pictures were on their way (whole lines, as sixel needs;
        one message for a frame's pictures, so that each line is sent once)."""
        message.stop()
        if self._painter is not None:
            self._painter.collect_sixels()
        waiting, self._waiting = self._waiting, set()
        width = self.outer_size.width
        for part in waiting:
            self.refresh(Region(0, part.y, width, part.height))

    def on_contact_sheet_thumb_arrived(self, message: ThumbArrived) -> None:
        message.stop()
        for row_index in self._row_y:
            layout = self.layout_rows[row_index]
            for index in range(layout.start, layout.start + layout.count):
                if self.path_of(self.items[index]) == message.path:
                    self._refresh_item(index)

    def _refresh_item(self, index: int, caption_only: bool = False) -> None:
        """Repaint the tile of render `index` if it is on screen (its caption lines alone
        when nothing else of it changed: fewer lines for Textual to filter and write)."""
        row_index = self._row_of_item.get(index)
        y = self._row_y.get(row_index) if row_index is not None else None
        if y is None or row_index is None:
            return
        layout = self.layout_rows[row_index]
        gutter = self.styles.gutter
        first, height = 0, self.tile.height
        if caption_only:
            first, height = self.tile.height - 3, 2  # above the bottom border
        if y + first < 0:  # the top row, cut: only its lines on screen
            first, height = -y, height + y + first
            if height <= 0:
                return
        if self._painter is not None and self._painter.kind == "sixel":
            # Textual writes a partly changed line from the widget's left edge to the change
            # and would cut the sixel sequences at the line's end: repaint whole lines (their
            # pictures are sent again with them).
            self.refresh(Region(0, gutter.top + y + first, self.outer_size.width, height))
            return
        x = (index - layout.start) * self.tile.width
        self.refresh(Region(gutter.left + x, gutter.top + y + first, self.tile.width, height))

    # ----------------------------------------------------------------- painting

    def _thumb(self, row: RenderRow) -> Thumb | None:
        return self.thumbs.cached(self.path_of(row))

    def _tile_look(self) -> TileLook:
        """The theme's colours for tiles, looked up again when the theme changes."""
        theme = self.app.theme  # the colours below change with the theme alone
        if self._look is None or self._look_for != theme:

            def colour(name: str) -> Style:
                style = self.get_visual_style(name).rich_style
                return Style(color=style.color, bold=style.bold)

            marked = self.get_visual_style("contact-sheet--marked").rich_style
            self._look = TileLook(
                base=self.get_visual_style().rich_style,
                border=colour("contact-sheet--border"),
                cursor=colour("contact-sheet--cursor"),
                marked=Style(bgcolor=marked.bgcolor),
                caption=colour("contact-sheet--caption"),
                rejected=colour("contact-sheet--rejected"),
                message=colour("contact-sheet--message"),
                header=self.get_visual_style("contact-sheet--header").rich_style,
            )
            self._look_for = theme
            self._painted.clear()
        return self._look

    def _paint(self, index: int) -> TilePaint:
        """Render `index`'s tile, painted once for its state and reused until that changes
        (and looked up once a frame: a frame asks for each tile on every one of its lines)."""
        found = self._frame_paints.get(index)
        if found is None:
            found = self._frame_paints[index] = self._paint_now(index)
        return found

    def _paint_now(self, index: int) -> TilePaint:
        row = self.items[index]
        thumb = self._thumb(row)
        cursor, marked = index == self.cursor, row.id in self.marked
        caption = caption_markup(row, self.tile.text_width, self.badges.get(row.id, ""))
        look = self._tile_look()
        key = (row.file, row.mtime_ns, row.flag, caption, id(thumb), cursor, marked, self.tile)
        found = self._painted.get(key)
        if found is not None:
            self._painted.move_to_end(key)
            return found
        if self._painter is None:
            self._painter = PicturePainter(self.app.console)
        found = paint_tile(
            row=row, thumb=thumb, cursor=cursor, marked=marked, caption=caption,
            width=self.tile.width - 1, height=self.tile.height,
            image_rows=self.tile.image_rows, look=look, painter=self._painter,
            truecolor=self._truecolor,
        )  # fmt: skip
        self._painted[key] = found
        while len(self._painted) > PAINTED_TILES:
            self._painted.popitem(last=False)
        return found

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        look = self._tile_look()
        blank = self._blank_line(width, look)
        if not self.items:
            words = text_block(self.app.console, self.empty_text, width, look.base + look.message)
            return self._truecolor(words)[y] if y < len(words) else blank
        if y >= len(self._screen_lines):
            return blank
        row_index, dy = self._screen_lines[y]
        layout = self.layout_rows[row_index]
        if layout.header is not None:
            return self._truecolor([header_line(self.app.console, layout.header, width, look)])[0]
        paints = tuple(self._paint(layout.start + column) for column in range(layout.count))
        # The same line for the same tiles is the same Strip: Textual's filters cache by strip.
        key = (row_index, dy, width)
        joined = self._joined.get(key)
        if joined is not None and joined[0] == paints:
            return joined[1]
        margin = blank.crop(0, 1)
        parts: list[Strip] = []
        for paint in paints:
            parts.extend((paint.lines[dy], margin))
        line = Strip.join(parts)
        if line.cell_length < width:
            line = Strip.join([line, blank.crop(0, width - line.cell_length)])
        line = line.crop(0, width)
        if len(self._joined) > 4 * max(1, self.size.height):
            self._joined.clear()  # lines of pages left behind
        self._joined[key] = (paints, line)
        return line

    def _blank_line(self, width: int, look: TileLook) -> Strip:
        """An empty line of the sheet's colour, `width` wide (margins and padding are cut
        from it), made once for the width and theme."""
        if self._blank is None or self._blank[0] != (width, look):
            self._blank = ((width, look), self._truecolor([Strip.blank(width, look.base)])[0])
        return self._blank[1]

    def get_line_filters(self) -> Sequence[LineFilter]:
        """The ANSI-to-truecolor filter is applied to each tile, title and message as it is
        painted (`_truecolor`), not to every line joined from them, frame after frame."""
        return without_ansi_filter(super().get_line_filters())

    def _truecolor(self, strips: list[Strip]) -> list[Strip]:
        return ansi_filtered(strips, self.app.get_line_filters(), self.background_colors[1])

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_paints = {}
        try:
            return self._render_lines(crop)
        finally:
            self._frame_paints = {}

    def _render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if self._painter is not None and self._painter.kind == "sixel" and self.items:
            try:
                active = self.screen.is_active
            except NoScreen:
                active = False
            if active:
                self._add_sixels(crop, lines)
        return lines

    def _add_sixels(self, crop: Region, lines: list[Strip]) -> None:
        """Draw each tile's picture (or the part of it in `crop`) over its blank cells: the
        sixel data goes at the end of the picture's last line in the crop, with cursor moves
        there and back, as textual-image's sixel widget does for one picture. Every line
        carries its pictures; Textual writes only the lines that changed, so only their
        pictures are sent again."""
        assert self._painter is not None
        gutter = self.styles.gutter
        screen_x, screen_y = self.region.x, self.region.y
        placed: list[Region] = []  # each picture's part in the crop
        wanted: list[tuple[PictureImage, object, Region]] = []
        for row_index, y in self._row_y.items():
            layout = self.layout_rows[row_index]
            if layout.header is not None:
                continue
            for column in range(layout.count):
                overlay = self._paint(layout.start + column).overlay
                if overlay is None:
                    continue
                box = Region(
                    gutter.left + column * self.tile.width + overlay.x,
                    gutter.top + y + overlay.y, overlay.width, overlay.height,
                )  # fmt: skip
                part = box.intersection(crop)
                if not part.area:
                    continue
                placed.append(part)
                wanted.append((overlay.image, overlay.key, part.translate((-box.x, -box.y))))
        made = self._painter.sixels(wanted, self._sixels_arrived)
        for part, data in zip(placed, made, strict=True):
            if data is None:  # on its way: its lines are drawn again when it comes
                self._waiting.add(part)
                continue
            line = part.bottom - 1 - crop.y
            strip = lines[line]
            lines[line] = Strip(
                [
                    *strip,
                    Segment(Control.move_to(screen_x + part.x, screen_y + part.y).segment.text),
                    Segment(data),
                    Segment(
                        Control.move_to(
                            screen_x + crop.right, screen_y + part.bottom - 1
                        ).segment.text
                    ),
                ],
                strip.cell_length,
            )
