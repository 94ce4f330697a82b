"""Reading, converting, resizing and writing images.

Every input image passes through `load_rgb`, which turns whatever a person hands us (palette,
grey, 16-bit, alpha, CMYK, EXIF-rotated, with an ICC profile) into 8-bit sRGB, or raises an
`ImageError` naming the file and the problem. Originals are only ever read.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, PngImagePlugin, UnidentifiedImageError

from stylecore.errors import ImageError
from stylecore.files import atomic_file

#: The short side, in pixels, below which VGG19's four poolings leave nothing to compare.
MIN_SIDE = 16

#: The PNG text-chunk key under which a render carries its full spec.
PNG_SPEC_KEY = "stylecore"

_SRGB = ImageCms.createProfile("sRGB")


#: Pillow's own guard refuses a 96 MP photo as a "decompression bomb"; artists' originals are
#: that big. Ours replaces it: a limit in megapixels (studio.toml's [defaults]
#: max_image_megapixels, or STYLECORE_MAX_MEGAPIXELS), checked from the header before decoding.
Image.MAX_IMAGE_PIXELS = None
DEFAULT_MAX_MEGAPIXELS = 300.0
_limit = {"megapixels": float(os.environ.get("STYLECORE_MAX_MEGAPIXELS") or DEFAULT_MAX_MEGAPIXELS)}


def set_max_megapixels(megapixels: float) -> None:
    """The largest image, in megapixels, that `load_rgb` decodes (a studio's setting)."""
    if not os.environ.get("STYLECORE_MAX_MEGAPIXELS"):  # the environment overrides studios
        _limit["megapixels"] = float(megapixels)


def max_megapixels() -> float:
    return _limit["megapixels"]


def load_rgb(path: str | Path, longest: int | None = None) -> Image.Image:
    """Load `path` as an 8-bit RGB image, upright and in sRGB.

    Transparent pixels are composited over white; 16-bit and float images are scaled, not
    clipped; an embedded ICC profile is converted to sRGB where LittleCMS can. `longest`: the
    longest side the caller will resize to; a JPEG is then decoded at a reduced scale that is
    still at least that big (draft mode: a 96 MP photo for a 512 px render decodes at 1/8 in
    a tenth of the time and memory). Without it the image comes at its full size.
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(path, "file not found")
    if path.is_dir():
        raise ImageError(path, "is a folder, not an image")
    try:
        with Image.open(path) as opened:
            width, height = opened.size
            _check_size(path, width, height)
            if longest and opened.format == "JPEG" and max(width, height) > longest:
                scale = longest / max(width, height)
                opened.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            rgb = _to_rgb8(image)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(path, "not an image file Pillow can read") from None
    except PermissionError:
        raise ImageError(path, "permission denied: this user may not read it") from None
    except MemoryError:
        raise ImageError(path, "not enough memory to decode it") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(path, f"damaged or truncated image ({_one_line(exc)})") from None
    return rgb


def image_size(path: str | Path) -> tuple[int, int]:
    """An image's upright (width, height) from its header, without decoding its pixels."""
    try:
        with Image.open(path) as opened:
            width, height = opened.size
            orientation = opened.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError):
        raise ImageError(path, "not an image file Pillow can read") from None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def check_image(path: str | Path) -> tuple[int, int]:
    """`image_size`, refusing what `load_rgb` would refuse by size (too small, too many
    megapixels): callers that queue work find out now, not when the render loop meets it."""
    width, height = image_size(path)
    _check_size(Path(path), width, height)
    return width, height


def _check_size(path: Path, width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            path, f"image is {width}x{height} px; at least {MIN_SIDE} px on each side is needed"
        )
    megapixels = width * height / 1e6
    limit = max_megapixels()
    if megapixels > limit:
        raise ImageError(
            path,
            f"{width}x{height} is {megapixels:.0f} MP, above the limit of {limit:.0f} MP that "
            "guards against decompression bombs; raise it with max_image_megapixels = "
            f"{math.ceil(megapixels / 50) * 50} in studio.toml's [defaults] (or "
            "STYLECORE_MAX_MEGAPIXELS)",
        )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _to_rgb8(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB without clipping high-bit-depth data."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _wide_grey_to_rgb(image)
    icc = image.info.get("icc_profile")
    if mode == "P":
        image = image.convert("RGBA") if "transparency" in image.info else image.convert("RGB")
    elif mode in ("1", "L"):
        image = image.convert("RGB")
    elif mode in ("LA", "La", "PA", "RGBa"):
        image = image.convert("RGBA")
    elif mode not in ("RGB", "RGBA"):
        # CMYK, YCbCr, LAB, HSV: through the ICC profile when there is one, else Pillow's maths.
        converted = _icc_to_srgb(image, icc, "RGB") if icc else None
        return converted if converted is not None else image.convert("RGB")
    if image.mode == "RGBA":
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image).convert("RGB")
    if icc:
        converted = _icc_to_srgb(image, icc, "RGB")
        if converted is not None:
            image = converted
    return image


def _wide_grey_to_rgb(image: Image.Image) -> Image.Image:
    values = np.asarray(image, dtype=np.float64)
    if image.mode == "F":
        scale = 1.0 if values.max(initial=0.0) <= 1.0 else 255.0
    else:
        scale = 255.0 if values.max(initial=0.0) <= 255 else 65535.0
    grey = np.clip(np.rint(values / scale * 255.0), 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _icc_to_srgb(image: Image.Image, icc: bytes, mode: str) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def fit_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The (width, height) that gives the longest side `longest` and keeps the aspect ratio."""
    if width >= height:
        return longest, max(1, round(height * longest / width))
    return max(1, round(width * longest / height)), longest


def resize_longest(image: Image.Image, longest: int, *, path: str | Path = "") -> Image.Image:
    """Resize so the longest side is `longest` (Lanczos), refusing results too thin for VGG."""
    size = fit_size(image.width, image.height, longest)
    if min(size) < MIN_SIDE:
        raise ImageError(
            path or "image",
            f"at {longest} px the image would be {size[0]}x{size[1]}; its short side must be "
            f"at least {MIN_SIDE} px (aspect ratio too extreme)",
        )
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS)


def save_png_atomic(
    image: Image.Image,
    path: str | Path,
    text: Mapping[str, str] | None = None,
    *,
    inside: str | Path | None = None,
) -> None:
    """Write `image` as PNG to a temporary name beside `path`, then rename it into place.

    A reader (the file watcher, another process) never sees a partial file under `path`.
    """
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    with atomic_file(path, inside=inside) as handle:
        image.save(handle, format="PNG", pnginfo=info)


def read_png_spec(path: str | Path) -> dict[str, object] | None:
    """The spec a render carries in its PNG text chunk, or None when it carries none."""
    with Image.open(path) as image:
        raw = image.info.get(PNG_SPEC_KEY)
    if not raw:
        return None
    value = json.loads(raw)
    return value if isinstance(value, dict) else None
