"""Every kind of image a person might hand us: read correctly, or one clear error."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from stylecore.errors import ImageError
from stylecore.images import (
    MIN_SIDE,
    fit_size,
    image_size,
    load_rgb,
    read_png_spec,
    resize_longest,
    save_png_atomic,
)

from .conftest import CONTENTS, STYLES


def _png16_rgb(array: np.ndarray, path: Path) -> None:
    """Write a 16-bit-per-channel RGB PNG by hand (Pillow cannot write one)."""
    height, width, _ = array.shape
    raw = b"".join(b"\x00" + array[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_samples_load_as_rgb():
    for path in [*CONTENTS.iterdir(), *STYLES.iterdir()]:
        image = load_rgb(path)
        assert image.mode == "RGB"
        assert min(image.size) >= MIN_SIDE


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match=r"nope\.png: file not found"):
        load_rgb(tmp_path / "nope.png")


def test_folder_is_not_an_image(tmp_path):
    with pytest.raises(ImageError, match="is a folder"):
        load_rgb(tmp_path)


def test_text_file_named_jpg(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("not a picture\n")
    with pytest.raises(ImageError, match=r"notes\.jpg: not an image file"):
        load_rgb(path)


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg")])
def test_truncated_files(tmp_path, fmt, suffix):
    source = Image.open(CONTENTS / "chelsea.png").convert("RGB")
    whole = tmp_path / f"whole{suffix}"
    source.save(whole, fmt)
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ImageError) as caught:
        load_rgb(cut)
    message = str(caught.value)
    assert message.startswith(str(cut)) and "truncated" in message
    assert "\n" not in message


def test_one_pixel_image(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (200, 10, 10)).save(path)
    with pytest.raises(ImageError, match=r"dot\.png: image is 1x1 px"):
        load_rgb(path)


def test_extreme_aspect_ratio_refused_after_resize(tmp_path):
    image = Image.new("RGB", (4000, 40))
    with pytest.raises(ImageError, match="aspect ratio too extreme"):
        resize_longest(image, 512, path=tmp_path / "strip.png")


def test_grayscale_becomes_grey_rgb(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((32, 40), 77, np.uint8), "L").save(path)
    image = load_rgb(path)
    assert image.mode == "RGB" and image.size == (40, 32)
    assert np.asarray(image)[0, 0].tolist() == [77, 77, 77]


def test_rgba_is_composited_over_white(tmp_path):
    path = tmp_path / "alpha.png"
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[..., 0] = 255  # red ...
    rgba[:, 16:, 3] = 255  # ... opaque on the right half, transparent on the left
    Image.fromarray(rgba, "RGBA").save(path)
    pixels = np.asarray(load_rgb(path))
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert pixels[0, 31].tolist() == [255, 0, 0]


def test_palette_with_transparency(tmp_path):
    path = tmp_path / "palette.png"
    image = Image.new("P", (20, 20), 0)
    image.putpalette([0, 0, 255] + [0, 0, 0] * 255)
    image.info["transparency"] = 0
    image.save(path, transparency=0)
    assert np.asarray(load_rgb(path))[5, 5].tolist() == [255, 255, 255]


def test_cmyk_jpeg(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(path)  # pure red in CMYK
    red, green, blue = np.asarray(load_rgb(path))[12, 12].tolist()
    assert red > 200 and green < 60 and blue < 60


def test_16_bit_grey_is_scaled_not_clipped(tmp_path):
    path = tmp_path / "grey16.png"
    ramp = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    pixels = np.asarray(load_rgb(path))[..., 0].astype(float)
    assert pixels.min() == 0 and pixels.max() == 255
    assert 120 < pixels.mean() < 135  # a naive convert() gives ~254: almost all white


def test_16_bit_rgb(tmp_path):
    path = tmp_path / "rgb16.png"
    array = np.zeros((20, 20, 3))
    array[..., 0], array[..., 1] = 65535, 32768
    _png16_rgb(array, path)
    assert np.asarray(load_rgb(path))[0, 0].tolist() == [255, 128, 0]


def test_exif_rotation_is_applied(tmp_path):
    path = tmp_path / "rotated.jpg"
    image = Image.new("RGB", (60, 30), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 30, 30))  # white on the left half
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    image.save(path, exif=exif, quality=95)
    upright = load_rgb(path)
    assert upright.size == (30, 60)
    pixels = np.asarray(upright).mean(axis=2)
    assert pixels[:30].mean() > 200 and pixels[30:].mean() < 50  # the white half is now on top


def test_fit_size_keeps_aspect():
    assert fit_size(400, 300, 128) == (128, 96)
    assert fit_size(300, 400, 128) == (96, 128)


def test_atomic_png_carries_text(tmp_path):
    path = tmp_path / "out.png"
    save_png_atomic(Image.new("RGB", (20, 20)), path, {"stylecore": '{"a": 1}'})
    assert read_png_spec(path) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_a_96_megapixel_photo_opens_and_decodes_reduced_when_asked(tmp_path):
    """Artists' originals are this big: Pillow's bomb guard refused them."""
    path = tmp_path / "big.jpg"
    Image.new("RGB", (12000, 8000), (120, 90, 60)).save(path, quality=70)
    assert load_rgb(path, longest=512).size == (1500, 1000)  # JPEG draft: 1/8 of the work
    assert image_size(path) == (12000, 8000)
    assert load_rgb(path).size == (12000, 8000)


def test_the_size_limit_is_a_setting_and_says_how_to_raise_it(tmp_path, monkeypatch):
    from stylecore import images

    path = tmp_path / "wide.png"
    Image.new("RGB", (3000, 1000)).save(path)
    monkeypatch.setitem(images._limit, "megapixels", 2.0)
    with pytest.raises(ImageError, match=r"3000x1000 is 3 MP, above the limit of 2 MP .*"
                       r"max_image_megapixels = 50 in studio\.toml"):  # fmt: skip
        load_rgb(path)


def test_a_file_this_user_may_not_read_says_so(tmp_path, monkeypatch):
    """Not 'damaged or truncated': root reads anything, so the refusal is injected here."""
    from stylecore import images

    path = tmp_path / "locked.png"
    Image.new("RGB", (32, 32)).save(path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(images.Image, "open", refuse)
    with pytest.raises(ImageError, match=r"locked\.png: permission denied"):
        load_rgb(path)


def test_check_image_refuses_by_size_from_the_header_alone(tmp_path, monkeypatch):
    from stylecore import images

    path = tmp_path / "wide.png"
    Image.new("RGB", (3000, 2000)).save(path)
    assert images.check_image(path) == (3000, 2000)
    monkeypatch.setitem(images._limit, "megapixels", 5.0)
    with pytest.raises(images.ImageError, match="6 MP, above the limit of 5 MP"):
        images.check_image(path)
