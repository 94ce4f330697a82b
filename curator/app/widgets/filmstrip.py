"""A filmstrip: one row of a render's neighbours in the sheet's order, the current one in the
middle and outlined. The loupe and compare show it under their pictures."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal

from ...service import PictureImage, RenderRow, ThumbError
from .picture import Picture

#: Gets a render's thumbnail (or its error) on a worker thread.
ThumbOf = Callable[[RenderRow], "PictureImage | ThumbError"]


class Filmstrip(Horizontal):
    DEFAULT_CSS = """
    Filmstrip { height: 7; }
    Filmstrip > Picture { width: 1fr; height: 7; border: round $panel-lighten-2; }
    Filmstrip > Picture.-current { border: heavy $accent; }
    Filmstrip > Picture.-none { border: none; }
    """
    SLOTS = 9

    def __init__(self, thumb_of: ThumbOf, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.thumb_of = thumb_of
        self._showing = -1  # the index the strip was last asked to centre on

    def compose(self) -> ComposeResult:
        for _ in range(self.SLOTS):
            yield Picture()

    def slots(self) -> list[Picture]:
        return list(self.query(Picture))

    def show_around(self, rows: Sequence[RenderRow], index: int) -> None:
        """Centre the strip on rows[index]; thumbnails come from a worker."""
        self._showing = index
        half = self.SLOTS // 2
        wanted: list[tuple[int, RenderRow | None]] = []
        for slot, picture in enumerate(self.slots()):
            position = index - half + slot
            row = rows[position] if 0 <= position < len(rows) else None
            picture.set_class(slot == half, "-current")
            picture.set_class(row is None, "-none")
            if row is None:
                picture.show(None, " ")
            wanted.append((slot, row))
        self._load(index, wanted)

    @work(thread=True, exclusive=True, group="filmstrip")
    def _load(self, index: int, wanted: list[tuple[int, RenderRow | None]]) -> None:
        for slot, row in wanted:
            if row is None:
                continue
            thumb = self.thumb_of(row)
            image = None if isinstance(thumb, ThumbError) else thumb
            message = thumb.message if isinstance(thumb, ThumbError) else ""
            self.app.call_from_thread(self._show, index, slot, row, image, message)

    def _show(
        self, index: int, slot: int, row: RenderRow, image: PictureImage | None, message: str
    ) -> None:
        if self.is_attached and index == self._showing:
            # Keyed by file and its mtime, as the sheet's tiles are: fitted pictures are
            # cached process-wide, and a render id alone names another picture in another
            # studio (or after the file is replaced).
            self.slots()[slot].show(image, message, ("film", row.file, row.mtime_ns))
