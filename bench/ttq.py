"""Time to quality: stylecore's schedules against pastiche's 300 single-scale L-BFGS steps.

For each bundled pair and size: pastiche runs 300 steps (neural-style's objective, TV off, as
bench/engine.py matches them) in its own process; then each stylecore schedule runs as a whole
`stylecore render` process with snapshots every few iterations. Every output and snapshot is
scored by one common loss (stylecore's objective at that size). Reported per run: the wall
time of the whole process, the final common loss, the ratio of both to pastiche's, and the time
at which stylecore's snapshots first reach pastiche's final loss (from the snapshot files'
times). A strip of the outputs, side by side, is written for looking at.

    python bench/ttq.py [--sizes 384 512] [--pairs chelsea:starry_night astronaut:shipwreck]
        [--schedule "init=content" "init=preview scales=192:100,384:100"] [--keep DIR]
        [--pastiche-steps 300] [--strips DIR] [--crop 256] [--device cuda] [--reuse-pastiche]

`--pastiche-steps` sets pastiche's run (fewer steps for a comparison at equal wall time at
1024 px, where 300 steps take an hour on two cores); `--crop N` also writes an N px crop of
every output at 100%, from the picture's centre, for judging texture scale, smear and noise.

A schedule is `KEY=VALUE` words for `stylecore render` (init, scales, num_iterations...);
{S} in scales stands for the size and {H} for half of it, so one schedule serves every size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.engine import NEURAL_STYLE_OBJECTIVE, common_loss, machine  # noqa: E402

PASTICHE_STEPS = 300
DEFAULT_SCHEDULES = (
    "init=content num_iterations=100",
    "init=preview num_iterations=100",
    "init=preview scales={H}:100,{S}:100",
)


def prepare(pair: str, size: int, folder: Path) -> tuple[Path, Path]:
    from stylecore.images import load_rgb, resize_longest

    content_name, style_name = pair.split(":")
    content = next((REPO / "samples/contents").glob(f"{content_name}.*"))
    style = next((REPO / "samples/styles").glob(f"{style_name}.*"))
    paths = folder / f"{content_name}_{size}.png", folder / f"{style_name}_{size}.png"
    resize_longest(load_rgb(content), size).save(paths[0])
    resize_longest(load_rgb(style), size).save(paths[1])
    return paths


#: The stylecore under test is this tree's, whatever the venv has installed.
CHILD_ENV = {**os.environ, "PYTHONPATH": str(REPO)}
#: `stylecore render` options for neural-style's objective (a schedule's own words come after
#: them and win).
OBJECTIVE_OPTIONS = [
    word
    for key, value in NEURAL_STYLE_OBJECTIVE.items()
    for word in (f"--{key.replace('_', '-')}", str(value))
]


def run_pastiche(
    content: Path, style: Path, size: int, out: Path, steps: int, device: str = "cpu"
) -> float:
    command = [
        sys.executable, str(REPO / "bench/engine.py"), "--child", "--engine", "pastiche",
        "--size", str(size), "--steps", str(steps), "--content", str(content),
        "--style", str(style), "--out", str(out), "--device", device,
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True, env=CHILD_ENV)
    return time.perf_counter() - started


def run_stylecore(
    content: Path, style: Path, size: int, schedule: str, out: Path, every: int, device: str = "cpu"
) -> tuple[float, list[tuple[float, Path]]]:
    """Wall time of the whole process, and (seconds since start, file) of each snapshot."""
    words = schedule.replace("{H}", str(size // 2)).replace("{S}", str(size)).split()
    options: list[str] = []
    for word in words:
        key, value = word.split("=", 1)
        options += [f"--{key.replace('_', '-')}", value]
    snapshots = out.parent / f"{out.stem}-snapshots"
    snapshots.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "stylecore.cli", "render", str(content), str(style), "-o", str(out),
        "--image-size", str(size), *OBJECTIVE_OPTIONS, "--device", device, "--quiet",
        "--save-iter", str(every), *options,
    ]  # fmt: skip
    started = time.time()
    began = time.perf_counter()
    subprocess.run(
        command, check=True, capture_output=True, text=True, cwd=snapshots, env=CHILD_ENV
    )
    wall = time.perf_counter() - began
    found = sorted(
        (path.stat().st_mtime - started, path)
        for path in list(snapshots.glob("*.png")) + list(out.parent.glob(f"{out.stem}_*.png"))
    )
    return wall, found


def first_reached(scored: list[tuple[float, float]], target: float) -> float | None:
    """The first time (s) at which a snapshot's loss is at or below `target`."""
    return next((seconds for seconds, loss in scored if loss <= target), None)


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "not reached"


