"""Image maths for showing pictures in a terminal: fitting a picture to a box of cells.

The app's widgets decide what to show and how big; the pixels are worked here, so no widget
does image maths itself. Results are cached by key, so scrolling back shows the same object
and textual-image reuses its encoding.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PIL import Image, ImageDraw

#: Fitted pictures kept, by (key, size, background): a few screens of tiles.
FIT_CACHE = 240

_FITTED: OrderedDict[tuple[object, ...], Image.Image] = OrderedDict()
#: Zoomed views kept (a few screens of the loupe and compare's panels).
VIEW_CACHE = 8
_VIEWS: OrderedDict[tuple[object, ...], Image.Image] = OrderedDict()


def letterbox(
    image: Image.Image,
    key: object,
    size: tuple[int, int],
    background: tuple[int, int, int],
) -> Image.Image:
    """`image` scaled to fit and centred on a canvas exactly `size` pixels, in `background`.

    Sized this way the picture fills its box to the pixel: left to fit by itself, an image's
    width in cells is rounded and sixel terminals paint the remainder black. Small pictures
    are scaled up too, so they fill their box like the others.
    """
    size = (max(1, size[0]), max(1, size[1]))
    cache_key = (key, size, background)
    found = _FITTED.get(cache_key)
    if found is not None:
        _FITTED.move_to_end(cache_key)
        return found
    scale = min(size[0] / image.width, size[1] / image.height)
    fitted = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.BICUBIC,  # from a 256 px thumbnail: bicubic is plenty, and quick
    )
    canvas = Image.new("RGB", size, background)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    _FITTED[cache_key] = canvas
    while len(_FITTED) > FIT_CACHE:
        _FITTED.popitem(last=False)
    return canvas


def dimmed(
    image: Image.Image, background: tuple[int, int, int], amount: float, key: object
) -> Image.Image:
    """`image` faded `amount` (0..1) of the way to `background`: a rejected render recedes on
    the sheet while its rating stays readable. Cached by `key` with the fitted pictures."""
    cache_key = ("dimmed", key, image.size, background, amount)
    found = _FITTED.get(cache_key)
    if found is not None:
        _FITTED.move_to_end(cache_key)
        return found
    faded = Image.blend(image.convert("RGB"), Image.new("RGB", image.size, background), amount)
    _FITTED[cache_key] = faded
    while len(_FITTED) > FIT_CACHE:
        _FITTED.popitem(last=False)
    return faded


def fit_scale(image_size: tuple[int, int], box: tuple[int, int]) -> float:
    """The scale at which an image of `image_size` px fits a box of `box` px."""
    return min(box[0] / max(1, image_size[0]), box[1] / max(1, image_size[1]))


def clamp_centre(
    image_size: tuple[int, int], box: tuple[int, int], scale: float, centre: tuple[float, float]
) -> tuple[float, float]:
    """`centre` (fractions of the image) moved so the view stays inside the image; an axis
    on which the whole image fits is centred."""
    clamped = []
    for axis in (0, 1):
        view = box[axis] / scale / max(1, image_size[axis])  # the view's share of the image
        if view >= 1:
            clamped.append(0.5)
        else:
            clamped.append(min(1 - view / 2, max(view / 2, centre[axis])))
    return clamped[0], clamped[1]


#: Zoom steps of Z in the loupe and compare (display pixels per image pixel).
ZOOMS = (1.0, 2.0, 4.0)
#: A pan step (H J K L): this share of the view.
PAN_STEP = 0.25


def next_zoom(zoom: float | None) -> float:
    """Z: 100%, 200%, 400%, then 100% again (from fit: 100%)."""
    return ZOOMS[(ZOOMS.index(zoom) + 1) % len(ZOOMS)] if zoom in ZOOMS else ZOOMS[0]


def pan_cells(cells: int) -> int:
    """A pan step along an axis of `cells` cells: PAN_STEP of it, in whole cells (a sixel
    picture is cut into blocks of this size, so a step reuses all the blocks still shown)."""
    return max(1, round(PAN_STEP * cells))


def pan_view_cells(cells: int) -> int:
    """The most cells up to `cells` that whole pan steps span (a quarter of the view: the
    view loses at most three cells), so that a pan uncovers whole blocks of a sixel view."""
    steps = round(1 / PAN_STEP)
    return cells - cells % steps if cells >= steps else cells


def panned_centre(
    centre: tuple[float, float],
    direction: tuple[int, int],
    image_size: tuple[int, int],
    box: tuple[int, int],
    zoom: float,
    cell: tuple[int, int] = (1, 2),
) -> tuple[float, float]:
    """The view centre moved PAN_STEP of the view (a box of `box` display pixels at `zoom`,
    `cell` display pixels a cell: 1 x 2 for half cells) in `direction`; not clamped (the view
    is, when drawn). The step is a whole number of cells, so that what was drawn is reused."""
    step_x = pan_cells(box[0] // cell[0]) * cell[0] / zoom / image_size[0]
    step_y = pan_cells(box[1] // cell[1]) * cell[1] / zoom / image_size[1]
    return (centre[0] + direction[0] * step_x, centre[1] + direction[1] * step_y)


def zoomed(
    image: Image.Image,
    size: tuple[int, int],
    scale: float,
    centre: tuple[float, float],
    background: tuple[int, int, int],
    shown_as: tuple[int, int] | None = None,
    key: object = None,
) -> Image.Image:
    """The part of `image` a box of `size` px shows at `scale` (1 = one image pixel per
    display pixel) around `centre` (fractions of the image), on a canvas of exactly `size`.

    Only the visible part is cropped and resized, so panning a 4096 px render costs what a
    box-sized picture costs. Enlarged pixels stay square and sharp (nearest neighbour): at
    200% the artist sees the render's own pixels, not an interpolation of them. With a `key`
    (the picture's identity) the last few views are kept and the same view is the same image
    again: toggling zoom back to a place seen finds its drawing cached too.
    """
    size = (max(1, size[0]), max(1, size[1]))
    if key is not None:
        cache_key = _view_cache_key(key, size, scale, centre, background, shown_as)
        found = _VIEWS.get(cache_key)
        if found is not None:
            _VIEWS.move_to_end(cache_key)
            return found
        view = zoomed(image, size, scale, centre, background, shown_as)
        remember_view(view, key, size, scale, centre, background, shown_as)
        return view
    cx, cy = clamp_centre(image.size, size, scale, centre)
    view_w, view_h = size[0] / scale, size[1] / scale
    left = cx * image.width - view_w / 2
    top = cy * image.height - view_h / 2
    box = (
        max(0, int(left)),
        max(0, int(top)),
        min(image.width, int(left + view_w + 1)),
        min(image.height, int(top + view_h + 1)),
    )
    canvas = Image.new("RGB", size, background)
    if box[2] <= box[0] or box[3] <= box[1]:
        return canvas if shown_as is None else canvas.resize(shown_as)
    part = image.crop(box)
    width = max(1, round((box[2] - box[0]) * scale))
    height = max(1, round((box[3] - box[1]) * scale))
    method = Image.Resampling.NEAREST if scale >= 1 else Image.Resampling.BOX
    part = part.resize((width, height), method)
    canvas.paste(part, (round((box[0] - left) * scale), round((box[1] - top) * scale)))
    if shown_as is not None and shown_as != canvas.size:
        # The widget's own pixel grid (half-cell: each 1x2 block of the view becomes a cell).
        canvas = canvas.resize(shown_as, Image.Resampling.NEAREST)
    return canvas


def _view_cache_key(
    key: object,
    size: tuple[int, int],
    scale: float,
    centre: tuple[float, float],
    background: tuple[int, int, int],
    shown_as: tuple[int, int] | None,
) -> tuple[object, ...]:
    """What names a view in the cache, for `zoomed`, `has_view` and `remember_view` alike."""
    size = (max(1, size[0]), max(1, size[1]))
    return (key, size, scale, centre, background, shown_as)


def has_view(
    key: object,
    size: tuple[int, int],
    scale: float,
    centre: tuple[float, float],
    background: tuple[int, int, int],
) -> bool:
    """Whether `zoomed` with these arguments would find its view kept (a view made ahead
    again would only replace it)."""
    return _view_cache_key(key, size, scale, centre, background, None) in _VIEWS


def remember_view(
    view: Image.Image,
    key: object,
    size: tuple[int, int],
    scale: float,
    centre: tuple[float, float],
    background: tuple[int, int, int],
    shown_as: tuple[int, int] | None = None,
) -> None:
    """Keep `view` as what `zoomed` with these arguments (and `key`) returns: a view made
    ahead, off the app's thread, is handed over here (on the app's thread)."""
    _VIEWS[_view_cache_key(key, size, scale, centre, background, shown_as)] = view
    while len(_VIEWS) > VIEW_CACHE:
        _VIEWS.popitem(last=False)


def forget_views() -> None:
    """Drop the zoomed views kept (benchmarks time views made anew)."""
    _VIEWS.clear()


def moved_by(old: Image.Image, new: Image.Image, shift: tuple[int, int]) -> bool:
    """Whether `new` shows `old` moved by `shift` pixels (new's pixel (x, y) is old's
    (x + dx, y + dy)) wherever the two overlap: a pan step then reuses what it can of the last
    picture drawn. Checked on the pixels, so a view clamped at the render's edge, or any
    rounding, falls back to drawing the whole picture."""
    dx, dy = shift
    if old.size != new.size or old.mode != new.mode or abs(dx) >= old.width:
        return False
    if abs(dy) >= old.height:
        return False
    width, height = old.size
    x0, x1 = max(0, -dx), min(width, width - dx)
    y0, y1 = max(0, -dy), min(height, height - dy)
    before, after = np.asarray(old), np.asarray(new)
    return bool(np.array_equal(after[y0:y1, x0:x1], before[y0 + dy : y1 + dy, x0 + dx : x1 + dx]))


def half_blocks(image: Image.Image, cells: tuple[int, int]) -> list[list[int]]:
    """The picture as rows of half-cell blocks, each cell one int: the upper pixel's 0xRRGGBB
    shifted up 24 bits, plus the lower pixel's 0xRRGGBB.

    `image` is resized to exactly `cells` wide and twice `cells` tall when it is not already
    (a picture made for the box is not). The widget that draws these only maps colours to
    characters; the pixels are worked here, in numpy.
    """
    width, height = max(1, cells[0]), max(1, cells[1])
    picture = image if image.mode == "RGB" else image.convert("RGB")
    if picture.size != (width, height * 2):
        picture = picture.resize((width, height * 2), Image.Resampling.BOX)
    pixels = np.asarray(picture, dtype=np.uint64)
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    blocks = (packed[0::2] << 24) | packed[1::2]
    rows: list[list[int]] = blocks.tolist()
    return rows


#: Block glyphs for a histogram bar's height, empty to full.
_BARS = " ▁▂▃▄▅▆▇█"


def histogram_lines(image: Image.Image, bins: int = 32) -> list[tuple[str, str, float, float]]:
    """The render's own histogram as text, one line per channel (value, then R, G, B): each
    line is (name, bars, clipped dark share, clipped light share). Value is Rec. 709 luma; a
    pixel counts as clipped at 0 or 255. Bars are scaled per channel to its tallest bin, so a
    narrow tonal range shows as a narrow hump."""
    rgb = np.asarray(image.convert("RGB"))
    luma = (rgb @ np.array([0.2126, 0.7152, 0.0722])).round().astype(np.uint8)
    channels = [
        ("value", luma),
        ("red", rgb[..., 0]),
        ("green", rgb[..., 1]),
        ("blue", rgb[..., 2]),
    ]
    lines = []
    for name, channel in channels:
        counts = np.bincount(channel.ravel(), minlength=256)
        binned = counts.reshape(bins, 256 // bins).sum(1)
        top = max(1, int(binned.max()))
        bars = "".join(_BARS[round(8 * count / top)] for count in binned)
        total = max(1, channel.size)
        lines.append((name, bars, counts[0] / total, counts[255] / total))
    return lines


def survey_grid(
    count: int, box: tuple[int, int], aspect: float, caption_rows: float = 0.0
) -> tuple[int, int]:
    """Columns and rows that show `count` pictures of width/height `aspect` largest in a box
    of `box` (width, height, in any unit where cells are square, e.g. display pixels); each
    tile loses `caption_rows` of its height to a caption. Ties go to fewer rows."""
    best, best_scale = (max(1, count), 1), -1.0
    width, height = max(1, box[0]), max(1, box[1])
    for columns in range(1, max(1, count) + 1):
        rows = -(-count // columns)
        tile_w, tile_h = width / columns, height / rows - caption_rows
        if tile_h <= 0:
            continue
        scale = min(tile_w / aspect, tile_h)  # the picture's height when fitted
        if scale > best_scale + 1e-9:
            best, best_scale = (columns, rows), scale
    return best


#: Small copies for overviews, by the caller's key: a pan step redraws only the outline.
_OVERVIEW_BASES: OrderedDict[tuple[object, int], Image.Image] = OrderedDict()


def overview(
    image: Image.Image,
    box: tuple[int, int],
    scale: float,
    centre: tuple[float, float],
    longest: int = 256,
    colour: tuple[int, int, int] = (255, 210, 0),
    *,
    key: object = None,
) -> Image.Image:
    """The whole image small (longest side `longest`) with the part a zoomed view shows
    outlined: where you are in a render at 100% or more. With a `key` (the same for the
    same image), the small copy is made once and reused by the next pan steps."""
    cx, cy = clamp_centre(image.size, box, scale, centre)
    view_w = min(1.0, box[0] / scale / image.width)
    view_h = min(1.0, box[1] / scale / image.height)
    base = _OVERVIEW_BASES.get((key, longest)) if key is not None else None
    if base is None:
        base = image.convert("RGB")  # a copy: thumbnail() below works in place
        base.thumbnail((longest, longest), Image.Resampling.BOX)
        if key is not None:
            _OVERVIEW_BASES[(key, longest)] = base
            while len(_OVERVIEW_BASES) > 8:
                _OVERVIEW_BASES.popitem(last=False)
    small = base.copy()
    w, h = small.size
    left, top = (cx - view_w / 2) * w, (cy - view_h / 2) * h
    # At least one pixel: a small overview (half-cell's, a pixel a half cell) at 400% outlines
    # less than a pixel.
    right, bottom = max(left, left + view_w * w - 1), max(top, top + view_h * h - 1)
    draw = ImageDraw.Draw(small)
    width = max(1, round(max(w, h) / 100))
    draw.rectangle((left, top, right, bottom), outline=colour, width=width)
    return small
