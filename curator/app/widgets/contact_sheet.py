"""The contact sheet: a virtual grid of thumbnails with captions, a cursor and group headers.

Only what is on screen exists as widgets: a pool of row slots (each a group header or a row
of tiles) is re-bound to whatever rows are visible, so 10,000 renders cost what 100 do. The
cursor follows a render (by id), not a position, so renders landing or leaving around it do
not move it. Thumbnails come from the service's background pool and arrive as messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ...service import LABEL_BY_NAME, QUICK, Group, RenderRow, Thumb, ThumbError
from .picture import new_image_widget, show_fitted

TILE_WIDTH = 26  # cells, border and margin included: the medium tile
TILE_HEIGHT = 13
IMAGE_ROWS = 9

STAR, NO_STAR = "★", "·"


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


class ImageBox(Vertical):
    """A fixed-size box showing a thumbnail, a pending mark, or an error in words.

    `show` may be called before the box is mounted (a tile bound while the grid is being
    built); what it was asked to show is applied once it is.
    """

    DEFAULT_CSS = """
    ImageBox { height: 9; width: 1fr; align: center middle; }
    ImageBox > .thumb { width: auto; height: auto; }
    ImageBox > .message { width: 1fr; height: auto; content-align: center middle;
                          text-align: center; color: $text-muted; }
    """

    def __init__(self, rows: int = IMAGE_ROWS, columns: int = TILE_WIDTH - 3) -> None:
        super().__init__()
        self.styles.height = rows
        #: The box in cells, known before layout: a resized tile draws its thumbnail in the
        #: same frame as its new border, not one frame later on a resize event.
        self.cells = (columns, rows)
        self._widget: Widget | None = new_image_widget("thumb")
        self._message = Static("…", classes="message")
        self._shown: Thumb | None = None
        self._key: object = None
        self._pending_text = "…"

    def compose(self) -> ComposeResult:
        if self._widget is not None:
            yield self._widget
        yield self._message

    def on_mount(self) -> None:
        self._apply()

    def set_cells(self, columns: int, rows: int) -> None:
        self.cells = (columns, rows)
        self.styles.height = rows
        if self.is_mounted:
            self._apply()

    def show(self, thumb: Thumb | None, key: object = None, pending_text: str = "…") -> None:
        if thumb is self._shown and thumb is not None and key == self._key:
            return
        self._shown, self._key, self._pending_text = thumb, key, pending_text
        if self.is_mounted:
            self._apply()

    def _apply(self) -> None:
        thumb = self._shown
        if isinstance(thumb, ThumbError):
            self._say(f"[b]cannot show[/]\n{thumb.message}")
        elif thumb is None:
            self._say(self._pending_text)
        elif self._widget is None:  # graphics "none": captions only
            self._say("[dim]no graphics[/]")
        else:
            colour = self.background_colors[1]
            cells = self.cells
            show_fitted(self._widget, thumb, self._key, cells, (colour.r, colour.g, colour.b))
            self._widget.display = True
            self._message.display = False

    def _say(self, text: str) -> None:
        if self._widget is not None:
            self._widget.display = False
        self._message.display = True
        self._message.update(text)


class Tile(Vertical):
    """One render: thumbnail and caption. Cursor and marks are CSS classes."""

    DEFAULT_CSS = f"""
    Tile {{ width: {TILE_WIDTH - 1}; height: {TILE_HEIGHT}; border: round $panel-lighten-2;
            margin-right: 1; padding: 0 0; }}
    Tile.-empty {{ visibility: hidden; }}
    Tile.-cursor {{ border: heavy $accent; }}
    Tile.-marked {{ background: $boost; }}
    Tile.-cursor.-marked {{ border: double $accent; }}
    Tile.-rejected {{ tint: $background 55%; }}
    Tile.-rejected > .caption {{ color: $text-disabled; }}
    Tile > .caption {{ height: 2; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }}
    """

    def __init__(self, size: TileSize | None = None) -> None:
        super().__init__(classes="-empty")
        self.size_of = size or tile_size("medium", 0)
        self.styles.width = self.size_of.width - 1
        self.styles.height = self.size_of.height
        self.row: RenderRow | None = None
        self.index = -1
        self.box = ImageBox(self.size_of.image_rows, self.size_of.text_width)
        self.caption = Static("", classes="caption")
        self._markup = ""

    def compose(self) -> ComposeResult:
        yield self.box
        yield self.caption

    def resize(self, size: TileSize) -> None:
        """Take another tile size in place (cheaper than a new tile: no widgets mounted)."""
        if size == self.size_of:
            return
        self.size_of = size
        self.styles.width = size.width - 1
        self.styles.height = size.height
        self.box.set_cells(size.text_width, size.image_rows)
        self._markup = ""  # the caption is fitted to the new width at the next bind

    def bind(
        self,
        row: RenderRow | None,
        thumb: Thumb | None,
        cursor: bool,
        marked: bool,
        index: int = -1,
        stack: str = "",
    ) -> None:
        """Show `row` (with its stack badge); only what changed is touched (a keystroke
        redraws little)."""
        self.row, self.index = row, index
        self.set_class(row is None, "-empty")
        self.set_states(cursor, marked)
        if row is None:
            return
        self.set_class(row.flag == "reject", "-rejected")  # a reject recedes; rating stays
        markup = caption_markup(row, self.size_of.text_width, stack)
        if markup != self._markup:
            self._markup = markup
            self.caption.update(markup, layout=False)  # fixed height: no relayout needed
        self.box.show(thumb, key=(row.file, row.mtime_ns))

    def set_states(self, cursor: bool, marked: bool) -> None:
        self.set_class(cursor and self.row is not None, "-cursor")
        self.set_class(marked and self.row is not None, "-marked")


class RowSlot(Vertical):
    """A pooled row: a group header, or a row of tiles."""

    DEFAULT_CSS = f"""
    RowSlot {{ height: auto; width: 1fr; }}
    RowSlot.-header {{ height: 1; }}
    RowSlot.-hidden {{ display: none; }}
    RowSlot > .header {{ height: 1; width: 1fr; background: $panel; color: $text;
                        text-style: bold; padding: 0 1; display: none; }}
    RowSlot.-header > .header {{ display: block; }}
    RowSlot.-header > Horizontal {{ display: none; }}
    RowSlot > Horizontal {{ height: {TILE_HEIGHT}; }}
    """

    def __init__(self, columns: int, size: TileSize | None = None) -> None:
        super().__init__(classes="-hidden")
        self.size_of = size or tile_size("medium", 0)
        self.header = Static("", classes="header")
        self.tiles = [Tile(self.size_of) for _ in range(columns)]
        self.row_box: Horizontal | None = None

    def compose(self) -> ComposeResult:
        yield self.header
        with Horizontal() as row:
            row.styles.height = self.size_of.height
            self.row_box = row
            yield from self.tiles

    def _mount_missing(self) -> None:
        """Mount the tiles added after compose (once the row itself is mounted)."""
        if self.row_box is None:
            return  # compose has not run yet: it yields every tile
        if not self.row_box.is_mounted:
            self.call_after_refresh(self._mount_missing)
            return
        missing = [tile for tile in self.tiles if tile.parent is None]
        if missing:
            self.row_box.mount(*missing)

    def resize(self, columns: int, size: TileSize) -> None:
        """Another tile size or column count, in place: existing tiles are resized, only the
        tiles a wider row needs are mounted, surplus ones hidden."""
        self.size_of = size
        for tile in self.tiles:
            tile.resize(size)
        if columns > len(self.tiles):
            self.tiles.extend(Tile(size) for _ in range(columns - len(self.tiles)))
            self._mount_missing()
        for index, tile in enumerate(self.tiles):
            tile.display = index < columns
        if self.row_box is not None:
            self.row_box.styles.height = size.height


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
    ContactSheet > Vertical { height: auto; }
    """

    class CursorMoved(Message):
        def __init__(self, row: RenderRow | None) -> None:
            super().__init__()
            self.row = row

    class ThumbArrived(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

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
        self.columns = 1
        self.marked: set[int] = set()
        self.slots: list[RowSlot] = []
        self._slot_columns = 0
        self.size_name = "medium"
        self.tile = tile_size(self.size_name, 0)
        self._slot_tile = self.tile
        self.empty_text = "No renders yet."
        self._empty = Static("", id="empty-sheet")
        self._groups: Sequence[Group] = ()
        #: Stack badges by render id (see filtering.Group.stacks).
        self.badges: dict[int, str] = {}
        self._grouped = False
        self._row_of_item: dict[int, int] = {}

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield self._empty
        yield Vertical(id="slots")

    def on_resize(self) -> None:
        self._relayout()

    def _columns_for_width(self) -> int:
        return max(1, (self.size.width - 1) // self.tile.width)

    def _visible_row_capacity(self) -> int:
        return max(1, self.size.height)  # headers are 1 row: worst case one slot per line

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
        self._ensure_slots()
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

    def _ensure_slots(self) -> None:
        needed = min(len(self.layout_rows), self._slots_needed())
        container = self.query_one("#slots", Vertical)
        if self._slot_columns != self.columns or self._slot_tile != self.tile:
            for slot in self.slots:
                slot.resize(self.columns, self.tile)
            self._slot_columns = self.columns
            self._slot_tile = self.tile
        while len(self.slots) < needed:
            slot = RowSlot(self.columns, self.tile)
            self.slots.append(slot)
            container.mount(slot)

    def _slots_needed(self) -> int:
        height = max(1, self.size.height)
        # The most rows that can be on screen: the tile rows that fit, a partly visible one,
        # and when grouped, the headers between them.
        rows = height // self.tile.height + 1
        return rows * 2 if any(r.header for r in self.layout_rows[:1]) or self._grouped else rows

    # ----------------------------------------------------------------- data

    def set_groups(self, groups: Sequence[Group], keep: int | None = None) -> None:
        """Show new groups; the cursor stays on render `keep` (or the same position) if present."""
        if keep is None and self.items:
            keep = self.current.id if self.current else None
        old_cursor, old_top = self.cursor, self.top
        old_screen_row = self._row_of_item.get(old_cursor, 0) - old_top
        self._groups = groups
        self._grouped = any(group.title for group in groups)
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
        self._fill_screen()
        if self.is_mounted:
            self._ensure_slots()
            self._scroll_to_cursor()
            self.redraw()
        self.post_message(self.CursorMoved(self.current))

    @property
    def current(self) -> RenderRow | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def update_rows(self, rows: Sequence[RenderRow]) -> None:
        """Re-bind changed renders (after a rating) without rebuilding the layout."""
        changed = {}
        for row in rows:
            index = self.index_of.get(row.id)
            if index is not None:
                self.items[index] = row
                changed[index] = row
        for tile in self._visible_tiles():
            fresh = changed.get(tile.index)
            if fresh is not None:
                thumb = self.thumbs.cached(self.path_of(fresh))
                tile.bind(
                    fresh, thumb, tile.index == self.cursor, fresh.id in self.marked, tile.index,
                    self.badges.get(fresh.id, ""),
                )  # fmt: skip

    def _visible_tiles(self) -> list[Tile]:
        return [
            tile
            for slot in self.slots
            if not slot.has_class("-hidden") and not slot.has_class("-header")
            for tile in slot.tiles
            if tile.row is not None
        ]

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
            for tile in self._visible_tiles():
                if tile.index in (previous, index) and tile.row is not None:
                    tile.set_states(tile.index == index, tile.row.id in self.marked)
        self.post_message(self.CursorMoved(self.current))

    def page(self, direction: int) -> None:
        rows = max(1, self.size.height // self.tile.height)
        self.move(dy=direction * rows)

    def _scroll_to_cursor(self) -> bool:
        """Adjust `top` so the cursor's row is visible; True if it changed (and redrew)."""
        if not self.layout_rows:
            return False
        row = self._row_of_item.get(self.cursor, 0)
        old = self.top
        if row < self.top:
            self.top = row
            if row > 0 and self.layout_rows[row - 1].header is not None:
                self.top = row - 1  # show the group header with its first row
        else:
            while self._rows_height(self.top, row + 1) > max(self.tile.height, self.size.height):
                self.top += 1
        self.top = max(0, min(self.top, len(self.layout_rows) - 1))
        if self.top != old:
            self.redraw()
            return True
        return False

    def _fill_screen(self) -> None:
        """Never leave blank space below the last row while rows are hidden above: renders
        landing above the cursor must not push the page up past its end."""
        height = max(self.tile.height, self.size.height) if self.is_mounted else 0
        if not height:
            return
        while self.top > 0 and (self._rows_height(self.top - 1, len(self.layout_rows)) <= height):
            self.top -= 1

    def _rows_height(self, first: int, stop: int) -> int:
        return sum(self.layout_rows[i].height(self.tile.height) for i in range(first, stop))

    def toggle_mark(self) -> None:
        if self.current is None:
            return
        self.marked ^= {self.current.id}
        for tile in self._visible_tiles():
            if tile.index == self.cursor and tile.row is not None:
                tile.set_states(True, tile.row.id in self.marked)

    def marked_rows(self) -> list[RenderRow]:
        return [row for row in self.items if row.id in self.marked]

    # ----------------------------------------------------------------- drawing

    def redraw(self) -> None:
        if not self.is_mounted:
            return
        self._empty.display = not self.items
        if not self.items:
            self._empty.update(self.empty_text)
        height_left = max(self.tile.height, self.size.height)
        row_index = self.top
        wanted: list[Path] = []
        for slot in self.slots:
            if row_index >= len(self.layout_rows) or height_left <= 0:
                slot.set_class(True, "-hidden")
                continue
            layout = self.layout_rows[row_index]
            slot.set_class(False, "-hidden")
            slot.set_class(layout.header is not None, "-header")
            height_left -= layout.height(self.tile.height)
            row_index += 1
            if layout.header is not None:
                slot.header.update(layout.header, layout=False)
                continue
            for column, tile in enumerate(slot.tiles):
                index = layout.start + column
                if column >= layout.count:
                    tile.bind(None, None, False, False)
                    continue
                row = self.items[index]
                path = self.path_of(row)
                thumb = self.thumbs.cached(path)
                if thumb is None:
                    wanted.append(path)
                tile.bind(
                    row, thumb, index == self.cursor, row.id in self.marked, index,
                    self.badges.get(row.id, ""),
                )  # fmt: skip
        for path in wanted:
            self.thumbs.request(path, self._arrived)
        self._prefetch(row_index)

    def _prefetch(self, next_row: int) -> None:
        """Warm the thumbnails of the next screenful, so paging finds them ready."""
        rows = range(next_row, min(len(self.layout_rows), next_row + len(self.slots)))
        for row_index in rows:
            layout = self.layout_rows[row_index]
            for index in range(layout.start, layout.start + layout.count):
                path = self.path_of(self.items[index])
                if self.thumbs.cached(path) is None:
                    self.thumbs.request(path, lambda p, t: None)

    def _arrived(self, path: Path, thumb: Thumb) -> None:
        """From a pool thread: hand over to the app's thread."""
        self.post_message(self.ThumbArrived(path))

    def on_contact_sheet_thumb_arrived(self, message: ThumbArrived) -> None:
        message.stop()
        for slot in self.slots:
            for tile in slot.tiles:
                row = tile.row
                if row is not None and self.path_of(row) == message.path:
                    thumb = self.thumbs.cached(message.path)
                    tile.box.show(thumb, key=(row.file, row.mtime_ns))
