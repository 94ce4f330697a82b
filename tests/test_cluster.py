"""The render loop on a local Ray instance: exactly once through two actors; a killed actor's
job is requeued and completed. Skipped when Ray (the cluster extra) is not installed."""

from __future__ import annotations

import json
import threading
import time

import pytest
import torch

ray = pytest.importorskip(
    "ray", reason="Ray is not installed: pip install 'style-curator[cluster]'"
)

from stylecore.loops.cluster import RayRenderLoop  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402

from .conftest import sample_studio  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, object_store_memory=150 * 2**20, include_dashboard=False,
             log_to_driver=False)  # fmt: skip
    yield
    ray.shutdown()


@pytest.fixture
def studio(tmp_path):
    styles = ("starry_night.jpg", "the_scream.jpg", "shipwreck.jpg")
    return sample_studio(tmp_path / "studio", ("chelsea.png",), styles)


def queue_jobs(studio, settings_list):
    with JobQueue(studio) as queue:
        specs = [
            queue.spec_for(studio.contents / "chelsea.png", [style], settings)
            for settings in settings_list
            for style in sorted(studio.styles.iterdir())
        ]
        return queue.add(specs)


def jobs(studio):
    with JobQueue(studio) as queue:
        return {job.id: job for job in queue.jobs()}


def test_six_jobs_render_exactly_once_through_two_actors(local_ray, studio):
    ids = queue_jobs(
        studio, [RenderSettings(image_size=32, num_iterations=8, seed=s) for s in (1, 2)]
    )
    assert len(ids) == 6
    loop = RayRenderLoop(studio, actors=2, until_idle=True)
    assert loop.run() == 0
    done = jobs(studio)
    assert {job.status for job in done.values()} == {"done"}
    assert all(job.attempts == 1 for job in done.values())
    pngs = sorted(studio.renders.glob("*.png"))
    assert len(pngs) == 6 and {p.stem.rsplit("__", 1)[1] for p in pngs} == set(ids)
    records = [json.loads(p.with_suffix(".json").read_text()) for p in pngs]
    assert len({r["actor_pid"] for r in records}) == 2  # both actors rendered
    assert {r["worker"] for r in records} == {loop.worker_id}


def test_a_killed_actor_s_job_is_requeued_and_completed(local_ray, studio):
    [long_job, *_] = queue_jobs(studio, [RenderSettings(image_size=40, num_iterations=200)])
    loop = RayRenderLoop(studio, actors=2, until_idle=True)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    deadline = time.time() + 120
    while time.time() < deadline and not any(j.iteration > 0 for j in jobs(studio).values()):
        time.sleep(0.2)
    victim_job = next(j for j in jobs(studio).values() if j.iteration > 0 and j.status == "running")
    slot = next(s for s in loop.slots if any(job.id == victim_job.id for job in s.jobs))
    ray.kill(slot.actor)
    thread.join(timeout=300)
    assert not thread.is_alive()
    after = jobs(studio)
    assert {job.status for job in after.values()} == {"done"}
    assert after[victim_job.id].attempts == 2 and loop.replaced == 1
    assert len(list(studio.renders.glob("*.png"))) == 3
    assert long_job in after


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
    queue_jobs(studio, [tiny])
    with JobQueue(studio) as queue:
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
