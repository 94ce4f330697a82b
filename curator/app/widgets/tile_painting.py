"""One contact-sheet tile painted as strips of cells: border, picture, caption.

The sheet draws itself line by line (Textual's line API) instead of mounting a widget per tile:
with a widget per tile, a tile-size change or a stack opening cost Textual a relayout and
compositor pass over hundreds of widgets (about a second at 160x50). A tile here is a list of
`Strip`s made once for its state (render, rating, cursor, mark, size, thumbnail) and reused
until that state changes.

How a picture becomes cells depends on the terminal's graphics (`picture.mode`): half-cell
blocks are text; kitty's graphics protocol draws through placeholder characters, also text;
sixel is drawn over blank cells by an escape sequence the sheet adds to the last line of the
picture (`SixelOverlay`), as textual-image's own sixel widget does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip

from ...service import (
    PictureImage,
    RenderRow,
    Thumb,
    ThumbError,
    dimmed,
    letterbox,
    sixel_data_later,
)
from . import picture as graphics
from .halfcell import halfcell_strips
from .sixel_picture import crop_cells

#: Box characters: corners, edges (top-left, top, top-right, side, bottom-left, bottom-right).
BORDERS = {
    "round": "╭─╮│╰╯",
    "heavy": "┏━┓┃┗┛",
    "double": "╔═╗║╚╝",
}
#: How far a reject recedes into the background (the old tiles' `tint: $background 55%`).
REJECT_DIM = 0.55


@dataclass(frozen=True)
class TileLook:
    """The theme's styles for tiles, resolved once per theme from the sheet's CSS."""

    base: Style  # the sheet's own colours
    border: Style
    cursor: Style
    marked: Style  # the marked tile's background
    caption: Style
    rejected: Style
    message: Style
    header: Style

    def background(self, marked: bool) -> tuple[int, int, int]:
        """The tile's background as RGB (pictures are letterboxed onto it)."""
        style = self.base + self.marked if marked else self.base
        colour = style.bgcolor
        if colour is None:
            return (0, 0, 0)
        triplet = colour.get_truecolor()
        return (triplet.red, triplet.green, triplet.blue)


@dataclass(frozen=True)
class TileView:
    """A tile on screen, as the sheet shows it (what tests and the screen read)."""

    row: RenderRow
    index: int
    #: The tile in the sheet's content area, border included, margin excluded.
    region: Region
    cursor: bool
    marked: bool
    stack: str
    thumb: Thumb | None
    caption: str  # its two caption lines, plain text
    message: str  # the words shown in place of the picture ("" when the picture shows)

    @property
    def rejected(self) -> bool:
        return self.row.flag == "reject"


@dataclass(frozen=True)
class SixelOverlay:
    """A picture drawn by sixel over the blank cells of a tile (cells relative to the tile)."""

    x: int
    y: int
    width: int
    height: int
    image: PictureImage
    key: object


