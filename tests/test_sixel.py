"""The fast sixel encoder, read back by a plain decoder (tests/sixel_decoder.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from curator.service.sixel import sixel_data
from tests.sixel_decoder import decode, percent

pytestmark = pytest.mark.timeout(60)


def _quantised(image: Image.Image) -> list[list[tuple[int, int, int]]]:
    """What the encoder should draw: the picture in its own 256 colours, as percentages."""
    paletted = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette = paletted.getpalette() or []
    indices = np.asarray(paletted)
    return [
        [percent(tuple(palette[3 * i : 3 * i + 3])) for i in row]  # type: ignore[arg-type]
        for row in indices.tolist()
    ]


def _noise(width: int, height: int, colours: int, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, colours, (height, width))
    palette = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    return Image.fromarray(palette[levels], "RGB")


@pytest.mark.parametrize(("width", "height"), [(1, 1), (5, 6), (17, 7), (40, 13), (64, 36), (3, 1)])
def test_every_pixel_is_drawn_in_its_colour_and_nothing_else(width: int, height: int) -> None:
    image = _noise(width, height, 9)
    assert decode(sixel_data(image)) == _quantised(image)


def test_runs_gaps_and_many_colours_read_back() -> None:
    # Long runs (counts), long gaps in a colour's row, and all 256 registers in use.
    rng = np.random.default_rng(4)
    pixels = np.zeros((30, 300, 3), np.uint8)
    pixels[:, :150] = (200, 30, 30)  # a run of 150 columns in every band
    pixels[:, 150:] = rng.integers(0, 256, (30, 150, 3), dtype=np.uint8)  # hundreds of colours
    pixels[7, 280] = (200, 30, 30)  # the run's colour again after a long gap
    image = Image.fromarray(pixels, "RGB")
    data = sixel_data(image)
    assert "!150" in data  # the run written as a count
    assert decode(data) == _quantised(image)


def test_a_tall_picture_is_encoded_in_pieces_and_reads_back_whole() -> None:
    # Taller than one 16-bit (band, colour) key covers: 1530 px.
    image = _noise(3, 1700, 5, seed=2)
    assert decode(sixel_data(image)) == _quantised(image)


def test_a_photograph_keeps_its_colours() -> None:
    from pathlib import Path

    sample = next((Path(__file__).parent.parent / "samples").rglob("*.jpg"))
    image = Image.open(sample).convert("RGB").resize((120, 90))
    drawn = np.array(decode(sixel_data(image)), dtype=np.int32)
    original = np.asarray(image, dtype=np.int32) * 100 // 255
    assert np.abs(drawn - original).mean() < 3  # percent: octree quantisation's error


def test_other_modes_are_drawn_opaque() -> None:
    image = _noise(10, 8, 4).convert("RGBA")
    image.putalpha(0)
    assert decode(sixel_data(image)) == _quantised(image.convert("RGB"))


def test_many_pictures_are_encoded_alike_side_by_side() -> None:
    from curator.service.sixel import sixel_data_many

    pictures = [_noise(30 + n, 20, 7, seed=n) for n in range(6)]
    assert sixel_data_many(pictures) == [sixel_data(picture) for picture in pictures]
    assert sixel_data_many([]) == []


def test_pictures_encoded_later_come_back_alike_and_the_threads_stop() -> None:
    """The encoder's threads (a widget starts its blocks before it is drawn) give the same data,
    and stop when the app closes; a later encoding starts them again."""
    import threading

    from curator.service.sixel import shutdown_encoder, sixel_data_later

    pictures = [_noise(40, 30, 7, seed=n) for n in range(5)]
    try:
        later = sixel_data_later(pictures)
        assert [future.result(timeout=30) for future in later] == [
            sixel_data(picture) for picture in pictures
        ]
        assert any(thread.name.startswith("sixel") for thread in threading.enumerate())
    finally:
        shutdown_encoder()
    assert not any(thread.name.startswith("sixel") for thread in threading.enumerate())
    try:
        assert sixel_data_later(pictures[:1])[0].result(timeout=30) == sixel_data(pictures[0])
    finally:
        shutdown_encoder()
