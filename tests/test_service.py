"""The service layer: ratings with undo, the queue, and calls from worker threads."""

from __future__ import annotations

import threading

import pytest

from curator.ratings import Rating
from curator.service import StudioService, ViewSpec, parse_filter

from .studio_factory import add_renders, make_studio


@pytest.fixture
def service(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=6)
    service = StudioService(studio)
    service.rescan()
    yield service
    service.close()


def test_rate_undo_redo_patch_the_rows_and_the_catalog(service):
    first, second = service.rows[0].id, service.rows[1].id
    assert sorted(service.rate([first, second], stars=4)) == sorted([first, second])
    assert service.rate([first], stars=4) == []  # no change, nothing to undo for it
    assert service.rate([first], label="red", toggle_label=True) == [first]
    assert service.rate([first], label="red", toggle_label=True) == [first]  # off again
    assert {r.id: r.stars for r in service.rows}[first] == 4
    assert service.undo() == [first] and service.undo() == [first]
    assert sorted(service.undo()) == sorted([first, second])
    assert service.catalog.ratings([first])[first] == Rating()
    assert sorted(service.redo()) == sorted([first, second])
    assert service.catalog.ratings([second])[second] == Rating(4)
    assert service.undo() and service.undo() == [] and service.redo()


def test_views_and_selection(service):
    service.rate([service.rows[0].id], flag="pick")
    picked = service.select(ViewSpec(filter=parse_filter("picked")))
    assert [r.id for r in picked] == [service.rows[0].id]
    assert service.rows[0].is_keeper


def test_worker_threads_get_their_own_connections(service, tmp_path):
    """A rescan, statistics and specs from other threads while the app's thread rates: no
    'cannot start a transaction within a transaction', nothing lost."""
    add_renders(service.studio, 4, start=6)
    errors: list[BaseException] = []
    results: dict[str, object] = {}

    def work() -> None:
        try:
            results["rescan"] = service.rescan()
            results["specs"] = service.with_specs(service.rows[:2])
            results["stats"] = service.compute_missing_stats()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    for row in service.rows[:6]:
        service.rate([row.id], stars=3)
    thread.join(120)
    assert not thread.is_alive() and errors == []
    assert results["rescan"] is True and results["stats"] == 8  # 4 styles + 4 contents
    assert all(row.spec is not None for row in results["specs"])  # type: ignore[attr-defined]
    service.reload()
    assert len(service.rows) == 10
    assert sum(row.stars == 3 for row in service.rows) == 6


def test_queue_through_the_service(service):
    contents, styles = service.contents()[:1], service.styles()[:2]
    first = service.queue_pairs(contents, styles, "preview")
    assert (first.added, first.pairs, first.already) == (2, 2, 0)
    again = service.queue_pairs(contents, styles, "preview")
    assert (again.added, again.already) == (0, 2)
    summary = service.queue_summary()
    assert summary.counts["queued"] == 2 and summary.loops == 0
    assert summary.describe() == "queue: 2 queued · no render loop"
    job = service.jobs()[0]
    assert service.cancel(service.resolve_jobs([job.id[:6]])) == 1
    assert service.retry([job.id]) == 1
    new = service.rerun(service.rows[0])
    assert new is not None and service.queue.get(new).parent == service.rows[0].job_id
