"""A picture drawn by sixel, in blocks, over blank cells (the loupe's, compare's and filmstrip's
pictures on a sixel terminal).

textual-image's sixel widget encodes its whole picture again whenever it changes: the loupe at
100% is about 920 x 720 px at 160x50 (10 x 20 px cells), and each zoom or pan key cost about
2 s (bench/app.py --graphics sixel). This widget
encodes with the service's fast encoder and cuts the picture into blocks a pan step in size
(`pan_cells`, a quarter of the view each way), each block its own sixel picture at the end of
the block's last line, with cursor moves there and back (as the contact sheet draws its tiles).
A pan step then moves the blocks still on screen to their new cells and encodes only the blocks
it uncovered (`show_moved`); the blocks of the last pictures are kept, so toggling zoom back to
a view seen is drawn from them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future

from rich.control import Control
from rich.segment import Segment
from textual.dom import NoScreen
from textual.geometry import Region, Size
from textual.strip import Strip

from ...service import PictureImage, pan_cells, sixel_data, sixel_data_later, sixel_data_many
from .picture_widget import PictureWidget

#: Pictures of fewer cells are one block (each block costs a palette and a call of the encoder).
ONE_BLOCK = 800
#: Blocks kept from recent pictures: about six views of the loupe (16 blocks each) and panels.
RECENT_BLOCKS = 96
#: Encoded blocks by (picture, block in cells); the picture is kept with its data, so that
#: its id is not reused while the entry lives.
_RECENT: OrderedDict[tuple[int, Region], tuple[PictureImage, str]] = OrderedDict()


class SixelPicture(PictureWidget):
    """A picture exactly its cells' size in pixels (as `Picture` makes them), drawn by sixel."""

    DEFAULT_CSS = "SixelPicture { width: auto; height: auto; }"

    def __init__(self, image: PictureImage | None = None, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._coming: dict[Region, Future[str]] = {}  # blocks of the picture being encoded
        self.image = image

    def _forget_drawing(self) -> None:
        # The last picture's blocks not started yet are not wanted (stepping through renders
        # would queue them before the picture shown).
        for coming in self._coming.values():
            coming.cancel()
        self._coming = {}
        self._encode_ahead()

    def _encode_ahead(self) -> None:
        """Start encoding the blocks of the picture not drawn before: they encode on the
        encoder's threads while the app lays the screen out and the other pictures encode,
        and `render_lines` takes them. The widget is its picture's cells in size (Picture
        makes the picture for its box), so the blocks are known before the layout."""
        image = self._image
        if image is None or not self.is_mounted:
            return
        cell_w, cell_h = _cell_pixels()
        blocks = [
            block
            for block in blocks_of(image.width // cell_w, image.height // cell_h)
            if block not in self._coming and _cached(image, block) is None
        ]
        later = sixel_data_later([crop_cells(image, block) for block in blocks])
        self._coming.update(zip(blocks, later, strict=True))

    def show_moved(self, image: PictureImage, dx: int, dy: int) -> None:
        """Show `image`, which is the picture shown now moved by (dx, dy) cells (a pan step:
        the caller checked the pixels): the blocks still on screen are drawn from their data,
        only the blocks uncovered are encoded."""
        old = self._image
        if old is None or image.size != old.size:
            self.image = image
            return
        for block in self._blocks():
            data = _cached(old, block.translate((dx, dy)))  # where it was shown before
            if data is not None:
                _keep(image, block, data)
        _trim()
        self._image = image
        self._forget_drawing()
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        cell_w, _ = _cell_pixels()
        return self._image.width // cell_w if self._image is not None else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        _, cell_h = _cell_pixels()
        return self._image.height // cell_h if self._image is not None else 0

    def _blocks(self) -> list[Region]:
        return blocks_of(self.content_size.width, self.content_size.height)

    def prepare(self, view: PictureImage, cells: tuple[int, int]) -> Callable[[], None]:
        """Encode `view` (to be shown in `cells`) now, off the app's thread; the function
        returned keeps its blocks, on the app's thread (`Picture.prepare_zoom`)."""
        blocks = blocks_of(*cells)
        data = sixel_data_many([crop_cells(view, block) for block in blocks])
        return lambda: _keep_all(view, blocks, data)

    def prepare_moved(
        self, view: PictureImage, cells: tuple[int, int], shift: tuple[int, int]
    ) -> Callable[[], None]:
        """Encode the blocks of `view` that a pan step would uncover (`view` is the picture
        shown now moved by `shift` cells), now, on the calling thread and one after another:
        made ahead at rest, they must not queue before a key's own blocks on the encoder's
        threads. The function returned keeps them, on the app's thread (`Picture.prepare_pans`);
        `show_moved` then finds every block of the step drawn."""
        width, height = cells
        shown = Region(0, 0, width, height)
        blocks = [
            block
            for block in blocks_of(width, height)
            if not shown.contains_region(block.translate(shift))
        ]
        data = [sixel_data(crop_cells(view, block)) for block in blocks]
        return lambda: _keep_all(view, blocks, data)

    def _data(self, parts: list[Region]) -> list[str]:
        """The sixel data of blocks (or parts of them) of the picture shown; those not drawn
        before are encoded together, on several cores."""
        image = self._image
        assert image is not None
        found = [_cached(image, part) for part in parts]
        for index, part in enumerate(parts):
            coming = self._coming.pop(part, None)
            if found[index] is None and coming is not None:
                found[index] = data = coming.result()
                _keep(image, part, data)
        missing = [index for index, data in enumerate(found) if data is None]
        pictures = [crop_cells(image, parts[index]) for index in missing]
        for index, data in zip(missing, sixel_data_many(pictures), strict=True):
            found[index] = data
            _keep(image, parts[index], data)
        _trim()
        return [data or "" for data in found]

    def render_lines(self, crop: Region) -> list[Strip]:
        size = self.content_size
        style = self.rich_style
        lines = [Strip.blank(crop.width, style) for _ in range(crop.height)]
        if self._image is None or not size.width or not size.height:
            return lines
        try:
            if not self.screen.is_active:
                return lines  # a screen above this one: its cells must not be drawn over
        except NoScreen:
            return lines
        x0, y0 = self.region.x, self.region.y
        parts = [
            part for part in (block.intersection(crop) for block in self._blocks()) if part.area
        ]
        for part, data in zip(parts, self._data(parts), strict=True):
            line = part.bottom - 1 - crop.y
            strip = lines[line]
            lines[line] = Strip(
                [
                    *strip,
                    Segment(Control.move_to(x0 + part.x, y0 + part.y).segment.text),
                    Segment(data),
                    Segment(Control.move_to(x0 + crop.right, y0 + part.bottom - 1).segment.text),
                ],
                strip.cell_length,
            )
        return lines


def blocks_of(width: int, height: int) -> list[Region]:
    """A picture's blocks in cells: a pan step each way, the last ones cut short; a small
    picture (an overview, a filmstrip's) is one block."""
    if width * height < ONE_BLOCK:
        return [Region(0, 0, width, height)]
    step_x, step_y = pan_cells(width), pan_cells(height)
    return [
        Region(x, y, min(step_x, width - x), min(step_y, height - y))
        for y in range(0, height, step_y)
        for x in range(0, width, step_x)
    ]


def crop_cells(image: PictureImage, cells: Region) -> PictureImage:
    """The part of a picture made for its cells (at the terminal's cell size) under `cells`."""
    cell_w, cell_h = _cell_pixels()
    return image.crop(
        (cells.x * cell_w, cells.y * cell_h, cells.right * cell_w, cells.bottom * cell_h)
    )


def _keep(image: PictureImage, block: Region, data: str) -> None:
    """Keep a block's data (the picture kept with it: its id is not reused while it lives)."""
    _RECENT[(id(image), block)] = (image, data)


def _keep_all(image: PictureImage, blocks: list[Region], data: list[str]) -> None:
    """Keep blocks made ahead off the app's thread (on the app's thread), within the bound."""
    for block, encoded in zip(blocks, data, strict=True):
        _keep(image, block, encoded)
    _trim()


def _trim() -> None:
    while len(_RECENT) > RECENT_BLOCKS:
        _RECENT.popitem(last=False)


def _cell_pixels() -> tuple[int, int]:
    from .picture import cell_pixels  # picture.py chooses this class: imported after it

    return cell_pixels()


def _cached(image: PictureImage, block: Region) -> str | None:
    found = _RECENT.get((id(image), block))
    if found is None or found[0] is not image:
        return None
    _RECENT.move_to_end((id(image), block))
    return found[1]
