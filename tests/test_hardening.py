"""A loop that survives a full disk and an unwritable renders/, stale jobs requeued by any
live loop, and a read-only studio that still lists, sheets and exports (issue 16)."""

from __future__ import annotations

import errno
import threading
import time

import pytest

from curator.cli import main
from curator.service import StudioService
from stylecore.loops import local
from stylecore.loops.local import RenderLoop
from stylecore.settings import RenderSettings
from stylecore.studio.queue import JobQueue

from .conftest import sample_studio
from .mounts import can_mount, fill, read_only_view, small_disk

TINY = RenderSettings(image_size=32, num_iterations=2)


def queue_two(studio):
    with JobQueue(studio) as queue:
        specs = [
            queue.spec_for(studio.contents / "chelsea.png", [studio.styles / name], TINY)
            for name in ("shipwreck.jpg", "the_scream.jpg")
        ]
        return queue.add(specs)


def statuses(studio):
    with JobQueue(studio) as queue:
        return {job.id: (job.status, job.error) for job in queue.jobs()}


class Recorder:
    """The loop's events, and a hook on its first pause."""

    def __init__(self, on_pause=None):
        self.events = []
        self.on_pause = on_pause

    def __call__(self, event):
        self.events.append(event)
        if event.kind == "paused" and self.on_pause is not None:
            hook, self.on_pause = self.on_pause, None
            hook(event)


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small tmpfs")
def test_a_full_disk_pauses_the_loop_and_loses_nothing(tmp_path, monkeypatch, renderer):
    """The studio on a 4 MB disk that fills during the first render: the render cannot be
    written nor its job updated; the loop gives the job back with the reason, pauses, and
    once space is free renders both jobs; no half-written file stays."""
    monkeypatch.setattr(local, "BACKOFF_S", (0.5, 2.0))
    with small_disk(tmp_path / "disk", 4) as disk:
        studio = sample_studio(disk / "s", ("chelsea.png",), ("shipwreck.jpg", "the_scream.jpg"))
        ids = queue_two(studio)
        filler = []

        class Filling(type(renderer)):
            def render_batch(self, requests, on_progress=None, **kwargs):
                results = renderer.render_batch(requests, on_progress, **kwargs)
                if not filler:
                    filler.append(fill(disk))
                return results

        freed = threading.Event()

        def free_space(event):
            assert "disk is full" in event.message
            filler[0].unlink()
            freed.set()

        events = Recorder(on_pause=free_space)
        filling = Filling.__new__(Filling)
        filling.__dict__.update(renderer.__dict__)  # the shared renderer, painter included
        loop = RenderLoop(studio, device="cpu", until_idle=True, on_event=events,
                          renderer=filling)  # fmt: skip
        assert loop.run() == 0
        assert freed.is_set()
        assert {s for s, _ in statuses(studio).values()} == {"done"}
        pngs = sorted(p.stem.rsplit("__", 1)[1] for p in studio.renders.glob("*.png"))
        assert pngs == sorted(ids)
        assert [p.name for p in studio.renders.iterdir() if p.name.startswith(".")] == []
        assert len(list(studio.renders.glob("*.json"))) == 2


def test_an_unwritable_render_gives_its_job_back_with_the_reason(tmp_path, monkeypatch):
    """Fault injection (runs everywhere): the first write fails with ENOSPC."""
    monkeypatch.setattr(local, "BACKOFF_S", (0.2, 1.0))
    studio = sample_studio(tmp_path / "s", ("chelsea.png",), ("shipwreck.jpg", "the_scream.jpg"))
    queue_two(studio)
    real = local.write_render
    calls = []

    def failing(image, png, spec, record):
        calls.append(png)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(png))
        return real(image, png, spec, record)

    monkeypatch.setattr(local, "write_render", failing)
    seen = {}

    def on_pause(event):
        seen.update(statuses(studio))

    loop = RenderLoop(studio, device="cpu", until_idle=True, on_event=Recorder(on_pause))
    assert loop.run() == 0
    given_back = [entry for entry in seen.values() if entry[0] == "queued" and entry[1]]
    assert given_back and "renders/ cannot be written: the disk is full" in given_back[0][1]
    assert {s for s, _ in statuses(studio).values()} == {"done"}
    assert all(error is None for _, error in statuses(studio).values())
    assert len(calls) == 3  # the failed write was tried again


@pytest.mark.skipif(not can_mount(), reason="needs root for a read-only bind mount")
def test_a_read_only_renders_folder_pauses_the_loop(tmp_path, monkeypatch):
    monkeypatch.setattr(local, "BACKOFF_S", (0.3, 1.0))
    studio = sample_studio(tmp_path / "s", ("chelsea.png",), ("shipwreck.jpg",))
    with JobQueue(studio) as queue:
        queue.add([queue.spec_for(studio.contents / "chelsea.png",
                                  [studio.styles / "shipwreck.jpg"], TINY)])  # fmt: skip
    renders = studio.renders
    source = tmp_path / "real-renders"
    renders.rename(source)
    holder = {}

    def writable_again(event):
        holder["reason"] = event.message
        holder["view"].__exit__(None, None, None)
        renders.rmdir()
        source.rename(renders)

    holder["view"] = read_only_view(source, renders)
    holder["view"].__enter__()
    loop = RenderLoop(studio, device="cpu", until_idle=True, on_event=Recorder(writable_again))
    assert loop.run() == 0
    assert "read-only filesystem" in holder["reason"]
    assert {s for s, _ in statuses(studio).values()} == {"done"}


