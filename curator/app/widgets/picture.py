"""Pictures in the terminal: which textual-image widget draws them, how big a cell is, and the
`Picture` widget that shows one picture letterboxed to its box (or a message in its place).

textual-image probes the terminal when it is imported, and that only works before Textual
owns the terminal: `choose` must run before `App.run()`. Tests choose "halfcell", which needs
no terminal at all. textual-image has no public call for the cell size it measured, so the
size is read here the way it reads it first (the terminal's TIOCGWINSZ pixel size), with its
documented fallbacks (TEXTUAL_CELL_WIDTH/HEIGHT, then the VT340's 10x20).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, Protocol

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from ...service import (
    PictureImage,
    clamp_centre,
    fit_scale,
    has_view,
    letterbox,
    moved_by,
    pan_view_cells,
    panned_centre,
    remember_view,
    zoomed,
)
from .halfcell import HalfcellPicture
from .sixel_picture import SixelPicture
from .terminal_name import terminal_name, without_placeholders

MODES = ("auto", "kitty", "sixel", "halfcell", "none")
DEFAULT_CELL = (10, 20)

_chosen: dict[str, Any] = {}


class ImageWidgetClass(Protocol):
    """A textual-image widget class: made with a picture (or None) and CSS classes."""

    def __call__(self, image: Any, *, classes: str) -> Widget: ...


class GraphicsUnavailable(ValueError):
    """The terminal cannot draw pictures the way asked (a kitty too old for textual-image)."""


def choose(mode: str = "auto") -> ImageWidgetClass | None:
    """The image widget class for `mode` (None for "none"); imports textual-image once."""
    if mode not in MODES:
        raise ValueError(f"graphics must be one of {', '.join(MODES)}, not {mode!r}")
    _chosen["cell"] = _measure_cell()
    _chosen["note"] = ""
    if mode == "none":
        _chosen["class"] = None
        _chosen["mode"] = mode
        return None
    if mode == "halfcell":  # ours: textual-image's goes through Rich per cell (slow)
        from .halfcell import HalfcellPicture

        _chosen["class"] = HalfcellPicture
        _chosen["mode"] = mode
        return HalfcellPicture
    from textual_image import renderable, widget

    # What textual-image detected, by its renderable: its widget for half cells and for the
    # kitty protocol is one class (AutoImage), so the widget cannot tell them apart.
    detected: object = renderable.Image
    if mode == "auto" and detected is renderable.HalfcellImage:  # no graphics protocol (tmux)
        return choose("halfcell")
    if mode == "auto" and detected is renderable.SixelImage:  # ours: encodes in blocks, quickly
        return choose("sixel")
    if mode == "kitty" or detected is renderable.TGPImage:
        old = without_placeholders(terminal_name())
        if old and mode == "kitty":
            raise GraphicsUnavailable(
                f"--graphics kitty: {old} cannot show textual-image's pictures (they need "
                "Unicode placeholders, kitty 0.28 or newer); use --graphics halfcell"
            )
        if old:
            chosen = choose("halfcell")
            _chosen["note"] = (
                f"Pictures in half cells: {old} cannot show kitty-protocol pictures through "
                "Unicode placeholders (kitty 0.28 or newer can)."
            )
            return chosen
    classes: dict[str, ImageWidgetClass] = {
        "auto": widget.Image,
        "kitty": widget.TGPImage,
        "sixel": SixelPicture,
    }
    _chosen["class"] = classes[mode]
    _chosen["mode"] = mode
    return classes[mode]


def image_class() -> ImageWidgetClass | None:
    """The chosen class; half cells if nothing was chosen (as in tests)."""
    if "class" not in _chosen:
        choose("halfcell")
    cls: ImageWidgetClass | None = _chosen["class"]
    return cls


def mode() -> str:
    image_class()
    return str(_chosen["mode"])


def note() -> str:
    """Why the pictures are not drawn the way the terminal first offered ("" when they are)."""
    return str(_chosen.get("note", ""))


def describe() -> str:
    cls = image_class()
    return "none" if cls is None else getattr(cls, "__name__", "image")


def painter_kind() -> str:
    """How the contact sheet paints tiles: "halfcell" and "none" as text; "sixel" as an
    escape sequence over blank cells; "renderable" through textual-image's renderable of the
    chosen class (kitty's graphics protocol, whose placeholders are text)."""
    cls = image_class()
    if cls is None:
        return "none"
    if mode() == "halfcell":
        return "halfcell"
    return "sixel" if mode() == "sixel" else "renderable"


def renderable_class() -> Any:
    """textual-image's Rich renderable behind the chosen widget class (kitty, unicode...)."""
    return getattr(image_class(), "_Renderable")  # noqa: B009 (set by textual-image per class)


def cell_pixels() -> tuple[int, int]:
    """The terminal's cell size in pixels, as measured when the graphics were chosen."""
    image_class()
    width, height = _chosen["cell"]
    return int(width), int(height)


def _measure_cell() -> tuple[int, int]:
    try:
        import fcntl
        import struct
        import termios

        stream = sys.__stdout__
        if stream is not None and stream.isatty():
            packed = fcntl.ioctl(stream, termios.TIOCGWINSZ, b"\0" * 8)
            rows, columns, width, height = struct.unpack("HHHH", packed)
            if rows and columns and width and height:
                return width // columns, height // rows
    except (ImportError, OSError):
        pass
    cell_w, cell_h = os.environ.get("TEXTUAL_CELL_WIDTH"), os.environ.get("TEXTUAL_CELL_HEIGHT")
    if cell_w and cell_h and cell_w.isdigit() and cell_h.isdigit():
        return int(cell_w), int(cell_h)
    return DEFAULT_CELL


def display_pixels() -> tuple[int, int]:
    """Pixels one cell shows: the terminal's cell for sixel and kitty; 1x2 for half-cell
    blocks (each cell is two pixels, upper and lower half)."""
    return (1, 2) if mode() == "halfcell" else cell_pixels()


def new_image_widget(classes: str) -> Widget | None:
    """A widget of the chosen class with no picture yet (None when graphics are off)."""
    cls = image_class()
    return cls(None, classes=classes) if cls is not None else None


def _size_widget(widget: Widget, cells: tuple[int, int]) -> None:
    """Give the image widget an explicit size in cells: textual-image then draws the picture
    at exactly that many display pixels, and a picture made at that size is drawn as it is
    (half-cell: one pixel per half block, not a 10x larger canvas sampled down)."""
    width, height = max(1, cells[0]), max(1, cells[1])
    if widget.styles.width is None or widget.styles.width.value != width:
        widget.styles.width = width
    if widget.styles.height is None or widget.styles.height.value != height:
        widget.styles.height = height


def show_fitted(
    widget: Widget,
    image: PictureImage,
    key: object,
    cells: tuple[int, int],
    background: tuple[int, int, int],
) -> None:
    """Give `widget` (of the chosen class) `image` letterboxed to exactly `cells`."""
    cell_w, cell_h = display_pixels()
    size = (max(1, cells[0] * cell_w), max(1, cells[1] * cell_h))
    _size_widget(widget, cells)
    # textual-image's widgets take their picture through the `image` property.
    setattr(widget, "image", letterbox(image, key, size, background))  # noqa: B010


def _view_key(key: object, image: PictureImage) -> tuple[object, int]:
    """How a picture's zoomed views are kept (`zoomed(key=...)`): by its key and the image
    itself, the same when a view is made ahead as when the zoom key shows it."""
    return (key, id(image))


#: Work made ahead off the app's thread; what it returns keeps the result on the app's thread.
PreparedWork = Callable[[], Callable[[], None]]


def _cell_shift(
    image: PictureImage, zoom: float, old: tuple[float, float], new: tuple[float, float]
) -> tuple[int, int]:
    """The whole cells by which the view of `image` at `zoom` moves when its centre goes from
    `old` to `new` (a pan step; the pixels are checked by the caller)."""
    cell_w, cell_h = display_pixels()
    dx = round((new[0] - old[0]) * image.width * zoom)
    dy = round((new[1] - old[1]) * image.height * zoom)
    return round(dx / cell_w), round(dy / cell_h)


#: A picture, its zoom and centre, and the view of it drawn then.
LastView = tuple[PictureImage, "float | None", tuple[float, float], PictureImage]


class Picture(Vertical):
    """An image (real pixels when graphics allow) or a message in its place.

    The image is letterboxed to the widget's size, so it is applied only once the widget has
    one (on resize): an early `show` is remembered, not drawn at a guessed size.
    """

    DEFAULT_CSS = """
    Picture { align: center middle; }
    Picture > .image { width: auto; height: auto; }
    Picture > .message { width: 1fr; text-align: center; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.image_widget = new_image_widget("image")
        self.message = Static("…", classes="message")
        self._wanted: tuple[PictureImage | None, str, object] = (None, "", None)
        #: None: fit the box; else display pixels per image pixel (1.0 is 100%).
        self.zoom: float | None = None
        #: The point of the image at the centre of the view (fractions of its size).
        self.centre = (0.5, 0.5)
        #: The last zoomed view: (picture, zoom, centre, view image), for a pan's reuse.
        self._last_view: LastView | None = None
        #: The last view whose neighbours a pan step away were made ahead (`prepare_pans`).
        self.pans_made_for: LastView | None = None

    def view_cells(self, zoomed_in: bool | None = None) -> tuple[int, int]:
        """The cells the picture may fill (zoomed in or not: as it is now when None): the
        whole box; zoomed on a sixel terminal, whole pan steps of it (a pan then uncovers
        whole blocks: `SixelPicture`)."""
        width, height = self.content_size.width, self.content_size.height
        if zoomed_in is None:
            zoomed_in = self.zoom is not None
        if zoomed_in and isinstance(self.image_widget, SixelPicture):
            return pan_view_cells(width), pan_view_cells(height)
        return width, height

    def box_pixels(self, zoomed_in: bool | None = None) -> tuple[int, int]:
        """The box in display pixels (what 100% is measured against)."""
        cell_w, cell_h = display_pixels()
        width, height = self.view_cells(zoomed_in)
        return width * cell_w, height * cell_h

    def prepare_zoom(self, zoom: float, centre: tuple[float, float]) -> PreparedWork | None:
        """The view at `zoom` around `centre` (clamped, as the zoom key will show it) made
        ahead: a function to run off the app's thread that makes the view and its drawing and
        returns one to run back on the app's thread that keeps them, so that the zoom key then
        finds both cached (Lightroom's 1:1 previews, made while the artist looks). None when
        there is nothing to make (no picture yet, no size, kitty's pictures)."""
        image, _, key = self._wanted
        widget = self.image_widget
        prepare = getattr(widget, "prepare", None)
        if image is None or key is None or prepare is None or not self.content_size.area:
            return None
        box = self.box_pixels(zoomed_in=True)
        centre = clamp_centre(image.size, box, zoom, centre)
        background = self._background()
        cells = self.view_cells(zoomed_in=True)
        view_key = _view_key(key, image)

        def make() -> Callable[[], None]:
            view = zoomed(image, box, zoom, centre, background)
            keep_drawing = prepare(view, cells)

            def keep() -> None:
                remember_view(view, view_key, box, zoom, centre, background)
                keep_drawing()

            return keep

        return make

    def prepare_pans(self) -> PreparedWork | None:
        """The views a pan step away in each direction, with the blocks each step would
        uncover, made ahead while the artist looks at a zoomed view (the loupe at rest): a pan
        key then finds its view made and, on a sixel terminal, all its blocks drawn, and
        encodes nothing. The work stops early when the view moves on. None when there is
        nothing to make (not zoomed, no picture)."""
        prepare_moved = getattr(self.image_widget, "prepare_moved", None)
        image, _, key = self._wanted
        last = self._last_view
        if image is None or key is None or last is None:
            return None
        if last[0] is not image or self.zoom is None or last[1] != self.zoom:
            return None
        zoom, shown = self.zoom, last[3]
        box, cells = self.box_pixels(), self.view_cells()
        centre = clamp_centre(image.size, box, zoom, last[2])
        background = self._background()
        view_key = _view_key(key, image)
        steps = []
        for direction in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            moved = panned_centre(centre, direction, image.size, box, zoom, display_pixels())
            moved = clamp_centre(image.size, box, zoom, moved)
            shift = _cell_shift(image, zoom, centre, moved)
            if shift != (0, 0) and not has_view(view_key, box, zoom, moved, background):
                steps.append((moved, shift))

        def make() -> Callable[[], None]:
            made = []
            cell_w, cell_h = display_pixels()
            for moved, shift in steps:
                if self._last_view is not last:
                    break  # the artist moved on: what is made is kept, the rest not made
                view = zoomed(image, box, zoom, moved, background)
                keep_blocks = None
                if prepare_moved is not None and moved_by(
                    shown, view, (shift[0] * cell_w, shift[1] * cell_h)
                ):
                    keep_blocks = prepare_moved(view, cells, shift)
                made.append((moved, view, keep_blocks))

            def keep() -> None:
                for moved, view, keep_blocks in made:
                    remember_view(view, view_key, box, zoom, moved, background)
                    if keep_blocks is not None:
                        keep_blocks()
                self.pans_made_for = last

            return keep

        return make

    def _background(self) -> tuple[int, int, int]:
        """The colour around a letterboxed or zoomed picture: the widget's own background."""
        colour = self.background_colors[1]
        return colour.r, colour.g, colour.b

    def scale_shown(self) -> float | None:
        """The scale the picture is shown at now (the fit scale when fitted)."""
        image = self._wanted[0]
        if image is None:
            return None
        return self.zoom if self.zoom is not None else fit_scale(image.size, self.box_pixels())

    def set_view(self, zoom: float | None, centre: tuple[float, float]) -> None:
        """Zoom (None fits) and centre; redrawn at once."""
        self.zoom, self.centre = zoom, centre
        self._apply()

    def compose(self) -> ComposeResult:
        if self.image_widget is not None:
            yield self.image_widget
        yield self.message

    def show(self, image: PictureImage | None, message: str = "", key: object = None) -> None:
        self._wanted = (image, message, key)
        self._apply()

    def _moved_cells(self, image: PictureImage, view: PictureImage) -> tuple[int, int] | None:
        """The whole cells by which `view` moved from the last view of the same picture at the
        same zoom (a pan step), if it is exactly that picture moved; else None."""
        last = self._last_view
        if last is None or last[0] is not image or last[1] != self.zoom or self.zoom is None:
            return None
        cell_w, cell_h = display_pixels()
        cells = _cell_shift(image, self.zoom, last[2], self.centre)
        shift = (cells[0] * cell_w, cells[1] * cell_h)
        return cells if cells != (0, 0) and moved_by(last[3], view, shift) else None

    def on_resize(self) -> None:
        self._apply()

    def _apply(self) -> None:
        image, message, key = self._wanted
        size = self.content_size
        if image is not None and self.image_widget is not None:
            if not size.width or not size.height:
                return  # not laid out yet: on_resize applies it
            background = self._background()
            if self.zoom is None:
                show_fitted(
                    self.image_widget, image, key if key is not None else id(image),
                    (size.width, size.height), background,
                )  # fmt: skip
            else:
                box = self.box_pixels()
                view = zoomed(
                    image, box, self.zoom, clamp_centre(image.size, box, self.zoom, self.centre),
                    background, key=None if key is None else _view_key(key, image),
                )  # fmt: skip
                _size_widget(self.image_widget, self.view_cells())
                moved = self._moved_cells(image, view)
                if moved is not None and isinstance(
                    self.image_widget, HalfcellPicture | SixelPicture
                ):
                    self.image_widget.show_moved(view, *moved)
                else:
                    setattr(self.image_widget, "image", view)  # noqa: B010
                self._last_view = (image, self.zoom, self.centre, view)
            self.image_widget.display = True
            self.message.display = False
            return
        if self.image_widget is not None:
            self.image_widget.display = False
        self.message.display = True
        self.message.update(message or ("no graphics" if image is not None else "…"))
