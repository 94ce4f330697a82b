"""`make demo`: a studio made from the bundled samples, every pair queued and rendered.

Creates ./demo-studio (or reuses it), copies the sample photos and paintings in, queues every
content x style pair at a preset that finishes in a few minutes on a CPU (the `final` preset
when CUDA is present) and runs the render loop until the queue is empty.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

from stylecore.queue import JobQueue
from stylecore.studio import Studio, list_images
from stylecore.worker import RenderLoop

from .render_display import RenderDisplay

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"

DEMO_PRESET = """
[presets.demo]        # small enough for a CPU: 16 renders in a few minutes
image_size = 128
num_iterations = 80
"""


def make_demo_studio(root: Path) -> Studio:
    studio = Studio.init(root)
    for kind in ("contents", "styles"):
        for image in list_images(SAMPLES / kind):
            target = studio.root / kind / image.name
            if not target.exists():
                shutil.copy2(image, target)
    shutil.copy2(SAMPLES / "SOURCES.md", studio.root / "SOURCES.md")
    text = studio.toml.read_text(encoding="utf-8")
    if "[presets.demo]" not in text:
        studio.toml.write_text(text + DEMO_PRESET, encoding="utf-8")
    return Studio.open(root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studio", type=Path, default=REPO / "demo-studio")
    parser.add_argument("--preset", help="default: demo on a CPU, final with CUDA")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    studio = make_demo_studio(args.studio)
    preset = args.preset or ("final" if torch.cuda.is_available() else "demo")
    settings = studio.config.preset(preset)
    with JobQueue(studio) as queue:
        added, total = queue.add_cross(
            list_images(studio.contents), list_images(studio.styles), settings
        )
    print(f"demo studio: {studio.root}")
    print(f"queued {len(added)} new job(s) of {total} pairs, preset {preset!r}")
    display = RenderDisplay()
    loop = RenderLoop(studio, device=args.device, until_idle=True, on_event=display.handle)
    with display:
        loop.run()
    print(f"{loop.rendered} rendered, {loop.failed} failed.")
    print(f"Renders and their JSON sidecars are in {studio.renders}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
