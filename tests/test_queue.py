"""The job queue: lifecycle, dedupe, atomic claims, batching, and recovery of lost jobs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from stylecore.errors import SettingsError
from stylecore.settings import RenderSettings
from stylecore.studio.queue import MAX_CRASHES, JobQueue

from .conftest import sample_studio

TINY = RenderSettings(image_size=32, num_iterations=3)


@pytest.fixture
def studio(tmp_path):
    styles = ("starry_night.jpg", "the_scream.jpg", "shipwreck.jpg")
    return sample_studio(tmp_path / "studio", ("chelsea.png", "coffee.png"), styles)


@pytest.fixture
def queue(studio):
    with JobQueue(studio) as queue:
        yield queue


def add_all(queue, studio, settings=TINY, **kwargs):
    contents = sorted(studio.contents.iterdir())
    styles = sorted(studio.styles.iterdir())
    return queue.add_cross(contents, styles, settings, **kwargs)


def test_cross_product_and_dedupe(queue, studio):
    added, total = add_all(queue, studio)
    assert (len(added), total) == (6, 6)
    again, total = add_all(queue, studio)
    assert (again, total) == ([], 6)
    assert queue.counts()["queued"] == 6
    job = queue.get(added[0])
    assert job is not None and job.content.startswith("contents/")
    assert job.total == 3 and job.spec.settings == TINY


def test_new_settings_are_new_jobs(queue, studio):
    add_all(queue, studio)
    added, _ = add_all(queue, studio, TINY.replace(style_weight=500))
    assert len(added) == 6


def test_lifecycle(queue, studio):
    add_all(queue, studio)
    [job] = queue.claim("w1")
    assert job.status == "running" and job.attempts == 1 and job.holder == "w1"
    assert queue.progress(job.id, "w1", 2, 3, 1234.5, 0.5)
    assert queue.get(job.id).iteration == 2
    assert queue.complete(job.id, "w1", "x.png")
    done = queue.get(job.id)
    assert done.status == "done" and done.output == "x.png" and done.finished is not None
    [other] = queue.claim("w1")
    assert queue.fail(other.id, "w1", "broken.jpg: not an image")
    assert queue.get(other.id).error == "broken.jpg: not an image"
    assert queue.retry([other.id]) == 1
    retried = queue.get(other.id)
    assert retried.status == "queued" and retried.error is None
    assert queue.clear_done() == 1 and queue.get(job.id) is None


def test_cancel_queued_and_running(queue, studio):
    ids, _ = add_all(queue, studio)
    [running] = queue.claim("w1")
    waiting = next(i for i in ids if i != running.id)
    assert queue.cancel([waiting, running.id]) == 2
    assert queue.get(waiting).status == "cancelled"
    # The loop learns it lost the job: its updates no longer apply.
    assert not queue.progress(running.id, "w1", 1, 3, None, None)
    assert not queue.complete(running.id, "w1", "x.png")
    assert queue.held("w1", [running.id]) == set()


def test_priority_decides_the_order(queue, studio):
    ids, _ = add_all(queue, studio)
    queue.set_priority([ids[4]], 10)
    assert queue.claim("w1")[0].id == ids[4]


def test_claim_batches_jobs_that_share_content_and_settings(queue, studio):
    add_all(queue, studio)
    batch = queue.claim("w1", limit=4)
    assert len(batch) == 3  # one content's three styles: the other content cannot join
    assert len({job.content for job in batch}) == 1
    assert len({job.styles[0] for job in batch}) == 3


def test_seed_does_not_split_batches(queue, studio):
    content = studio.contents / "chelsea.png"
    specs = [
        queue.spec_for(content, [studio.styles / "starry_night.jpg"], TINY.replace(seed=seed))
        for seed in (1, 2)
    ]
    queue.add(specs)
    assert len(queue.claim("w1", limit=4)) == 2


def test_two_claimers_never_share_a_job(studio):
    with JobQueue(studio) as a, JobQueue(studio) as b:
        add_all(a, studio)
        taken: list[str] = []
        while True:
            got = a.claim("a") + b.claim("b")
            if not got:
                break
            taken += [job.id for job in got]
    assert len(taken) == 6 and len(set(taken)) == 6


def test_requeue_gives_the_attempt_back(queue, studio):
    add_all(queue, studio)
    [job] = queue.claim("w1")
    assert queue.requeue(job.id, "w1")
    again = queue.get(job.id)
    assert again.status == "queued" and again.attempts == 0 and again.holder is None


def test_abandoned_jobs_are_requeued(queue, studio):
    add_all(queue, studio)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    host = socket.gethostname()
    [by_dead_pid] = queue.claim(f"{host}:{dead}:abcd")
    [by_silent_remote] = queue.claim("elsewhere:1:abcd")
    [by_live_loop] = queue.claim(f"{host}:{os.getpid()}:abcd")
    queue.conn.execute("UPDATE jobs SET heartbeat = ? WHERE id = ?",
                       (time.time() - 120, by_silent_remote.id))  # fmt: skip
    requeued = queue.requeue_abandoned(stale_after=30)
    assert set(requeued) == {by_dead_pid.id, by_silent_remote.id}
    assert queue.get(by_live_loop.id).status == "running"


def test_a_job_that_keeps_killing_its_renderer_fails(queue, studio):
    add_all(queue, studio)
    first = queue.claim("w1")[0].id
    for crash in range(1, MAX_CRASHES + 1):
        assert queue.requeue_crashed(first, "w1", "actor-0 died") == (
            "queued" if crash < MAX_CRASHES else "failed"
        )
        if crash < MAX_CRASHES:
            [again] = queue.claim("w1")  # the requeued job comes back first (oldest)
            assert again.id == first and again.attempts == crash + 1
    job = queue.get(first)
    assert job.status == "failed" and job.attempts == MAX_CRASHES
    assert "died 5 times" in job.error and "actor-0 died" in job.error
    assert queue.requeue_crashed(first, "w1", "again") is None  # no longer held


def test_abandoned_poison_job_fails_after_max_crashes(queue, studio):
    add_all(queue, studio)
    [job] = queue.claim("elsewhere:1:abcd")
    queue.conn.execute("UPDATE jobs SET attempts = ?, heartbeat = 0 WHERE id = ?",
                       (MAX_CRASHES, job.id))  # fmt: skip
    assert queue.requeue_abandoned(stale_after=30) == []
    failed = queue.get(job.id)
    assert failed.status == "failed" and "stopped beating" in failed.error


def test_id_prefixes(queue, studio):
    ids, _ = add_all(queue, studio)
    assert queue.resolve_ids([ids[0][:8]]) == [ids[0]]
    with pytest.raises(SettingsError, match="no job with id 'zzz'"):
        queue.resolve_ids(["zzz"])


def test_migrations_are_recorded_once(studio):
    for _ in range(2):
        JobQueue(studio).close()
    with JobQueue(studio) as queue:
        rows = queue.conn.execute("SELECT component, version FROM schema_migrations").fetchall()
        mode = queue.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert [tuple(r) for r in rows] == [("queue", 1)]
    assert mode == "wal"


def test_workers_registry_and_stop_requests(queue):
    worker = f"{socket.gethostname()}:{os.getpid()}:feed"
    queue.loops.register(worker, "cpu")
    assert [w.id for w in queue.loops.live()] == [worker]
    assert queue.loops.beat(worker, [], "idle") is False
    queue.loops.request_stop()
    assert queue.loops.beat(worker, [], "idle") is True
    queue.loops.unregister(worker)
    assert queue.loops.all() == []
