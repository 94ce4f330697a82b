"""Crash benchmark: 50 small jobs, the render loop SIGKILLed 10 times mid-render and restarted.

Each kill waits until the loop holds a job (it renders from the claim on), then a random part
of a render, so every kill lands mid-render even on a slow, busy machine (the loop's start-up
alone can take seconds there). Prints lost jobs, partial files and duplicates (each must be
0), the kills that landed mid-render, and the total time. A poller reads renders/ every 20 ms
the whole time: any PNG visible under a render name that does not decode completely, or
appears before its sidecar, counts as a partial file.

    python bench/crash.py [--jobs 50] [--kills 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402


def watch(folder: Path, halt: threading.Event, partial: set[str]) -> None:
    while not halt.is_set():
        for png in folder.glob("*.png"):
            try:
                with Image.open(png) as image:
                    image.load()
                if not png.with_suffix(".json").exists():
                    partial.add(f"{png.name} (no sidecar)")
            except FileNotFoundError:
                pass
            except Exception as exc:
                partial.add(f"{png.name} ({exc})")
        time.sleep(0.02)


def wait_until_rendering(studio: Studio, loop: subprocess.Popen[bytes]) -> str | None:
    """The id of the loop that holds a job once one is held (None if the loop ended first)."""
    while loop.poll() is None:
        with JobQueue(studio) as queue:
            running = queue.jobs(["running"])
        mine = [job for job in running if job.holder and f":{loop.pid}:" in job.holder]
        if mine:
            return mine[0].holder
        time.sleep(0.05)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="crash-studio-"))
    studio = Studio.init(root)
    shutil.copy(REPO / "samples/contents/chelsea.png", studio.contents)
    for style in sorted((REPO / "samples/styles").iterdir()):
        shutil.copy(style, studio.styles)
    styles = sorted(studio.styles.iterdir())
    with JobQueue(studio) as queue:
        specs = [
            queue.spec_for(
                studio.contents / "chelsea.png",
                [styles[i % len(styles)]],
                RenderSettings(image_size=48, num_iterations=40, seed=i),
            )
            for i in range(args.jobs)
        ]
        ids = queue.add(specs)
    partial: set[str] = set()
    halt = threading.Event()
    poller = threading.Thread(target=watch, args=(studio.renders, halt, partial), daemon=True)
    poller.start()
    command = [sys.executable, "-m", "curator.cli", "render", str(root), "--quiet", "--until-idle"]
    started = time.perf_counter()
    kills = mid_render = 0
    while kills < args.kills:
        loop = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Let each restarted loop finish one job first: kills then land on different jobs, as
        # crashes spread over a night do (killing one job five times fails it on purpose:
        # a job that crashes its renderer MAX_CRASHES times is failed, not retried forever).
        with JobQueue(studio) as queue:
            done_before = queue.counts()["done"]
        while loop.poll() is None:
            with JobQueue(studio) as queue:
                if queue.counts()["done"] > done_before:
                    break
            time.sleep(0.05)
        holding = wait_until_rendering(studio, loop)
        if holding is None:
            break  # finished everything before a kill could land
        target = rng.uniform(0.1, 0.9)  # a random part of the render, whatever its speed
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with JobQueue(studio) as queue:
                held = [job for job in queue.jobs(["running"]) if job.holder == holding]
            if not held or held[0].iteration >= target * max(1, held[0].total):
                break
            time.sleep(0.02)
        with JobQueue(studio) as queue:
            still = [job for job in queue.jobs(["running"]) if job.holder == holding]
        os.kill(loop.pid, signal.SIGKILL)
        loop.wait()
        kills += 1
        mid_render += bool(still)
        with JobQueue(studio) as queue:
            done = queue.counts()["done"]
        state = f"mid-render of {still[0].id}" if still else "between jobs"
        print(f"kill {kills} ({state}): {done}/{args.jobs} done", flush=True)
    final = subprocess.run(command, check=False)
    seconds = time.perf_counter() - started
    halt.set()
    poller.join()

    with JobQueue(studio) as queue:
        jobs = {job.id: job for job in queue.jobs()}
    lost = [i for i in ids if jobs[i].status != "done"]
    for job_id in lost:
        print(f"not done: {job_id} {jobs[job_id].status}: {jobs[job_id].error}")
    pngs = sorted(studio.renders.glob("*.png"))
    per_job = collections.Counter(png.stem.rsplit("__", 1)[-1] for png in pngs)
    duplicates = sum(count - 1 for count in per_job.values() if count > 1)
    missing = [i for i in ids if jobs[i].status == "done" and per_job[i] != 1]
    leftovers = list(studio.renders.glob(".*.tmp-*"))
    restarts = sum(job.attempts - 1 for job in jobs.values())
    print(f"jobs {args.jobs}, SIGKILLs {kills} ({mid_render} mid-render), final loop exit "
          f"{final.returncode}")  # fmt: skip
    print(f"lost jobs: {len(lost)}")
    print(f"partial files seen: {len(partial)} {sorted(partial)[:5]}")
    print(f"duplicates: {duplicates}; done jobs without exactly one PNG: {len(missing)}")
    print(f"temporary files left: {len(leftovers)}; jobs restarted after a kill: {restarts}")
    print(f"total time: {seconds:.1f} s")
    shutil.rmtree(root, ignore_errors=True)
    return 1 if lost or partial or duplicates or missing else 0


if __name__ == "__main__":
    sys.exit(main())
