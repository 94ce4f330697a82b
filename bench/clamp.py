"""Clamp benchmark: the loss of the image actually saved against the engine's own final loss.

For each bundled pair the render runs as the engine does, then the saved 8-bit image is fed
back through the same objective. Before bounded optimisation the saved image scored well
above the reported loss (pixels ran free and were clipped at save); with it, the two agree.
Also counts the pixels that sit at 0 or 255 in the saved image.

    python bench/clamp.py [--size 128] [--iterations 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stylecore.gatys.engine import Renderer, pil_to_rgb, rgb_to_caffe  # noqa: E402
from stylecore.images import load_rgb  # noqa: E402
from stylecore.rendering import RenderRequest, StyleInput  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402

PAIRS = (("chelsea.png", "starry_night.jpg"), ("astronaut.png", "shipwreck.jpg"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    renderer = Renderer("cpu")
    print("| pair | engine's final loss | saved image's loss | ratio | pixels at 0 or 255 | s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for content, style in PAIRS:
        settings = RenderSettings(
            image_size=args.size, num_iterations=args.iterations, seed=1, init="content"
        )
        request = RenderRequest(
            REPO / "samples/contents" / content,
            (StyleInput(REPO / "samples/styles" / style),),
            settings,
        )
        started = time.perf_counter()
        result = renderer.render(request)
        seconds = time.perf_counter() - started
        net = renderer.network(settings)
        content_rgb = pil_to_rgb(
            load_rgb(request.content, args.size).resize(result.image.size), renderer.device
        )
        objective = renderer._objective(
            net,
            settings,
            [request],
            content_rgb,
            {s.path: load_rgb(s.path, args.size) for s in request.styles},
            max(result.image.size),
            False,
            None,
        )
        saved = rgb_to_caffe(pil_to_rgb(result.image, renderer.device))
        saved_loss = objective.report(saved)[0].total
        pixels = np.asarray(result.image)
        clipped = float(((pixels == 0) | (pixels == 255)).any(axis=2).mean())
        print(
            f"| {Path(content).stem} x {Path(style).stem} | {result.losses.total:.4g} | "
            f"{saved_loss:.4g} | {saved_loss / result.losses.total:.3f} | {clipped:.1%} | "
            f"{seconds:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