class PicturePainter:
    """Turns a tile's picture into cells for the chosen graphics; caches what it made."""

    CACHE = 300  # pictures: a screenful of tiny tiles (91 at 160x50) and the pages around it

    def __init__(self, console: Console) -> None:
        self.console = console
        self.kind = graphics.painter_kind()
        self._made: OrderedDict[object, Any] = OrderedDict()
        self._coming: dict[object, Future[str]] = {}  # sixel data on the encoder's threads

    def lines(
        self, image: PictureImage, key: object, cells: tuple[int, int], background: Style
    ) -> list[Strip]:
        """The picture as `cells[1]` strips `cells[0]` wide (blank ones for sixel)."""
        if self.kind == "sixel":
            return [Strip.blank(cells[0], background)] * cells[1]
        cache_key = (key, cells)
        found = self._made.get(cache_key)
        if found is None:
            if self.kind == "halfcell":
                found = halfcell_strips(image, cells)
            else:  # a textual-image renderable (kitty's placeholders) drawn through Rich
                found = self._through_rich(image, cells)
            self._remember(cache_key, found)
        else:
            self._made.move_to_end(cache_key)
        lines: list[Strip] = found
        return lines

    def _through_rich(self, image: PictureImage, cells: tuple[int, int]) -> list[Strip]:
        renderable = graphics.renderable_class()(image, cells[0], cells[1])
        options = self.console.options.update_dimensions(cells[0], cells[1])
        rendered = self.console.render_lines(renderable, options, pad=True)
        return [Strip(line, cells[0]) for line in rendered[: cells[1]]]

    def sixels(
        self, wanted: list[tuple[PictureImage, object, Region]], arrived: Callable[[], None]
    ) -> list[str | None]:
        """Sixel data for each (picture made for its box, its key, the part of it in cells),
        or None for those not made yet: those are started on the encoder's threads, side by
        side (a page of new tiles), and `arrived` is called, from an encoder thread, once all
        of them are made. The sheet is drawn without waiting for its pictures, as Lightroom's
        grid is: keys act at once, the pictures follow."""
        self.collect_sixels()
        found: list[str | None] = []
        for _, key, crop in wanted:
            cache_key = ("sixel", key, crop)
            data = self._made.get(cache_key)
            if data is not None:
                self._made.move_to_end(cache_key)
            found.append(data)
        start = [
            index
            for index, (_, key, crop) in enumerate(wanted)
            if found[index] is None and ("sixel", key, crop) not in self._coming
        ]
        if start:
            parts = [crop_cells(wanted[index][0], wanted[index][2]) for index in start]
            later = sixel_data_later(parts)
            for index, future in zip(start, later, strict=True):
                self._coming[("sixel", wanted[index][1], wanted[index][2])] = future
            _when_all_done(later, arrived)
        return found

    def collect_sixels(self) -> None:
        """Keep the sixel data made since the last look (on the app's thread). A picture the
        encoder failed on is kept as no data (drawn blank, not tried again frame after frame);
        one cancelled as the app closed is forgotten."""
        for cache_key, future in list(self._coming.items()):
            if future.done():
                del self._coming[cache_key]
                if not future.cancelled():
                    failed = future.exception() is not None
                    self._remember(cache_key, "" if failed else future.result())

    def _remember(self, key: object, value: object) -> None:
        self._made[key] = value
        while len(self._made) > self.CACHE:
            _, dropped = self._made.popitem(last=False)
            cleanup: Callable[[], None] | None = getattr(dropped, "cleanup", None)
            if cleanup is not None:
                cleanup()


def _text_lines(
    console: Console, markup: str, width: int, style: Style, *, centre: bool = False
) -> list[Strip]:
    """Markup as strips exactly `width` cells wide: one line each, cut with an ellipsis."""
    strips = []
    for line in markup.split("\n"):
        text = Text.from_markup(line, style=style, justify="center" if centre else "left")
        text.truncate(width, overflow="ellipsis", pad=False)
        if centre and text.cell_len < width:
            left = (width - text.cell_len) // 2
            text.pad_left(left)
        text.pad_right(max(0, width - text.cell_len))
        strips.append(Strip(text.render(console), width).apply_style(style))
    return strips


def _wrapped(console: Console, markup: str, width: int, style: Style) -> list[Strip]:
    """Markup wrapped to `width`, each line centred: the words in place of a picture."""
    lines = []
    for paragraph in markup.split("\n"):
        text = Text.from_markup(paragraph, style=style)
        for line in text.wrap(console, width, justify="center", overflow="ellipsis"):
            line.pad_right(max(0, width - line.cell_len))
            line.truncate(width)
            lines.append(Strip(line.render(console), width).apply_style(style))
    return lines


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one paint, one key
class TilePaint:
    """A painted tile: its lines (border included, margin excluded) and any sixel overlay."""

    lines: list[Strip]
    message: str
    overlay: SixelOverlay | None


