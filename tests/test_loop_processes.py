"""Render loops as separate processes: sharing a studio, SIGKILL and restart, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from stylecore.settings import RenderSettings
from stylecore.studio.folder import Studio
from stylecore.studio.queue import JobQueue

from .conftest import sample_studio


@pytest.fixture
def studio(tmp_path):
    return sample_studio(
        tmp_path / "studio", ("chelsea.png",), ("starry_night.jpg", "the_scream.jpg")
    )


def spawn(studio: Studio, *extra: str) -> subprocess.Popen:
    log = open(studio.logs / f"loop-{time.monotonic_ns()}.out", "w")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "curator.cli", "render", str(studio.root), "--quiet", *extra],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip


def queue_jobs(studio: Studio, settings_list: list[RenderSettings], priority: int = 0) -> list[str]:
    content = studio.contents / "chelsea.png"
    styles = sorted(studio.styles.iterdir())
    with JobQueue(studio) as queue:
        specs = [queue.spec_for(content, [style], s) for s in settings_list for style in styles]
        return queue.add(specs, priority=priority)


def snapshot(studio: Studio):
    with JobQueue(studio) as queue:
        return {job.id: job for job in queue.jobs()}


def wait_for(predicate, timeout=120.0, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError("timed out waiting")


class RenderFolderWatch(threading.Thread):
    """Polls renders/ the whole time: every PNG visible under a render name must be whole."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder, self.halt, self.problems, self.seen = folder, threading.Event(), [], set()

    def run(self) -> None:
        while not self.halt.is_set():
            for png in self.folder.glob("*.png"):
                try:
                    with Image.open(png) as image:
                        image.load()
                    if not png.with_suffix(".json").exists():
                        self.problems.append(f"{png.name}: PNG visible before its sidecar")
                    self.seen.add(png.name)
                except FileNotFoundError:
                    pass
                except Exception as exc:
                    self.problems.append(f"{png.name}: {exc}")
            time.sleep(0.02)


def test_two_loops_render_each_job_exactly_once(studio):
    loops = [spawn(studio, "--stale-after", "30") for _ in range(2)]
    try:
        with JobQueue(studio) as queue:
            wait_for(lambda: len(queue.loops.live()) == 2, timeout=120)
        ids = queue_jobs(
            studio, [RenderSettings(image_size=32, num_iterations=10, seed=s) for s in range(10)]
        )
        assert len(ids) == 20
        wait_for(lambda: all(j.status == "done" for j in snapshot(studio).values()), timeout=300)
        with JobQueue(studio) as queue:
            queue.loops.request_stop()
        for loop in loops:
            assert loop.wait(timeout=60) == 0
    finally:
        for loop in loops:
            loop.kill()
    jobs = snapshot(studio)
    assert all(job.attempts == 1 for job in jobs.values())
    pngs = sorted(studio.renders.glob("*.png"))
    assert len(pngs) == 20
    assert {png.stem.rsplit("__", 1)[1] for png in pngs} == set(ids)
    assert len({job.holder for job in jobs.values()}) == 2, "both loops should have rendered"


def test_sigkill_mid_job_then_restart_loses_and_duplicates_nothing(studio):
    # 48 px takes about 80 ms a step on one thread: 60 steps outlast two heartbeats (which
    # report the progress the kill waits for) without making the restart render for minutes.
    [long_job, other_long] = queue_jobs(
        studio, [RenderSettings(image_size=48, num_iterations=60)], priority=5
    )
    tiny = queue_jobs(studio, [RenderSettings(image_size=32, num_iterations=3)])
    watch = RenderFolderWatch(studio.renders)
    watch.start()
    loop = spawn(studio)
    try:
        wait_for(
            lambda: (
                snapshot(studio)[long_job].iteration > 0
                or snapshot(studio)[other_long].iteration > 0
            )
        )
        killed = next(j for j in snapshot(studio).values() if j.status == "running")
        loop.send_signal(signal.SIGKILL)
        loop.wait(timeout=30)
        assert snapshot(studio)[killed.id].status == "running"  # its holder is dead, not told
        assert not list(studio.renders.glob(f"*{killed.id}*.png"))
        restarted = spawn(studio, "--until-idle")
        assert restarted.wait(timeout=300) == 0
    finally:
        loop.kill()
        watch.halt.set()
        watch.join()
    jobs = snapshot(studio)
    assert {job.status for job in jobs.values()} == {"done"}
    assert jobs[killed.id].attempts == 2
    pngs = sorted(studio.renders.glob("*.png"))
    assert len(pngs) == 4 and {p.stem.rsplit("__", 1)[1] for p in pngs} == {
        long_job,
        other_long,
        *tiny,
    }
    assert not list(studio.renders.glob(".*.tmp-*"))
    assert watch.problems == []
    assert "requeued 1 job(s) left by a loop that died" in (studio.logs / "render.log").read_text()


def test_sigterm_requeues_and_exits_cleanly(studio):
    queue_jobs(studio, [RenderSettings(image_size=48, num_iterations=2000)])
    loop = spawn(studio)
    try:
        wait_for(lambda: any(j.iteration > 0 for j in snapshot(studio).values()))
        loop.send_signal(signal.SIGTERM)
        assert loop.wait(timeout=60) == 0
    finally:
        loop.kill()
    jobs = snapshot(studio)
    assert {job.status for job in jobs.values()} == {"queued"}
    assert all(job.attempts == 0 and job.holder is None for job in jobs.values())
    with JobQueue(studio) as queue:
        assert queue.loops.all() == []
    assert not list(studio.renders.glob("*.png"))