def test_a_live_loop_requeues_a_dead_loop_s_job(tmp_path, monkeypatch):
    """Not only a new loop: a loop already running notices a job whose holder stopped
    beating and takes it over; until then `queue list` says who holds it."""
    monkeypatch.setattr(local, "HEARTBEAT_S", 0.2)
    studio = sample_studio(tmp_path / "s", ("chelsea.png",), ("shipwreck.jpg",))
    with JobQueue(studio) as queue:
        [orphan] = queue.add([queue.spec_for(studio.contents / "chelsea.png",
                                             [studio.styles / "shipwreck.jpg"], TINY)])  # fmt: skip
        queue.claim("otherhost:1:dead", 1)  # a loop on another machine that then died
        queue.conn.execute("UPDATE jobs SET heartbeat = ?", (time.time() - 120,))
    assert main(["queue", "list", "--studio", str(studio.root)]) == 0
    loop = RenderLoop(studio, device="cpu", until_idle=False, poll=0.2, stale_after=60)
    loop.queue.requeue_abandoned = lambda stale_after=0: []  # not at start: only later
    thread = threading.Thread(target=loop.run)
    thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and statuses(studio)[orphan][0] != "done":
        time.sleep(0.1)
    loop.stop.set()
    thread.join(60)
    assert statuses(studio)[orphan][0] == "done"


def test_queue_list_says_held_by_a_dead_loop(tmp_path, capsys):
    studio = sample_studio(tmp_path / "s", ("chelsea.png",), ("shipwreck.jpg",))
    with JobQueue(studio) as queue:
        queue.add([queue.spec_for(studio.contents / "chelsea.png",
                                  [studio.styles / "shipwreck.jpg"], TINY)])  # fmt: skip
        queue.claim("otherhost:1:dead", 1)
        queue.conn.execute("UPDATE jobs SET heartbeat = ?", (time.time() - 120,))
    assert main(["queue", "list", "--studio", str(studio.root)]) == 0
    assert "held by a dead loop" in capsys.readouterr().out


@pytest.mark.skipif(not can_mount(), reason="needs root for a read-only bind mount")
def test_a_read_only_studio_lists_sheets_and_exports_elsewhere(tmp_path, capsys):
    from .studio_factory import make_studio

    studio = make_studio(tmp_path / "s", renders=4)
    with StudioService(studio) as service:
        service.rescan()
        service.rate([service.rows[0].id], stars=5)
    with read_only_view(studio.root, tmp_path / "ro") as ro:
        assert main(["list", str(ro)]) == 0
        assert "4 of 4 renders" in capsys.readouterr().out
        assert main(["sheet", str(ro), "-o", str(tmp_path / "sheet.pdf")]) == 0
        assert main(["export", str(ro), "-o", str(tmp_path / "out")]) == 0
        assert (tmp_path / "out" / "manifest.json").exists()
        capsys.readouterr()
        render = next(p for p in (ro / "renders").glob("*.png"))
        assert main(["rate", str(render), "--stars", "2"]) == 2
        err = capsys.readouterr().err
        assert "cannot save ratings" in err and "read-only filesystem" in err
        assert main(["render", str(ro), "--until-idle", "--quiet"]) == 2
        assert "read-only" in capsys.readouterr().err


@pytest.mark.skipif(not can_mount(), reason="needs root for a read-only bind mount")
def test_a_rating_is_refused_where_the_catalog_could_only_live_in_memory(tmp_path, capsys):
    """A studio copied read-only before its catalog was built: the catalog is rebuilt in
    memory to look, but a rating there would vanish with the command, so it is refused."""
    from .studio_factory import make_studio

    studio = make_studio(tmp_path / "s", renders=2)
    with read_only_view(studio.root, tmp_path / "ro") as ro:
        render = next(p for p in (ro / "renders").glob("*.png"))
        assert main(["rate", str(render), "--stars", "2"]) == 2
        assert "cannot save ratings" in capsys.readouterr().err


def test_the_loop_s_log_on_a_full_disk_drops_lines_instead_of_printing_tracebacks(tmp_path, capsys):
    import logging

    class Full:
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

    for handler_class, noisy in ((logging.FileHandler, True), (local._QuietFileHandler, False)):
        handler = handler_class(tmp_path / "render.log", delay=True)
        handler.stream = Full()
        logger = logging.getLogger(f"full-disk-{handler_class.__name__}")
        logger.propagate = False
        logger.addHandler(handler)
        logger.warning("pausing 10 s")
        logger.removeHandler(handler)
        assert ("Traceback" in capsys.readouterr().err) is noisy
