"""Where a Gatys step's time goes: VGG's convolutions, the Gram matrices, L-BFGS's own vector
work and the rest, from torch's profiler over a real render (issue 17: "lower cost per step
where it still exists: measure the L-BFGS history, the Gram computation").

Renders the bundled pair (chelsea x starry night) with the defaults but `init = content` for
`--steps` steps at `--size` px, profiled after `--warmup` steps, and groups the self time of
every operator: convolutions (forward and backward), Gram (the batched matmuls of F F^T and its
one-matmul backward), pooling, ReLU and the rest (the losses, TV, L-BFGS's vector work). Also
the wall time inside three ranges: the objective's forward passes, the L-BFGS two-loop
recursion (the history's cost) and its line search (whose trial forward passes it includes).

    python bench/step_profile.py [--size 512] [--steps 10] [--history 100] [--device cpu]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from torch.profiler import ProfilerActivity, profile, record_function

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.engine import machine  # noqa: E402
from stylecore.gatys import engine, lbfgs  # noqa: E402
from stylecore.gatys.engine import Renderer  # noqa: E402
from stylecore.rendering import RenderRequest, StyleInput  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402

CONTENT = REPO / "samples/contents/chelsea.png"
STYLE = REPO / "samples/styles/starry_night.jpg"

#: (group, words in an operator's name that put it there), first match wins.
GROUPS = (
    ("convolutions", ("convolution", "conv2d")),
    ("Gram (bmm)", ("bmm",)),
    ("pooling", ("pool",)),
    ("ReLU", ("relu", "threshold")),
)


@contextmanager
def labelled(owner: Any, name: str, label: str):
    """Wrap `owner.name` in a profiler range called `label` while the block runs."""
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with record_function(label):
            return original(*args, **kwargs)

    setattr(owner, name, wrapped)
    try:
        yield
    finally:
        setattr(owner, name, original)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    renderer = Renderer(args.device)
    settings = RenderSettings(
        image_size=args.size,
        num_iterations=args.warmup + args.steps,
        init="content",
        lbfgs_history=args.history,
        scales="single",
    )
    request = RenderRequest(CONTENT, (StyleInput(STYLE),), settings)
    stamps: list[float] = []
    prof = profile(activities=[ProfilerActivity.CPU], record_shapes=False)

    def on_progress(progress: Any) -> None:
        stamps.append(time.perf_counter())
        if progress.iteration == args.warmup:
            prof.start()

    with (
        labelled(lbfgs.BatchedLBFGS, "_two_loop", "lbfgs two-loop"),
        labelled(lbfgs.BatchedLBFGS, "_search", "lbfgs search"),
        labelled(engine.Objective, "breakdown", "objective"),
    ):
        renderer.render(request, on_progress)
    prof.stop()
    step = (stamps[-1] - stamps[args.warmup - 1]) / args.steps
    events = prof.key_averages()
    total_self = sum(e.self_cpu_time_total for e in events)
    groups: dict[str, float] = defaultdict(float)
    ranges = {e.key: e.cpu_time_total for e in events if e.key.startswith(("lbfgs", "objective"))}
    for event in events:
        if event.key.startswith(("lbfgs", "objective")):
            continue
        name = event.key.lower()
        group = next((g for g, words in GROUPS if any(w in name for w in words)), None)
        groups[group or "other operators"] += event.self_cpu_time_total
    print(
        f"# step profile, {date.today()}, {machine()}; {args.size} px, history {args.history},"
        f" {args.steps} steps after {args.warmup}"
    )
    print(f"seconds per step (profiler on): {step:.3f}")
    print("| group | share of operator time |")
    print("| --- | --- |")
    for group, micros in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"| {group} | {100 * micros / total_self:.1f}% |")
    print()
    print("| range (wall, children included) | share of operator time |")
    print("| --- | --- |")
    for key, micros in sorted(ranges.items()):
        print(f"| {key} | {100 * micros / total_self:.1f}% |")
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:12]
    print()
    print("top operators by self time:")
    for event in top:
        print(f"  {event.key:40} {100 * event.self_cpu_time_total / total_self:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
