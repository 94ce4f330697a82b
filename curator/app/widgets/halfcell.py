"""Half-cell pictures drawn straight to strips.

textual-image's half-cell renderer yields one Rich segment per cell through Rich's console,
which costs about 250 ms for the loupe's 95 x 46 cell pane: far too slow to zoom and pan.
This widget builds each line's strip once from the service's block colours (`half_blocks`),
reusing one Style per colour pair, and draws the same "▀" blocks in a fraction of that. It
takes its picture through `image`, like textual-image's widgets, so `Picture` and the
contact sheet use it unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip

from ...service import PictureImage, half_blocks
from .picture_widget import PictureWidget

UPPER_HALF = "▀"
#: Styles by colour pair and Colors by colour: a few screens of pictures (about 52 MB when
#: both are full, measured with tracemalloc).
CACHED_STYLES = 80_000
_STYLES_BY_COLOUR: dict[int, Style] = {}
_COLOURS: dict[int, Color] = {}
#: The loupe's last pictures as strips: toggling zoom, before/after or the stack preview
#: shows one of them again (the image itself is kept, so its id cannot be reused meanwhile).
RECENT_PICTURES = 6
_RECENT: OrderedDict[tuple[int, int, int], tuple[PictureImage, list[Strip]]] = OrderedDict()


class HalfcellPicture(PictureWidget):
    """A picture in half blocks: each cell shows two pixels, upper (foreground) and lower."""

    DEFAULT_CSS = "HalfcellPicture { width: auto; height: auto; }"

    def __init__(self, image: PictureImage | None = None, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._lines: list[Strip] | None = None
        self._built_for = Size(0, 0)
        self.image = image

    def _forget_drawing(self) -> None:
        self._lines = None

    def show_moved(self, image: PictureImage, dx: int, dy: int) -> None:
        """Show `image`, which is the picture shown now moved by (dx, dy) cells (a pan step:
        the caller checked the pixels): the lines still on screen are cut from the strips
        drawn, and only the band uncovered is built (a tenth of a pan's picture, not all)."""
        size = self._built_for
        old = self._lines
        if old is None or self._image is None or image.size != self._image.size:
            self.image = image
            return
        width, height = size.width, size.height
        if not width or not height or abs(dx) >= width or abs(dy) >= height:
            self.image = image
            return
        keep_x0, keep_x1 = max(0, dx), min(width, width + dx)  # old columns kept
        band_x0, band_x1 = (keep_x1 - keep_x0, width) if dx > 0 else (0, -dx)
        band = None
        if dx:
            uncovered = image.crop((band_x0, 0, band_x1, 2 * height))
            band = halfcell_strips(uncovered, (band_x1 - band_x0, height))
        lines = []
        for y in range(height):
            source = y + dy
            if not 0 <= source < height:
                row = image.crop((0, 2 * y, width, 2 * y + 2))
                lines.append(halfcell_strips(row, (width, 1))[0])
                continue
            kept = old[source].crop(keep_x0, keep_x1)
            if band is None:
                lines.append(kept)
            elif dx > 0:
                lines.append(Strip.join([kept, band[y]]))
            else:
                lines.append(Strip.join([band[y], kept]))
        self._image, self._lines = image, lines
        self.refresh()

    def prepare(self, view: PictureImage, cells: tuple[int, int]) -> Callable[[], None]:
        """Build `view`'s strips (to be shown in `cells`) now, off the app's thread; the
        function returned keeps them, on the app's thread (`Picture.prepare_zoom`)."""
        strips = halfcell_strips(view, cells)

        def keep() -> None:
            _remember((id(view), cells[0], cells[1]), view, strips)

        return keep

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._image.width if self._image is not None else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return (self._image.height + 1) // 2 if self._image is not None else 0

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if self._image is None or not size.width or not size.height:
            return Strip.blank(size.width)
        if self._lines is None or self._built_for != size:
            self._lines = self._build(size)
            self._built_for = size
        return self._lines[y] if 0 <= y < len(self._lines) else Strip.blank(size.width)

    def _build(self, size: Size) -> list[Strip]:
        assert self._image is not None
        key = (id(self._image), size.width, size.height)
        found = _RECENT.get(key)
        if found is not None and found[0] is self._image:
            _RECENT.move_to_end(key)
            return found[1]
        strips = halfcell_strips(self._image, (size.width, size.height))
        _remember(key, self._image, strips)
        return strips


def _remember(key: tuple[int, int, int], image: PictureImage, strips: list[Strip]) -> None:
    _RECENT[key] = (image, strips)
    while len(_RECENT) > RECENT_PICTURES:
        _RECENT.popitem(last=False)


def halfcell_strips(image: PictureImage, cells: tuple[int, int]) -> list[Strip]:
    """`image` as `cells[1]` strips of upper-half blocks, `cells[0]` wide (also the contact
    sheet's tiles). One Style per colour pair and one Color per colour are kept and reused:
    building them is most of the cost (a pan at 100% shows mostly new colours)."""
    styles = _STYLES_BY_COLOUR
    colour = _colour
    from_color = Style.from_color
    strips = []
    for row in half_blocks(image, cells):
        segments = []
        for colours in row:
            style = styles.get(colours)
            if style is None:
                style = from_color(colour(colours >> 24), colour(colours & 0xFFFFFF))
                if len(styles) > CACHED_STYLES:
                    styles.clear()
                styles[colours] = style
            segments.append(Segment(UPPER_HALF, style))
        strips.append(Strip(segments, cells[0]))
    return strips


def _colour(value: int) -> Color:
    """A truecolor Color for 0xRRGGBB, made directly (Color.from_rgb formats a triplet's hex
    through three calls, a third of a pan's time)."""
    found = _COLOURS.get(value)
    if found is None:
        triplet = ColorTriplet(value >> 16, (value >> 8) & 255, value & 255)
        found = Color(f"#{value:06x}", ColorType.TRUECOLOR, triplet=triplet)
        if len(_COLOURS) > CACHED_STYLES:
            _COLOURS.clear()
        _COLOURS[value] = found
    return found
