"""What our picture widgets (half-cell blocks, sixel) share: one picture, taken through `image`
like textual-image's widgets, drawn at exactly its cells' size."""

from __future__ import annotations

from collections.abc import Sequence

from textual.filter import LineFilter
from textual.widget import Widget

from ...service import PictureImage
from .truecolor import without_ansi_filter


class PictureWidget(Widget):
    """One picture; a new picture of the same size (a pan, a zoom step) needs no layout pass."""

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._image: PictureImage | None = None

    @property
    def image(self) -> PictureImage | None:
        return self._image

    @image.setter
    def image(self, value: PictureImage | None) -> None:
        if value is self._image:
            return
        old, self._image = self._image, value
        self._forget_drawing()
        same_size = old is not None and value is not None and old.size == value.size
        self.refresh(layout=not same_size)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """A picture's colours are truecolor already: no ANSI-to-truecolor pass over its cells."""
        return without_ansi_filter(super().get_line_filters())

    def _forget_drawing(self) -> None:
        """Drop what was drawn of the picture before (nothing kept by default)."""
