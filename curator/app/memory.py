"""The app process's memory: fewer malloc arenas, and the cycle collector run at rest.

glibc gives each thread that allocates its own arena (up to eight per core) and keeps what is
freed there for reuse. The thumbnail workers decode pictures on their threads, so their arenas
fill with freed decoding buffers that the process holds on to: measured with 10,000 renders
(bench/app.py), 229 MB resident with the default and 185 MB with two arenas, with the same
key latencies. Only the limit is set; other C libraries and non-glibc systems are untouched.
Python's cycle collection is moved out of keystrokes into the artist's pauses:
`RestingCollector`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import time
from collections.abc import Callable

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2

_done: list[bool] = []


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` malloc arenas (once; before threads allocate much).
    False where there is no glibc (musl, macOS) or the call is refused."""
    if _done:
        return _done[0]
    ok = False
    name = ctypes.util.find_library("c")
    if name:
        try:
            libc = ctypes.CDLL(name)
            ok = bool(libc.mallopt(M_ARENA_MAX, arenas))
        except (OSError, AttributeError):
            ok = False
    _done.append(ok)
    return ok


class RestingCollector:
    """Python's cycle collector run while the artist rests, not inside a keystroke.

    Left automatic, collections start whenever enough objects have been allocated, which in
    this app is mostly while a key is drawn: measured over bench/app.py's run (10,000 renders,
    half-cell), eight full collections of up to 390 ms and dozens of 10-30 ms younger ones;
    with them off, the p95 of a stack toggle went from 64 to 44 ms, a pan step from 66 to
    44 ms, a zoom from 121 to 69 ms. So automatic collection is off while the app runs; `tick`
    (on a timer) collects the young generations once no key or mouse event has come for
    `rest_s`, and everything after a longer rest (`full_rest_s`).
    A backlog of `backlog` allocations is collected even without a rest, so that memory stays
    bounded under a key held down: Textual's strips keep themselves in their own caches, so
    every line drawn is a cycle, and a sixel line holds its pictures' data (after the bench's
    burst of 400 keys the sheet over sixel held 290 MB with a backlog of 500,000 and 204 MB
    with 100,000, at the same latencies). What is alive once the first screen is drawn (the
    catalog's rows, the widgets) is frozen out of collection (`gc.freeze`): none of it is
    garbage yet, and a full collection no longer walks it.
    """

    def __init__(
        self,
        rest_s: float = 0.5,
        full_rest_s: float = 3.0,
        backlog: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rest_s, self.full_rest_s, self.backlog = rest_s, full_rest_s, backlog
        self.clock = clock
        self.last_event = clock()
        self.young_done = self.full_done = True
        self.running = False
        self.collections = 0  # made by `tick`

    def start(self) -> None:
        """Automatic collection off (the app calls `tick` on a timer from now on)."""
        if not self.running:
            self.running = True
            self._was_enabled = gc.isenabled()
            gc.disable()

    def freeze(self) -> None:
        """Leave what is alive now out of every collection from here on."""
        gc.freeze()

    def stop(self) -> None:
        """Back to Python's own collection (the app is closing; tests go on in the process)."""
        if self.running:
            self.running = False
            gc.unfreeze()
            if self._was_enabled:
                gc.enable()

    def touch(self) -> None:
        """An input event came: the artist is at work."""
        self.last_event = self.clock()
        self.young_done = self.full_done = False

    def tick(self) -> int | None:
        """Collect if it is time to; the generation collected, or None."""
        if not self.running:
            return None
        rested = self.clock() - self.last_event
        if rested >= self.full_rest_s and not self.full_done:
            gc.collect(2)
            self.young_done = self.full_done = True
            self.collections += 1
            return 2
        if (rested >= self.rest_s and not self.young_done) or gc.get_count()[0] > self.backlog:
            gc.collect(1)
            self.young_done = True
            self.collections += 1
            return 1
        return None
