"""The render loop in-process: renders, names, failures that stay local, OOM, cancel, stop."""

from __future__ import annotations

import json
import threading
import time

import pytest
import torch
from PIL import Image

from stylecore.gatys.engine import Renderer
from stylecore.images import read_png_spec
from stylecore.loops.local import RenderLoop, render_name
from stylecore.naming import safe_stem
from stylecore.settings import RenderSettings
from stylecore.studio.queue import JobQueue

from .conftest import sample_studio

TINY = RenderSettings(image_size=32, num_iterations=3)


@pytest.fixture
def studio(tmp_path):
    return sample_studio(
        tmp_path / "studio", ("chelsea.png",), ("starry_night.jpg", "the_scream.jpg")
    )


def queue_all(studio, settings=TINY):
    with JobQueue(studio) as queue:
        added, _ = queue.add_cross(
            sorted(studio.contents.iterdir()), sorted(studio.styles.iterdir()), settings
        )
    return added


def jobs(studio):
    with JobQueue(studio) as queue:
        return {job.id: job for job in queue.jobs()}


def test_renders_every_job_once_with_sidecars(studio, renderer):
    ids = queue_all(studio)
    loop = RenderLoop(studio, until_idle=True, renderer=renderer)
    assert loop.run() == 0
    assert loop.rendered == 2
    for job_id, job in jobs(studio).items():
        assert job.status == "done" and job.attempts == 1
        png = studio.renders / job.output
        assert png.name == render_name(job) and job_id in png.name
        assert png.name.startswith("chelsea__")
        assert Image.open(png).size == (32, 21)
        sidecar = json.loads(png.with_suffix(".json").read_text())
        assert sidecar["job_id"] == job_id and sidecar["worker"] == loop.worker_id
        assert read_png_spec(png)["job_id"] == job_id
    assert sorted(p.name for p in studio.renders.iterdir() if p.suffix == ".png") == sorted(
        jobs(studio)[i].output for i in ids
    )
    assert (studio.logs / "render.log").read_text().count("done ") == 2
    with JobQueue(studio) as queue:
        assert queue.loops.all() == []  # unregistered on the way out


def test_corrupt_style_fails_only_its_jobs(studio, renderer):
    (studio.styles / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg at all")
    queue_all(studio)
    loop = RenderLoop(studio, until_idle=True, renderer=renderer, batch=3)
    loop.run()
    by_style = {job.styles[0]: job for job in jobs(studio).values()}
    broken = by_style["styles/broken.jpg"]
    assert broken.status == "failed"
    assert broken.error.startswith(str(studio.styles / "broken.jpg") + ": ")
    assert "image" in broken.error and "\n" not in broken.error
    assert {j.status for s, j in by_style.items() if s != "styles/broken.jpg"} == {"done"}


class BatchOOMRenderer(Renderer):
    """A CPU renderer that runs out of 'memory' for batches of more than one."""

    def render_batch(self, requests, on_progress=None, **kwargs):
        if len(requests) > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (injected)")
        return super().render_batch(requests, on_progress, **kwargs)


class AlwaysOOMRenderer(Renderer):
    def render_batch(self, requests, on_progress=None, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory (injected)")


def test_out_of_memory_retries_one_at_a_time(studio):
    queue_all(studio)
    loop = RenderLoop(studio, until_idle=True, renderer=BatchOOMRenderer("cpu"), batch=2)
    loop.run()
    assert {job.status for job in jobs(studio).values()} == {"done"}
    assert "retrying one at a time" in (studio.logs / "render.log").read_text()


def test_out_of_memory_alone_fails_the_job_clearly(studio):
    queue_all(studio)
    RenderLoop(studio, until_idle=True, renderer=AlwaysOOMRenderer("cpu"), batch=2).run()
    for job in jobs(studio).values():
        assert job.status == "failed"
        assert job.error.startswith("out of memory on cpu at 32 px; try a smaller image size")


def _run_in_thread(loop):
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    return thread


def _wait_for(predicate, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_cancel_stops_a_running_job_and_stop_requeues(studio, renderer):
    slow = RenderSettings(image_size=48, num_iterations=2000)
    queue_all(studio, slow)
    loop = RenderLoop(studio, renderer=renderer, poll=0.2)
    thread = _run_in_thread(loop)
    # Equal priorities and timestamps: whichever the loop claimed first is "first".
    _wait_for(lambda: any(j.iteration > 0 for j in jobs(studio).values()))
    first = next(i for i, j in jobs(studio).items() if j.status == "running")
    second = next(i for i in jobs(studio) if i != first)
    with JobQueue(studio) as queue:
        assert [w.state for w in queue.loops.live()] == ["rendering"]
        queue.cancel([first])
    _wait_for(lambda: jobs(studio)[second].status == "running")  # moved on within seconds
    assert jobs(studio)[first].status == "cancelled"
    with JobQueue(studio) as queue:
        queue.loops.request_stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    after = jobs(studio)[second]
    assert after.status == "queued" and after.attempts == 0 and after.holder is None
    assert not list(studio.renders.glob("*.png"))


def test_safe_stems():
    assert safe_stem("Mona Lisa (1503)") == "Mona-Lisa-1503"
    assert safe_stem("../../etc/passwd") == "etc-passwd"
    assert safe_stem("Ελληνικά") == "image"
    assert safe_stem("café déjà vu") == "cafe-deja-vu"
    assert len(safe_stem("x" * 300)) == 40
