"""Thumbnails: a disk cache in .curator/thumbs/, a memory cache, and a background pool.

A thumbnail is keyed by the file's identity and modification (name, inode, size, mtime), so a
re-rendered file gets a new thumbnail and a renamed one keeps its own. Decoding never happens
on the caller's thread when asked through `request`; a file that cannot be decoded gives a
`ThumbError` with a one-line reason, which the app shows in place of the picture.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image

from stylecore.errors import StyleCoreError
from stylecore.files import atomic_file
from stylecore.images import load_rgb

THUMB_SIZE = 256


@dataclass(frozen=True)
class ThumbError:
    """Why a thumbnail could not be made."""

    message: str


Thumb = Image.Image | ThumbError


def thumb_key(path: Path, size: int = THUMB_SIZE) -> str:
    stat = path.stat()
    identity = f"{path.name}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{size}"
    return hashlib.sha1(identity.encode()).hexdigest()


def _yield_to_the_app(niceness: int = 10) -> None:
    """Run this worker thread at a lower priority (Linux schedules threads alone): on a busy
    machine a keystroke's repaint then waits for no thumbnail being decoded ahead of need."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + niceness)
    except (AttributeError, OSError):
        pass  # not Linux, or not allowed: the same work at the same priority


class ThumbnailCache:
    """Thumbnails of the images in one studio (renders, contents, styles)."""

    def __init__(self, folder: Path, size: int = THUMB_SIZE, memory: int = 240, workers: int = 2):
        self.folder = folder
        self.size = size
        self.folder.mkdir(parents=True, exist_ok=True)
        self._memory: OrderedDict[tuple[str, int], Thumb] = OrderedDict()
        self._memory_limit = memory
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="thumbs", initializer=_yield_to_the_app
        )
        self._pending: dict[tuple[str, int], Future[Thumb]] = {}

    def close(self) -> None:
        """Drop queued work and wait for the thumbnails being made (each a few ms)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _memory_key(self, path: Path) -> tuple[str, int]:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = -1
        return str(path), mtime

    def cached(self, path: Path) -> Thumb | None:
        """The thumbnail if it is in memory (never touches the disk cache or decodes)."""
        key = self._memory_key(path)
        with self._lock:
            thumb = self._memory.get(key)
            if thumb is not None:
                self._memory.move_to_end(key)
            return thumb

    def get(self, path: Path) -> Thumb:
        """The thumbnail, made now if needed (on the caller's thread)."""
        found = self.cached(path)
        if found is not None:
            return found
        thumb = self._make(path)
        self._remember(self._memory_key(path), thumb)
        return thumb

    def request(self, path: Path, done: Callable[[Path, Thumb], None]) -> None:
        """Make the thumbnail in the background and call `done(path, thumb)` from the pool."""
        found = self.cached(path)
        if found is not None:
            done(path, found)
            return
        key = self._memory_key(path)
        with self._lock:
            future = self._pending.get(key)
            if future is None:
                future = self._pool.submit(self._make_and_remember, path, key)
                self._pending[key] = future
        future.add_done_callback(partial(_deliver, path, done))

    def _make_and_remember(self, path: Path, key: tuple[str, int]) -> Thumb:
        thumb = self._make(path)
        self._remember(key, thumb)
        with self._lock:
            self._pending.pop(key, None)
        return thumb

    def _remember(self, key: tuple[str, int], thumb: Thumb) -> None:
        with self._lock:
            self._memory[key] = thumb
            self._memory.move_to_end(key)
            while len(self._memory) > self._memory_limit:
                self._memory.popitem(last=False)

    def _make(self, path: Path) -> Thumb:
        try:
            key = thumb_key(path, self.size)
        except OSError as exc:
            return ThumbError(f"{path.name}: {exc.strerror or 'cannot read'}")
        cached = self.folder / f"{key}.jpg"
        if cached.exists():
            try:
                with Image.open(cached) as stored:
                    stored.load()
                    return stored.convert("RGB")
            except OSError:
                cached.unlink(missing_ok=True)
        try:
            image = load_rgb(path, self.size)
        except StyleCoreError as exc:
            return ThumbError(str(exc).replace(f"{path}: ", ""))
        except OSError as exc:
            return ThumbError(str(exc))
        image.thumbnail((self.size, self.size), Image.Resampling.LANCZOS)
        try:  # a cache: no fsync, and a failed write (a full disk) only costs a later decode
            with atomic_file(cached, inside=self.folder, durable=False) as handle:
                image.save(handle, "JPEG", quality=90)
        except (OSError, StyleCoreError):
            pass
        return image


def _deliver(path: Path, done: Callable[[Path, Thumb], None], future: Future[Thumb]) -> None:
    """Hand a finished thumbnail to `done`; one cancelled at shutdown (the app closing while
    pictures decode) is dropped quietly, not printed as an error on the artist's terminal."""
    if not future.cancelled():
        done(path, future.result())
