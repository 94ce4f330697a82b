"""Fewer malloc arenas for the app's process.

glibc gives each thread that allocates its own arena (up to eight per core) and keeps what is
freed there for reuse. The thumbnail workers decode pictures on their threads, so their arenas
fill with freed decoding buffers that the process holds on to: measured with 10,000 renders
(bench/app.py), 229 MB resident with the default and 185 MB with two arenas, with the same
key latencies. Only the limit is set; other C libraries and non-glibc systems are untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util

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
