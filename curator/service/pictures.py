"""Image maths for showing pictures in a terminal: fitting a picture to a box of cells.

The app's widgets decide what to show and how big; the pixels are worked here, so no widget
does image maths itself. Results are cached by key, so scrolling back shows the same object
and textual-image reuses its encoding.
"""

from __future__ import annotations

from collections import OrderedDict

from PIL import Image

#: Fitted pictures kept, by (key, size, background): a few screens of tiles.
FIT_CACHE = 240

_FITTED: OrderedDict[tuple[object, ...], Image.Image] = OrderedDict()


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
