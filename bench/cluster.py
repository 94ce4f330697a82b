"""Cluster throughput: renders per hour through a Ray driver with 1 and 2 actors.

A local Ray instance on this machine (the CPU-only case: one actor per CPU slot, each actor's
torch limited to its slot), one photo x 8 styles at 128 px, 60 L-BFGS steps each, through the
real driver (`RayRenderLoop`, until idle), actor start-up and weight loading included.

    python bench/cluster.py [--actors 1 2] [--jobs 8] [--size 128] [--iterations 60]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import ray  # noqa: E402

from bench.throughput import make_studio  # noqa: E402
from stylecore.loops.cluster import RayRenderLoop, cluster_logging  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--iterations", type=int, default=60)
    args = parser.parse_args()
    cluster_logging()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    resources = ray.cluster_resources()
    print(f"# ray {ray.__version__} local cluster, {date.today()}, resources {resources}")
    settings = RenderSettings(image_size=args.size, num_iterations=args.iterations)
    for actors in args.actors:
        root = Path(tempfile.mkdtemp(prefix=f"bench-cluster-{actors}-"))
        studio = make_studio(root)
        styles = sorted(studio.styles.iterdir())[: args.jobs]
        with JobQueue(studio) as queue:
            queue.add_cross(list(studio.contents.iterdir()), styles, settings)
        loop = RayRenderLoop(studio, actors=actors, cpus_per_actor=2 / actors, until_idle=True)
        started = time.perf_counter()
        loop.run()
        seconds = time.perf_counter() - started
        print(f"{actors} actor(s): {loop.rendered} renders in {seconds:.1f} s ="
              f" {loop.rendered / seconds * 3600:.0f} renders/hour")  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
