"""The app's memory: Python's cycle collection moved into the artist's pauses."""

from __future__ import annotations

import gc
import weakref

import pytest

from curator.app.memory import RestingCollector

pytestmark = pytest.mark.timeout(60)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    """Garbage only the cycle collector frees; a weak reference to watch it go."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def collector():
    clock = Clock()
    collector = RestingCollector(rest_s=0.5, full_rest_s=3.0, clock=clock)
    collector.clock_ = clock  # type: ignore[attr-defined]
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()


def test_nothing_is_collected_while_the_artist_works(collector):
    assert not gc.isenabled()
    collector.touch()
    garbage = cycle()
    collector.clock_.now += 0.2
    assert collector.tick() is None
    assert garbage() is not None  # no automatic collection either
    collector.clock_.now += 0.4  # 0.6 s since the last key
    assert collector.tick() == 1
    assert garbage() is None
    assert collector.tick() is None  # once per rest


def test_a_longer_rest_collects_everything_once(collector):
    collector.touch()
    collector.clock_.now += 0.6
    assert collector.tick() == 1
    collector.clock_.now += 3.0
    assert collector.tick() == 2
    assert collector.tick() is None
    collector.touch()  # back at work, then resting again: young first, then everything
    collector.clock_.now += 0.6
    assert collector.tick() == 1


def test_a_backlog_is_collected_without_a_rest():
    clock = Clock()
    collector = RestingCollector(backlog=1_000, clock=clock)
    collector.start()
    try:
        collector.touch()
        garbage = cycle()
        keep = [Node() for _ in range(2_000)]  # allocations with no pause between them
        assert collector.tick() == 1
        assert garbage() is None and len(keep) == 2_000
    finally:
        collector.stop()


def test_stopping_gives_collection_back_to_python():
    was = gc.isenabled()
    collector = RestingCollector()
    collector.start()
    collector.freeze()
    assert gc.get_freeze_count() > 0
    collector.stop()
    assert gc.isenabled() == was and gc.get_freeze_count() == 0
