"""Preview pass speed: previews per second at 512 px, and 100 styles on one photo end to end.

1. The engine alone: one photo, 20 different styles (so every style vector is computed), 512 px
   on the longest side; after a warm-up, the rate over the 20.
2. Through the studio: 100 style images (the 4 bundled paintings cropped, mirrored, rotated and
   hue-shifted into distinct files), `curator preview` queues them on one photo, and the real
   render loop (`RenderLoop`, until idle) renders them; timed from queueing to the last file,
   weights and model loading included.

    python bench/preview.py [--size 512] [--styles 100] [--device auto]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stylecore.loops.local import RenderLoop  # noqa: E402
from stylecore.preview.engine import PreviewEngine  # noqa: E402
from stylecore.rendering import RenderRequest, StyleInput  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402


def style_variants(folder: Path, count: int) -> list[Path]:
    """`count` distinct style images from the 4 bundled paintings."""
    paintings = [Image.open(p).convert("RGB") for p in sorted((REPO / "samples/styles").iterdir())]
    paths = []
    for index in range(count):
        image = paintings[index % len(paintings)]
        variant = index // len(paintings)
        w, h = image.size
        crop = 0.6 + 0.4 * ((variant * 7) % 10) / 10
        left = int((w - w * crop) * ((variant * 3) % 5) / 4)
        top = int((h - h * crop) * ((variant * 2) % 5) / 4)
        picture = image.crop((left, top, left + int(w * crop), top + int(h * crop)))
        if variant % 2:
            picture = ImageOps.mirror(picture)
        if variant % 3 == 1:
            picture = picture.rotate(90, expand=True)
        hsv = np.asarray(picture.convert("HSV")).copy()
        hsv[..., 0] = (hsv[..., 0].astype(int) + variant * 11) % 256
        picture = Image.fromarray(hsv, "HSV").convert("RGB")
        path = folder / f"style_{index:03d}.jpg"
        picture.save(path, quality=92)
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--styles", type=int, default=100)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    styles = style_variants(work, max(args.styles, 21))
    content = REPO / "samples/contents/chelsea.png"
    settings = RenderSettings(image_size=args.size, num_iterations=0)

    engine = PreviewEngine(args.device)
    engine.render(RenderRequest(content, (StyleInput(styles[20]),), settings))  # warm up
    started = time.perf_counter()
    for style in styles[:20]:
        image = engine.render(RenderRequest(content, (StyleInput(style),), settings)).image
    seconds = time.perf_counter() - started
    print(f"# preview engine, {date.today()}, device {engine.device} ({engine.providers[0]})")
    print(f"engine alone: 20 previews at {image.size[0]}x{image.size[1]} in {seconds:.2f} s"
          f" = {20 / seconds:.1f} previews/s")  # fmt: skip

    studio = Studio.init(work / "studio")
    shutil.copy(content, studio.contents)
    for style in styles[: args.styles]:
        shutil.move(str(style), studio.styles / style.name)
    started = time.perf_counter()
    with JobQueue(studio) as queue:
        added, _ = queue.add_cross(
            list(studio.contents.iterdir()), sorted(studio.styles.iterdir()), settings,
            priority=10, engine="preview",
        )  # fmt: skip
    loop = RenderLoop(studio, device=args.device, until_idle=True)
    loop.run()
    seconds = time.perf_counter() - started
    files = len(list(studio.renders.glob("*.png")))
    rate = files / seconds
    print(f"through the queue: {len(added)} styles on one photo, {files} previews written in"
          f" {seconds:.1f} s = {rate:.1f} previews/s (loop start-up included)")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
