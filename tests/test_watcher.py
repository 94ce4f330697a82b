"""The folder watcher: real watchdog events, batched; temporary files and reads ignored."""

from __future__ import annotations

import os
import queue
import shutil

import pytest

from curator.watcher import Changes, FolderWatcher
from stylecore.files import write_bytes_atomic


@pytest.fixture
def watched(tmp_path):
    folders = {"renders": tmp_path / "renders", "styles": tmp_path / "styles"}
    batches: queue.Queue[Changes] = queue.Queue()
    watcher = FolderWatcher(folders, batches.put)
    watcher.start()
    yield folders, batches
    watcher.stop()


def collect(batches: queue.Queue[Changes], until, timeout: float = 20.0) -> Changes:
    """Merge batches until `until(merged)` holds."""
    merged = Changes()
    while not until(merged):
        batch = batches.get(timeout=timeout)
        for kind, paths in batch.landed.items():
            merged.landed.setdefault(kind, set()).update(paths)
        for kind, paths in batch.gone.items():
            merged.gone.setdefault(kind, set()).update(paths)
        for kind, moves in batch.moved.items():
            merged.moved.setdefault(kind, []).extend(moves)
    return merged


def test_an_atomic_write_lands_once_and_its_temporary_file_is_never_seen(watched):
    folders, batches = watched
    target = folders["renders"] / "a.png"
    write_bytes_atomic(target, b"png bytes")
    merged = collect(batches, lambda c: target in c.landed.get("renders", set()))
    seen = {p.name for paths in merged.landed.values() for p in paths}
    assert all(not name.startswith(".") for name in seen)
    assert merged.kinds() == {"renders"}


def test_moves_deletes_and_other_folders(watched):
    folders, batches = watched
    first = folders["renders"] / "first.png"
    first.write_bytes(b"x")
    collect(batches, lambda c: first in c.landed.get("renders", set()))
    renamed = folders["renders"] / "renamed.png"
    os.replace(first, renamed)
    merged = collect(batches, lambda c: bool(c.moved.get("renders")))
    assert merged.moved["renders"] == [(first, renamed)]
    renamed.unlink()
    collect(batches, lambda c: renamed in c.gone.get("renders", set()))
    style = folders["styles"] / "painting.jpg"
    shutil.copyfile(__file__, style)
    merged = collect(batches, lambda c: style in c.landed.get("styles", set()))
    assert "styles" in merged.kinds()


def test_reading_a_file_reports_nothing(watched):
    folders, batches = watched
    target = folders["renders"] / "b.png"
    target.write_bytes(b"y")
    collect(batches, lambda c: target in c.landed.get("renders", set()))
    for _ in range(5):
        target.read_bytes()  # the app's own thumbnail reads must not look like new files
    marker = folders["renders"] / "marker.png"
    marker.write_bytes(b"z")  # an event we wait for, so the reads had their chance first
    merged = collect(batches, lambda c: marker in c.landed.get("renders", set()))
    assert target not in merged.landed.get("renders", set())


def test_a_burst_arrives_in_few_batches(watched):
    folders, batches = watched
    paths = [folders["renders"] / f"burst-{i}.png" for i in range(20)]
    for path in paths:
        write_bytes_atomic(path, b"q", durable=False)
    count = [0]

    def all_landed(changes: Changes) -> bool:
        count[0] += 1
        return set(paths) <= changes.landed.get("renders", set())

    collect(batches, all_landed)
    assert count[0] <= 6  # batched over a short window, not one update per file
