"""The render loop on a local Ray instance: jobs exactly once through two actors, and an
actor killed mid-render has its job requeued and completed by its replacement. Skipped when
Ray (the cluster extra) is not installed.

The Ray scenario runs in a child process (tests/cluster_scenario.py): when Ray decides on a
busy machine that its own node is dead, it ends its driver, and that must cost one test, not
the whole run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

pytest.importorskip("ray", reason="Ray is not installed: pip install 'style-curator[cluster]'")

from stylecore.settings import RenderSettings
from stylecore.studio.queue import JobQueue

from .conftest import REPO, sample_studio


@pytest.fixture
def studio(tmp_path):
    styles = ("starry_night.jpg", "the_scream.jpg", "shipwreck.jpg")
    return sample_studio(tmp_path / "studio", ("chelsea.png",), styles)


@pytest.mark.timeout(900)
def test_jobs_render_once_through_two_actors_and_a_killed_actor_is_replaced(studio):
    child = subprocess.run(
        [sys.executable, "-m", "tests.cluster_scenario", str(studio.root)],
        capture_output=True, text=True, timeout=840, cwd=REPO,
        env={**os.environ, "RAY_DEDUP_LOGS": "0"},
    )  # fmt: skip
    assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-3000:]
    summary = json.loads(child.stdout.strip().splitlines()[-1])
    assert not summary["loop_alive"], "the loop should end once the queue is empty"
    assert summary["killed_at"] is not None and summary["replaced"] == 1
    with JobQueue(studio) as queue:
        jobs = {job.id: job for job in queue.jobs()}
    assert {job.status for job in jobs.values()} == {"done"}
    assert jobs[summary["long_job"]].attempts == 2  # killed once, finished by the replacement
    assert all(jobs[j].attempts == 1 for j in summary["short_jobs"])
    pngs = sorted(studio.renders.glob("*.png"))
    assert len(pngs) == 7 and {p.stem.rsplit("__", 1)[1] for p in pngs} == set(jobs)
    records = [json.loads(p.with_suffix(".json").read_text()) for p in pngs]
    assert len({r["actor_pid"] for r in records}) >= 2  # both actors (and the new one) rendered
    assert {r["worker"] for r in records} == {summary["worker"]}


def _actor_payload(studio, job):
    spec = job.spec
    refs = [spec.content, *spec.styles]
    files = {ref.sha256: (".img", studio.resolve(ref.path).read_bytes()) for ref in refs}
    return {"id": job.id, "spec": spec.to_dict(), "files": files}


def test_an_actor_out_of_memory_retries_alone_then_fails_only_its_job(studio):
    """The actor itself, in this process (no Ray scheduling): a batch that runs out of memory
    is retried one job at a time, and a job that does not fit alone fails with a clear error
    while its batch mates complete, as in the local loop."""
    from stylecore.gatys.engine import Renderer
    from stylecore.loops.cluster import RenderActorImpl

    tiny = RenderSettings(image_size=32, num_iterations=3)
    with JobQueue(studio) as queue:
        specs = [
            queue.spec_for(studio.contents / "chelsea.png", [style], tiny)
            for style in sorted(studio.styles.iterdir())
        ]
        queue.add(specs)
        claimed = queue.claim("test", 3)
    poison = claimed[1].id

    class InjectedOOM(Renderer):
        def render_batch(self, requests, on_progress=None, **kwargs):
            if len(requests) > 1 or requests[0].key == poison:
                raise torch.OutOfMemoryError("CUDA out of memory (injected)")
            return super().render_batch(requests, on_progress, **kwargs)

    actor = RenderActorImpl("cpu")
    actor._renderer = InjectedOOM("cpu")
    results = actor.render([_actor_payload(studio, job) for job in claimed])
    assert [r["id"] for r in results] == [job.id for job in claimed]
    by_id = {r["id"]: r for r in results}
    assert by_id[poison]["error"].startswith("out of memory on cpu at 32 px; try a smaller")
    done = [r for r in results if r["id"] != poison]
    assert all(r["png"].startswith(b"\x89PNG") and "error" not in r for r in done)
    assert actor.progress() == {}  # nothing left behind for the driver to poll