def paint_tile(
    *,
    row: RenderRow,
    thumb: Thumb | None,
    cursor: bool,
    marked: bool,
    caption: str,
    width: int,
    height: int,
    image_rows: int,
    look: TileLook,
    painter: PicturePainter,
    truecolor: Callable[[list[Strip]], list[Strip]] = list,
) -> TilePaint:
    """Paint a tile `width` x `height` cells (border included): the picture `image_rows` tall
    above two caption lines. The border is heavy at the cursor, double at a marked cursor.
    `truecolor` finishes the border and the words (the sheet's ANSI-to-truecolor pass); the
    picture's strips are truecolor already and skip it."""
    console = painter.console
    rejected = row.flag == "reject"
    background = look.base + look.marked if marked else look.base
    edge_style = background + (look.cursor if cursor else look.border)
    if rejected and not cursor:
        edge_style = background + look.rejected
    corners = BORDERS["double" if cursor and marked else "heavy" if cursor else "round"]
    inner = max(1, width - 2)
    top, bottom, side = truecolor(
        [
            Strip([Segment(corners[0] + corners[1] * inner + corners[2], edge_style)], width),
            Strip([Segment(corners[4] + corners[1] * inner + corners[5], edge_style)], width),
            Strip([Segment(corners[3], edge_style)], 1),
        ]
    )

    blank = truecolor([Strip.blank(inner, background)])[0]

    message, overlay = "", None
    if isinstance(thumb, ThumbError):
        message = f"[b]cannot show[/]\n{thumb.message}"
    elif thumb is None:
        message = "…"
    elif painter.kind == "none":
        message = "[dim]no graphics[/]"
    body: list[Strip]
    if message:
        words = _wrapped(console, message, inner, background + look.message)[:image_rows]
        words = truecolor(words)
        above = (image_rows - len(words)) // 2
        body = [blank] * above + words + [blank] * (image_rows - above - len(words))
    else:
        assert thumb is not None and not isinstance(thumb, ThumbError)
        cell_w, cell_h = graphics.display_pixels()
        behind = look.background(marked)  # the theme's: a new theme letterboxes anew
        key = (row.file, row.mtime_ns, rejected, behind)
        picture = letterbox(
            thumb, (row.file, row.mtime_ns), (inner * cell_w, image_rows * cell_h), behind
        )
        if rejected:
            picture = dimmed(picture, behind, REJECT_DIM, key)
        body = painter.lines(picture, key, (inner, image_rows), background)
        if painter.kind == "sixel":
            overlay = SixelOverlay(1, 1, inner, image_rows, picture, key)
    caption_style = background + (look.rejected if rejected else look.caption)
    words_below = truecolor(_text_lines(console, caption, inner, caption_style)[:2])
    lines = [top]
    for strip in [*body, *words_below]:
        lines.append(Strip.join([side, strip, side]))
    lines.append(bottom)
    if len(lines) < height:
        filler = Strip.join([side, blank, side])
        lines[-1:-1] = [filler] * (height - len(lines))
    plain = Text.from_markup(message).plain if message else ""
    return TilePaint(lines[:height], plain, overlay)


def header_line(console: Console, title: str, width: int, look: TileLook) -> Strip:
    """A group's title across the sheet: bold on the panel colour, one cell of padding."""
    style = look.base + look.header
    text = Text(" " + title, style=style)
    text.truncate(width, overflow="ellipsis")
    text.pad_right(max(0, width - text.cell_len))
    return Strip(text.render(console), width).apply_style(style)


def text_block(console: Console, text: str, width: int, style: Style) -> list[Strip]:
    """Plain words wrapped to `width` (the sheet's "no renders yet")."""
    lines = []
    for line in Text(text, style=style).wrap(console, max(1, width)):
        line.pad_right(max(0, width - line.cell_len))
        lines.append(Strip(line.render(console), width).apply_style(style))
    return lines


def _when_all_done(futures: list[Future[str]], then: Callable[[], None]) -> None:
    """Call `then` once, when the last of `futures` is done (from the thread that finished it)."""
    left = len(futures)
    lock = threading.Lock()

    def one_done(_: Future[str]) -> None:
        nonlocal left
        with lock:
            left -= 1
            last = left == 0
        if last:
            then()

    for future in futures:
        future.add_done_callback(one_done)
