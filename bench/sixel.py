"""Sixel encoding: curator's whole-array encoder against textual-image's, on what the app sends.

Three pictures from the 2048 x 1536 render bench/app.py makes (Starry Night enlarged, a textured
worst case): the loupe's view at 100% at 160x50 (920 x 720 px, as 16 blocks of a pan step and as
one picture), and a contact-sheet tile (240 x 180 px). Each timed as the median of several runs;
the blocks also on one core and side by side (`sixel_data_many`).

    python bench/sixel.py [--studio /tmp/bench-app-studio] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from curator.service.sixel import sixel_data, sixel_data_many  # noqa: E402

BIG = "big__starry_night__000000002048.png"


def timed(work: Callable[[], object], runs: int) -> float:
    """Median milliseconds of `runs` runs (after one to warm up)."""
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studio", type=Path, default=Path("/tmp/bench-app-studio"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = args.studio / "renders" / BIG
    if not path.exists():
        print(f"{path}: not found; run bench/app.py once to make it", file=sys.stderr)
        return 1
    from textual_image._sixel import image_to_sixels

    render = Image.open(path).convert("RGB")
    view = render.crop((500, 300, 1420, 1020))  # 92 x 36 cells of 10 x 20 px
    blocks = [
        view.crop((x, y, x + 230, y + 180)) for y in range(0, 720, 180) for x in range(0, 920, 230)
    ]
    tile = render.resize((240, 180))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# sixel encoding, {date.today()}, {cores} cores, median of {args.runs} runs (ms)")
    print(f"view 920x720, textual-image: {timed(lambda: image_to_sixels(view), args.runs):.0f}")
    print(f"view 920x720, curator, one picture: {timed(lambda: sixel_data(view), args.runs):.0f}")
    one_core = timed(lambda: [sixel_data(block) for block in blocks], args.runs)
    print(f"view 920x720, curator, 16 blocks on one core: {one_core:.0f}")
    side = timed(lambda: sixel_data_many(blocks), args.runs)
    print(f"view 920x720, curator, 16 blocks side by side: {side:.0f}")
    pan = timed(lambda: sixel_data_many(blocks[:4]), args.runs)
    print(f"a pan's 4 new blocks, side by side: {pan:.0f}")
    print(f"tile 240x180, textual-image: {timed(lambda: image_to_sixels(tile), args.runs):.1f}")
    print(f"tile 240x180, curator: {timed(lambda: sixel_data(tile), args.runs):.1f}")
    sizes = (len(image_to_sixels(view)), len(sixel_data(view)))
    print(f"bytes for the view: textual-image {sizes[0]}, curator {sizes[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
