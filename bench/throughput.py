"""Throughput of the render loop: one content x 16 styles, renders per hour, by batch size.

The 16 styles are the 4 bundled paintings, each also mirrored, flipped and rotated (different
files, so different jobs). Each configuration runs the real loop (`RenderLoop`, until idle)
on a fresh studio.

    python bench/throughput.py [--size 256] [--iterations 50] [--batches 1 4] [--device cpu]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stylecore.gatys.engine import describe_device  # noqa: E402
from stylecore.loops.local import RenderLoop  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402


def make_studio(root: Path) -> Studio:
    studio = Studio.init(root)
    shutil.copy(REPO / "samples/contents/chelsea.png", studio.contents)
    for painting in sorted((REPO / "samples/styles").iterdir()):
        image = Image.open(painting).convert("RGB")
        variants = {
            "": image,
            "-mirror": ImageOps.mirror(image),
            "-flip": ImageOps.flip(image),
            "-rot": image.rotate(180),
        }
        for suffix, variant in variants.items():
            variant.save(studio.styles / f"{painting.stem}{suffix}.png")
    return studio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    settings = RenderSettings(image_size=args.size, num_iterations=args.iterations)
    results = []
    for batch in args.batches:
        root = Path(tempfile.mkdtemp(prefix=f"throughput-b{batch}-"))
        studio = make_studio(root)
        with JobQueue(studio) as queue:
            queue.add_cross(
                sorted(studio.contents.iterdir()), sorted(studio.styles.iterdir()), settings
            )
        loop = RenderLoop(studio, device=args.device, batch=batch, until_idle=True)
        loop.renderer.network(settings)  # weights loaded before the clock starts
        started = time.perf_counter()
        loop.run()
        seconds = time.perf_counter() - started
        per_hour = loop.rendered / seconds * 3600
        device = describe_device(loop.renderer.device)
        results.append((batch, loop.rendered, seconds, per_hour))
        print(
            f"batch {batch}: {loop.rendered} renders in {seconds:.1f} s = "
            f"{per_hour:.0f} renders/hour ({device}, {args.size} px, {args.iterations} iterations)",
            flush=True,
        )
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n| batch | renders | seconds | renders/hour |  ({date.today()}, {device})")
    print("| --- | --- | --- | --- |")
    for batch, rendered, seconds, per_hour in results:
        print(f"| {batch} | {rendered} | {seconds:.1f} | {per_hour:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