def strip(images: list[tuple[str, Path]], target: Path, height: int = 240, crop: int = 0) -> None:
    """The images side by side, labelled; `crop`: an N px square from each centre at 100%."""
    tiles = []
    for label, path in images:
        image = Image.open(path).convert("RGB")
        if crop:
            left, top = (image.width - crop) // 2, (image.height - crop) // 2
            image = image.crop((left, top, left + crop, top + crop))
            height = crop
        image = image.resize((round(image.width * height / image.height), height))
        tile = Image.new("RGB", (image.width, height + 16), "white")
        tile.paste(image, (0, 16))
        ImageDraw.Draw(tile).text((2, 2), label, fill="black")
        tiles.append(tile)
    sheet = Image.new("RGB", (sum(t.width for t in tiles) + 4 * len(tiles), height + 16), "white")
    x = 0
    for tile in tiles:
        sheet.paste(tile, (x, 0))
        x += tile.width + 4
    sheet.save(target, quality=88)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[384, 512])
    parser.add_argument(
        "--pairs", nargs="+", default=["chelsea:starry_night", "astronaut:shipwreck"]
    )
    parser.add_argument("--schedule", nargs="+", default=list(DEFAULT_SCHEDULES))
    parser.add_argument("--every", type=int, default=10, help="snapshot every N iterations")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--strips", type=Path, help="write the side-by-side strips here")
    parser.add_argument("--pastiche-steps", type=int, default=PASTICHE_STEPS)
    parser.add_argument("--device", default="cpu", help="where both engines run")
    parser.add_argument(
        "--reuse-pastiche", action="store_true",
        help="take pastiche's output and wall time from an earlier run in --keep",
    )  # fmt: skip
    parser.add_argument("--crop", type=int, default=0, help="also strips of N px crops at 100%%")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ttq-"))
    folder.mkdir(parents=True, exist_ok=True)
    steps = args.pastiche_steps
    print(f"# time to quality, {date.today()}, {machine()}; pastiche {steps} steps")
    results = []
    for pair in args.pairs:
        for size in args.sizes:
            content, style = prepare(pair, size, folder)
            tag = f"{pair.replace(':', '_x_')}_{size}"
            pastiche_out = folder / f"pastiche_{tag}.png"
            record = pastiche_out.with_suffix(".json")
            if args.reuse_pastiche and record.exists() and pastiche_out.exists():
                pastiche_wall = json.loads(record.read_text())["wall"]
            else:
                pastiche_wall = run_pastiche(content, style, size, pastiche_out, steps, args.device)
                record.write_text(json.dumps({"wall": pastiche_wall, "steps": steps}))
            pastiche_loss = common_loss(pastiche_out, content, style, size)
            print(f"{pair} {size} px  pastiche: {pastiche_wall:.1f} s, loss {pastiche_loss:.4g}",
                  flush=True)  # fmt: skip
            shown = [(f"pastiche {steps} ({pastiche_wall:.0f} s)", pastiche_out)]
            first_loss: float | None = None
            for index, schedule in enumerate(args.schedule):
                out = folder / f"stylecore_{tag}_{index}.png"
                wall, snaps = run_stylecore(
                    content, style, size, schedule, out, args.every, args.device
                )
                loss = common_loss(out, content, style, size)
                full = Image.open(content).size
                scored = [
                    (seconds, common_loss(path, content, style, size))
                    for seconds, path in snaps
                    if Image.open(path).size == full
                ] + [(wall, loss)]  # the saved render, at the process's end
                reached = first_reached(scored, pastiche_loss)
                line = (
                    f"{pair} {size} px  [{schedule}]: {wall:.1f} s ({wall / pastiche_wall:.2f}x),"
                    f" loss {loss:.4g} ({loss / pastiche_loss:.3f}x), pastiche's loss at"
                    f" {_seconds(reached)}"
                )
                if first_loss is None:
                    first_loss = loss
                else:  # a schedule against the first: does it get there sooner?
                    line += f", [0]'s loss at {_seconds(first_reached(scored, first_loss))}"
                print(line, flush=True)
                results.append(
                    {"pair": pair, "size": size, "schedule": schedule, "wall": wall,
                     "wall_ratio": wall / pastiche_wall, "loss": loss,
                     "loss_ratio": loss / pastiche_loss, "reached_s": reached,
                     "pastiche_wall": pastiche_wall, "pastiche_loss": pastiche_loss}
                )  # fmt: skip
                shown.append((f"[{index}] {wall:.0f} s", out))
            if args.strips:
                args.strips.mkdir(parents=True, exist_ok=True)
                strip(shown, args.strips / f"ttq-{tag}.jpg")
                if args.crop:
                    strip(shown, args.strips / f"ttq-{tag}-crop.png", crop=args.crop)
    (folder / "ttq.json").write_text(json.dumps(results, indent=2))
    print(f"(files in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
