"""The measurements of bench/gpu.sh: per-step time and loss of the Gatys engine by precision,
memory layout, L-BFGS history and batch, and the preview engine's time, on one device.

Each case renders the bundled pair (chelsea x starry night) for a fixed number of steps and
prints one markdown row: size, case, seconds per step (median of the reps, the first step
excluded), final loss, peak device memory. `--quick` is the CPU smoke run the test suite
does: toy sizes, a few steps, the same code paths.

    python bench/gpu_probe.py --device cuda --sizes 512 1024 --steps 100 --reps 3
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.engine import NEURAL_STYLE_OBJECTIVE  # noqa: E402
from stylecore.gatys.engine import Renderer  # noqa: E402
from stylecore.preview.painter import PreviewPainter  # noqa: E402
from stylecore.rendering import RenderRequest, StyleInput  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402

CONTENT = REPO / "samples/contents/chelsea.png"
STYLE = REPO / "samples/styles/starry_night.jpg"

#: (case, settings changes, channels_last, batch)
CASES = (
    ("fp32", {}, True, 1),
    ("fp32 NCHW", {}, False, 1),
    ("bf16", {"precision": "bf16"}, True, 1),
    ("fp32 history 20", {"lbfgs_history": 20}, True, 1),
    ("fp32 batch 4", {}, True, 4),
    ("bf16 batch 4", {"precision": "bf16"}, True, 4),
    ("fp32 batch 8", {}, True, 8),
    ("bf16 batch 8", {"precision": "bf16"}, True, 8),
)
#: bf16 is worth having only if its renders stay this close to fp32's loss.
BF16_LOSS_TOLERANCE = 0.02


def one(device: str, size: int, steps: int, changes: dict, channels_last: bool, batch: int):
    renderer = Renderer(device, channels_last=channels_last, init_painter=PreviewPainter(device))
    settings = RenderSettings(
        image_size=size, num_iterations=steps, **{**NEURAL_STYLE_OBJECTIVE, **changes}
    )
    requests = [
        RenderRequest(CONTENT, (StyleInput(STYLE),), settings.replace(seed=seed))
        for seed in range(batch)
    ]
    stamps: list[float] = []
    if renderer.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()

    def tick(_progress: object) -> None:
        if renderer.device.type == "cuda":
            torch.cuda.synchronize()
        stamps.append(time.perf_counter())

    results = renderer.render_batch(requests, tick)
    steps_s = [b - a for a, b in itertools.pairwise(stamps)] or [float("nan")]
    peak = torch.cuda.max_memory_allocated() / 2**30 if renderer.device.type == "cuda" else 0.0
    loss = statistics.mean(r.losses.total for r in results)
    return statistics.median(steps_s) / batch, loss, peak


def preview_seconds(device: str, size: int, reps: int) -> float:
    from stylecore.preview.engine import PreviewEngine

    engine = PreviewEngine(device)
    request = RenderRequest(CONTENT, (StyleInput(STYLE),), RenderSettings(image_size=size))
    engine.render(request)  # warm-up: session start, style vector
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        engine.render(request)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(f"# bench/gpu_probe.py on {name}, torch {torch.__version__}")
    print("| size | case | s/step per render | final loss | peak GiB |")
    print("| --- | --- | --- | --- | --- |")
    checks = []
    for size in args.sizes:
        losses = {}
        for case, changes, channels_last, batch in CASES:
            runs = [
                one(args.device, size, args.steps, changes, channels_last, batch)
                for _ in range(args.reps)
            ]
            per_step = statistics.median(r[0] for r in runs)
            loss = losses[case] = statistics.median(r[1] for r in runs)
            peak = max(r[2] for r in runs)
            print(f"| {size} | {case} | {per_step:.4f} | {loss:.4g} | {peak:.2f} |", flush=True)
        gap = losses["bf16"] / losses["fp32"] - 1
        ok = "within" if abs(gap) <= BF16_LOSS_TOLERANCE else "OUTSIDE"
        checks.append(f"{size} px: bf16 loss {gap:+.2%} of fp32's, {ok} {BF16_LOSS_TOLERANCE:.0%}")
        seconds = preview_seconds(args.device, size, args.reps)
        print(f"| {size} | preview network | {seconds:.4f} (whole preview) | - | - |", flush=True)
    print()
    for line in checks:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
