"""Benchmark: stylecore against pastiche on the same pair, size and steps.

Both engines get identical, pre-resized inputs and the same objective: pastiche's per-layer
weights are set so its losses equal neural-style's normalisation that stylecore uses (content
weight 5 on relu4_2; style weight 100 on Gram matrices divided by C*H*W; pastiche's Gram divides
by H*W only, so its layer weight is 100 / C^2), TV off in both, init from the content, L-BFGS
with history 100. Each run is its own subprocess (for an honest peak RSS), runs alternate
between engines, and the medians are reported. Every output is then scored by one common loss
function (stylecore's Objective at that size), so "final loss" means the same thing for both.

    python bench/engine.py --sizes 256 512 --steps 100 --reps 3 [--device cuda] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this tree's stylecore, whatever the venv has installed
CONTENT = REPO / "samples" / "contents" / "chelsea.png"
STYLE = REPO / "samples" / "styles" / "starry_night.jpg"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CHANNELS = {"relu1_1": 64, "relu2_1": 128, "relu3_1": 256, "relu4_1": 512, "relu5_1": 512}
CONTENT_WEIGHT, STYLE_WEIGHT = 5.0, 100.0
#: The settings that make stylecore's objective neural-style's, as pastiche runs it here: no
#: smoothing of either kind and VGG's zero padding, whatever stylecore's defaults are.
NEURAL_STYLE_OBJECTIVE = {"tv_weight": 0.0, "chroma_tv_weight": 0.0, "padding": "zeros"}


def prepare_inputs(size: int, folder: Path) -> tuple[Path, Path]:
    from stylecore.images import load_rgb, resize_longest

    content, style = folder / f"content_{size}.png", folder / f"style_{size}.png"
    resize_longest(load_rgb(CONTENT), size).save(content)
    resize_longest(load_rgb(STYLE), size).save(style)
    return content, style


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run_pastiche(content: Path, style: Path, size: int, steps: int, out: Path, device: str):
    import torch
    from pastiche.pastiche import PasticheArtist, save_image

    torch.manual_seed(0)
    started = time.perf_counter()
    artist = PasticheArtist(
        str(content),
        [str(style)],
        device=device,
        size=size,
        style_size=size,
        content_layers=["block4_relu2"],
        style_layers=[f"block{n[4]}_relu{n[6]}" for n in STYLE_LAYERS],
        content_layer_weights=[CONTENT_WEIGHT],
        style_layer_weights=[STYLE_WEIGHT / CHANNELS[n] ** 2 for n in STYLE_LAYERS],
        content_weight=1.0,
        style_weights=[1.0],
        tv_weight=0.0,
    )
    _sync(device)
    setup = time.perf_counter() - started
    loop = time.perf_counter()
    for _ in range(steps):
        artist.draw()
    _sync(device)
    seconds = time.perf_counter() - loop
    save_image(artist.pastiche, str(out))
    return setup, seconds


def run_stylecore(content: Path, style: Path, size: int, steps: int, out: Path, device: str):
    from stylecore.gatys.engine import Renderer
    from stylecore.rendering import RenderRequest, StyleInput
    from stylecore.settings import RenderSettings

    started = time.perf_counter()
    renderer = Renderer(device)
    settings = RenderSettings(
        image_size=size,
        num_iterations=steps,
        lbfgs_history=100,  # pastiche's (torch's default)
        init="content",
        scales=[(size, steps)],
        **NEURAL_STYLE_OBJECTIVE,
    )
    request = RenderRequest(content, (StyleInput(style),), settings)
    renderer.network(settings)  # the weights load is set-up, as pastiche's is
    setup = time.perf_counter() - started
    result = renderer.render(request)
    result.image.save(out)
    return setup, result.seconds_per_step * steps


def child(args: argparse.Namespace) -> None:
    """One engine, one size, in this process; prints a JSON line."""
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    run = run_pastiche if args.engine == "pastiche" else run_stylecore
    setup, seconds = run(
        Path(args.content), Path(args.style), args.size, args.steps, Path(args.out), args.device
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gpu_peak = torch.cuda.max_memory_allocated() / 2**20 if args.device.startswith("cuda") else 0
    print(
        json.dumps(
            {
                "engine": args.engine,
                "size": args.size,
                "setup_s": setup,
                "per_step_s": seconds / args.steps,
                "peak_rss_mb": peak_mb,
                "gpu_peak_mb": gpu_peak,
            }
        )
    )


def common_loss(image: Path, content: Path, style: Path, size: int) -> float:
    """The objective both engines minimised, evaluated by stylecore on the saved PNG."""
    import torch

    from stylecore.gatys.engine import pil_to_rgb, rgb_to_caffe
    from stylecore.images import load_rgb
    from stylecore.rendering import RenderRequest, StyleInput
    from stylecore.settings import RenderSettings

    renderer = _scorer()
    settings = RenderSettings(image_size=size, num_iterations=0, **NEURAL_STYLE_OBJECTIVE)
    request = RenderRequest(content, (StyleInput(style),), settings)
    content_rgb = pil_to_rgb(load_rgb(content), renderer.device)
    objective = renderer._objective(
        renderer.network(settings),
        settings,
        [request],
        content_rgb,
        {style: load_rgb(style)},
        size,
        False,
        None,
    )
    param = rgb_to_caffe(pil_to_rgb(load_rgb(image), renderer.device))
    with torch.no_grad():
        return objective.report(param)[0].total


_SCORER = None


def _scorer():
    global _SCORER
    if _SCORER is None:
        from stylecore.gatys.engine import Renderer

        _SCORER = Renderer("cpu")
    return _SCORER


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"torch {torch.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--engines", nargs="+", default=["pastiche", "stylecore"])
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    # internal: one child run
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--content", help=argparse.SUPPRESS)
    parser.add_argument("--style", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-engine-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"# stylecore vs pastiche, {date.today()}, {machine()}, device {args.device}")
    print(f"# {args.steps} L-BFGS steps, {args.reps} interleaved runs each, medians\n")
    rows = []
    for size in args.sizes:
        content, style = prepare_inputs(size, folder)
        runs: dict[str, list[dict]] = {engine: [] for engine in args.engines}
        for rep in range(args.reps):
            order = args.engines if rep % 2 == 0 else list(reversed(args.engines))
            for engine in order:
                out = folder / f"{engine}_{size}_{rep}.png"
                command = [
                    sys.executable, __file__, "--child", "--engine", engine, "--size", str(size),
                    "--steps", str(args.steps), "--content", str(content), "--style", str(style),
                    "--out", str(out), "--device", args.device,
                ]  # fmt: skip
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    sys.exit(f"{engine} at {size} px failed:\n{done.stderr}")
                record = json.loads(done.stdout.strip().splitlines()[-1])
                record["loss"] = common_loss(out, content, style, size)
                runs[engine].append(record)
                print(
                    f"  {engine:9} {size} px run {rep + 1}: {record['per_step_s']:.3f} s/step, "
                    f"peak {record['peak_rss_mb']:.0f} MB, loss {record['loss']:.5g}",
                    flush=True,
                )
        summary = {
            engine: {
                key: statistics.median(r[key] for r in records)
                for key in ("per_step_s", "peak_rss_mb", "gpu_peak_mb", "loss", "setup_s")
            }
            for engine, records in runs.items()
        }
        rows.append((size, summary))

    print("\n| size | engine | s/step | speed-up | peak RSS MB | final loss | loss vs pastiche |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for size, summary in rows:
        base = summary.get("pastiche")
        for engine, s in summary.items():
            speed = f"{base['per_step_s'] / s['per_step_s']:.2f}x" if base else "-"
            loss = f"{(s['loss'] / base['loss'] - 1) * 100:+.1f}%" if base else "-"
            print(
                f"| {size} | {engine} | {s['per_step_s']:.3f} | {speed} | "
                f"{s['peak_rss_mb']:.0f} | {s['loss']:.5g} | {loss} |"
            )


if __name__ == "__main__":
    main()
