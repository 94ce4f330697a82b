"""Pictures as sixel data, encoded with whole-array operations.

textual-image's encoder walks every colour of every six-pixel band in Python: the loupe's
920 x 720 px view of a textured render at 100% (160x50) took it 1.8 s, on every zoom and pan
key. Here the same stream is made by sorting and run-length coding arrays in 0.14 s
(bench/sixel.py), so that a sixel terminal's loupe keeps up with the keys.

The stream: the picture quantised to at most 256 colours (Pillow's fast octree, no dithering:
dither noise at 100% would read as brushwork that is not there); then, band by band, each
colour's six-pixel columns as characters, runs of four or more written `!count`, each
colour's row ended by `$` and each band by `-`. Zero bits leave the screen as it was (P2=1),
so a picture whose height is not a multiple of six paints no rows below itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray
from PIL import Image

#: Sixel colour registers: terminals offer 256 (xterm, foot, WezTerm, mlterm).
COLOURS = 256
_BAND = 6  # pixel rows per band
_LONGEST = 9999  # the longest run or gap one count writes; longer ones are split
_START = b"\x1bP0;1;0q"  # DCS, 1:1 pixels, zero bits leave the screen alone
_END = b"\x1b\\"
_CHUNK = 65535 // (COLOURS + 1)  # bands whose (band, colour) keys fit 16 bits
_POOL: ThreadPoolExecutor | None = None  # the encoder's threads, started on first use
_POOL_LOCK = threading.Lock()


def _counted(tail: bytes, width: int) -> NDArray[np.uint8]:
    """Row n: n repetitions of `tail` written as sixel does, `tail` * n up to three and
    `!n` + `tail` above, left-aligned in `width` bytes and padded with zero bytes."""
    table = np.zeros((_LONGEST + 1, width), np.uint8)
    for n in range(_LONGEST + 1):
        text = tail * n if n <= 3 else b"!%d%s" % (n, tail)
        table[n, : len(text)] = np.frombuffer(text, np.uint8)
    return table


_GAPS = _counted(b"?", 6)  # n empty columns: "???" or "!n?"
_COUNTS = _counted(b"", 5)  # the "!n" of a run of n (nothing for three or fewer)
_PERCENT = [b"%d" % ((value * 100 + 127) // 255) for value in range(256)]  # RGB as percent
_SELECT = np.zeros((COLOURS, 4), np.uint8)  # "#c": select colour c
for _colour in range(COLOURS):
    _text = b"#%d" % _colour
    _SELECT[_colour, : len(_text)] = np.frombuffer(_text, np.uint8)


def sixel_data(image: Image.Image) -> str:
    """`image` (any mode; drawn opaque) as one sixel picture, DCS to ST."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    paletted = rgb.quantize(COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    # No wider than one count can write (no terminal draws 10,000 px anyway).
    indices = np.asarray(paletted, dtype=np.uint8)[:, :_LONGEST]
    height, width = indices.shape
    palette = (paletted.getpalette() or [0, 0, 0])[: 3 * (int(indices.max()) + 1)]
    percent = [_PERCENT[value] for value in palette]
    registers = b"".join(
        b"#%d;2;%s;%s;%s" % (number // 3, percent[number], percent[number + 1], percent[number + 2])
        for number in range(0, len(percent) - 2, 3)
    )
    header = _START + b'"1;1;%d;%d' % (width, height) + registers
    # In pieces of up to _CHUNK bands: a band and a colour are sorted as one 16-bit key.
    rows = _CHUNK * _BAND
    body = b"-".join(_body(indices[top : top + rows]) for top in range(0, height, rows))
    return (header + body + _END).decode("ascii")


def sixel_data_many(images: Sequence[Image.Image]) -> list[str]:
    """Each of `images` as sixel data, encoded side by side on up to four cores (the sorting,
    quantising and array work release the GIL: the loupe's 16 blocks took 98 ms on one core
    and 78 ms on two, bench/sixel.py)."""
    if len(images) <= 1 or _cores() <= 1:
        return [sixel_data(image) for image in images]
    return [future.result() for future in sixel_data_later(images)]


def sixel_data_later(images: Sequence[Image.Image]) -> list[Future[str]]:
    """Each of `images` as sixel data, encoded on the encoder's threads from now on: a widget
    starts its blocks when it is given its picture and takes them when it is drawn, so that
    the encoding overlaps the app's layout and the other pictures' encoding."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            workers = min(4, _cores())
            _POOL = ThreadPoolExecutor(workers, thread_name_prefix="sixel")
        pool = _POOL
    return [pool.submit(sixel_data, image) for image in images]


def shutdown_encoder() -> None:
    """Stop the encoder's threads (the app closing; a later encoding starts them again)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _body(indices: NDArray[np.uint8]) -> bytes:
    """The bands of a paletted picture (palette index per pixel) as sixel characters."""
    height, width = indices.shape
    bands = -(-height // _BAND)
    # Pixel (band, x, bit): grouped by band and colour with a stable radix sort, which keeps
    # each group in column order with a column's bits together.
    padded = np.empty((bands * _BAND, width), np.uint16)
    padded[:height] = indices
    padded[height:] = COLOURS  # below the picture: a colour of its own, never drawn
    key = np.ascontiguousarray(padded.reshape(bands, _BAND, width).transpose(0, 2, 1))
    key += (np.arange(bands, dtype=np.uint16) * (COLOURS + 1))[:, None, None]
    flat = key.ravel()
    order = np.argsort(flat, kind="stable").astype(np.int32)
    group = flat[order]
    pixel = order // _BAND  # band * width + x
    bit = (order - pixel * _BAND).astype(np.uint8)
    drawn = (group % (COLOURS + 1)) != COLOURS
    group, pixel, bit = group[drawn], pixel[drawn], bit[drawn]
    # One sixel per (group, column): its bits ORed together.
    new_column = np.empty(len(group), bool)
    new_column[0] = True
    np.not_equal(pixel[1:], pixel[:-1], out=new_column[1:])
    new_column[1:] |= group[1:] != group[:-1]
    starts = np.flatnonzero(new_column)
    value = np.bitwise_or.reduceat(np.left_shift(np.uint8(1), bit), starts)
    group = group[starts]
    x = (pixel[starts] % width).astype(np.int32)
    # Runs: neighbouring columns of one group with the same sixel.
    new_run = np.empty(len(group), bool)
    new_run[0] = True
    new_run[1:] = (group[1:] != group[:-1]) | (x[1:] != x[:-1] + 1) | (value[1:] != value[:-1])
    run_starts = np.flatnonzero(new_run)
    length = np.diff(run_starts, append=len(group)).astype(np.int32)
    group, x, value = group[run_starts], x[run_starts], value[run_starts]
    first = np.empty(len(group), bool)  # the first run of its colour's row in its band
    first[0] = True
    first[1:] = group[1:] != group[:-1]
    gap = x.copy()  # empty columns before the run
    gap[1:] -= np.where(first[1:], 0, x[:-1] + length[:-1])
    band = group // (COLOURS + 1)
    last = np.empty(len(group), bool)
    last[-1] = True
    last[:-1] = first[1:]
    band_end = np.empty(len(group), bool)
    band_end[-1] = False  # the last band needs no newline
    band_end[:-1] = band[1:] != band[:-1]
    char = (value + 63).astype(np.uint8)
    short = length <= 3
    # Each run's bytes in a fixed slot: colour select, gap, count, the sixel up to three
    # times, the row's end; zero bytes are dropped.
    slot = np.empty((len(group), 4 + 6 + 5 + 3 + 1), np.uint8)
    slot[:, 0:4] = 0
    row_starts = np.flatnonzero(first)
    slot[row_starts, 0:4] = _SELECT.take(group[row_starts] % (COLOURS + 1), axis=0)
    slot[:, 4:10] = _GAPS.take(gap, axis=0)
    slot[:, 10:15] = _COUNTS.take(length, axis=0)
    slot[:, 15] = char
    slot[:, 16] = char * (short & (length >= 2))
    slot[:, 17] = char * (short & (length >= 3))
    slot[:, 18] = np.where(last, np.where(band_end, ord("-"), ord("$")), 0)
    body: bytes = slot[slot != 0].tobytes()
    return body
