"""Speed of the image statistics: milliseconds per image at the analysis size, over 100 images.

The 100 images are the 8 bundled samples, cropped, mirrored and colour-shifted into distinct
pictures. Reported: the statistics alone on the analysis-size copy (the target is under 50 ms),
and end to end from the file (decode, orientation, resize, statistics).

    python bench/stats.py [--count 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stylecore.images import load_rgb  # noqa: E402
from stylecore.stats.measure import ANALYSIS_SIZE, analysis_copy, compute_stats  # noqa: E402


def variants(count: int, folder: Path) -> list[Path]:
    sources = sorted((REPO / "samples/contents").iterdir()) + sorted(
        (REPO / "samples/styles").iterdir()
    )
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        image = load_rgb(sources[index % len(sources)])
        w, h = image.size
        left, top = int(rng.uniform(0, 0.2) * w), int(rng.uniform(0, 0.2) * h)
        image = image.crop((left, top, left + int(0.8 * w), top + int(0.8 * h)))
        if index % 2:
            image = ImageOps.mirror(image)
        shift = rng.uniform(0.8, 1.2, 3)
        array = np.clip(np.asarray(image, float) * shift, 0, 255).astype(np.uint8)
        path = folder / f"variant_{index:03d}.jpg"
        Image.fromarray(array).save(path, quality=92)
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = variants(args.count, Path(folder))
        copies = [analysis_copy(load_rgb(p)) for p in paths]
        compute_stats(copies[0])  # warm up imports and caches
        per_image = []
        for copy in copies:
            started = time.perf_counter()
            compute_stats(copy)
            per_image.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for path in paths:
            compute_stats(path)
        whole = (time.perf_counter() - started) * 1000 / len(paths)
    print(f"# image statistics, {date.today()}, {len(paths)} images, longest side {ANALYSIS_SIZE}")
    print(
        f"statistics at the analysis size: median {statistics.median(per_image):.1f} ms, "
        f"mean {statistics.mean(per_image):.1f} ms, max {max(per_image):.1f} ms per image"
    )
    print(f"end to end from the file (decode + resize + statistics): {whole:.1f} ms per image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
