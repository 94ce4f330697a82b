"""The Ray scenario, run in a process of its own by tests/test_cluster.py.

Ray ends its driver process when it decides, on a busy machine, that its own node is dead;
in a child process that costs one test, not the whole pytest run. One Ray session holds the
whole scenario (starting Ray and its actors is most of the cost): six short jobs through two
actors, and a long one whose actor is killed mid-render and replaced. Prints a JSON summary.

    python -m tests.cluster_scenario STUDIO
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import ray

from stylecore.loops.cluster import LOCAL_RAY_CONFIG, RayRenderLoop
from stylecore.settings import RenderSettings
from stylecore.studio.folder import Studio
from stylecore.studio.queue import JobQueue


def main(root: str) -> int:
    studio = Studio.open(Path(root))
    with JobQueue(studio) as queue:
        content = studio.contents / "chelsea.png"
        styles = sorted(studio.styles.iterdir())
        long = queue.spec_for(
            content, [styles[0]], RenderSettings(image_size=40, num_iterations=120)
        )
        [long_job] = queue.add([long], priority=5)
        short = [
            queue.spec_for(
                content, [style], RenderSettings(image_size=32, num_iterations=8, seed=s)
            )
            for s in (1, 2)
            for style in styles
        ]
        short_jobs = queue.add(short)
    ray.init(num_cpus=2, object_store_memory=150 * 2**20, include_dashboard=False,
             log_to_driver=False, _system_config=LOCAL_RAY_CONFIG)  # fmt: skip
    loop = RayRenderLoop(studio, actors=2, until_idle=True)
    killed_at = None
    try:
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        while thread.is_alive() and killed_at is None:
            with JobQueue(studio) as queue:
                job = queue.get(long_job)
            slot = next((s for s in loop.slots if any(j.id == long_job for j in s.jobs)), None)
            if job is not None and job.status == "running" and job.iteration > 0 and slot:
                ray.kill(slot.actor)
                killed_at = job.iteration
            time.sleep(0.1)
        thread.join(600)
        alive = thread.is_alive()
    finally:
        loop.stop.set()
        ray.shutdown()
    summary = {
        "long_job": long_job, "short_jobs": short_jobs, "killed_at": killed_at,
        "replaced": loop.replaced, "loop_alive": alive, "worker": loop.worker_id,
    }  # fmt: skip
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
