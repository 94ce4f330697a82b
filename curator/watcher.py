"""Watching renders/, styles/ and contents/ for files that land, change, move or leave.

watchdog 7 also reports opens and reads (the app's own thumbnail reads among them): only
created, closed-after-write, moved and deleted events count here, and hidden temporary files
(the render loop's `.NAME.tmp-PID`) are ignored. Events are batched over a short window so a
burst of renders becomes one update.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

BATCH_SECONDS = 0.15


@dataclass
class Changes:
    """What happened in one folder kind ("renders", "styles", "contents") during a batch."""

    landed: dict[str, set[Path]] = field(default_factory=dict)  # created or rewritten
    gone: dict[str, set[Path]] = field(default_factory=dict)
    moved: dict[str, list[tuple[Path, Path]]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.landed or self.gone or self.moved)

    def kinds(self) -> set[str]:
        return set(self.landed) | set(self.gone) | set(self.moved)


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and ".tmp-" not in path.name


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, kind: str) -> None:
        self.watcher = watcher
        self.kind = kind

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        if isinstance(event, FileMovedEvent):
            self.watcher._moved(self.kind, Path(str(event.src_path)), Path(str(event.dest_path)))
        elif isinstance(event, (FileCreatedEvent, FileClosedEvent)):
            self.watcher._landed(self.kind, Path(str(event.src_path)))
        elif isinstance(event, FileDeletedEvent):
            self.watcher._gone(self.kind, Path(str(event.src_path)))
        # FileOpenedEvent, FileClosedNoWriteEvent, FileModifiedEvent: ignored on purpose.


class FolderWatcher:
    """Watches folders (kind -> path) and calls `deliver(changes)` from a background thread."""

    def __init__(self, folders: dict[str, Path], deliver: Callable[[Changes], None]) -> None:
        self.folders = folders
        self.deliver = deliver
        self._observer = Observer()
        self._lock = threading.Lock()
        self._changes = Changes()
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        for kind, folder in self.folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            self._observer.schedule(_Handler(self, kind), str(folder), recursive=False)
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()

    def _landed(self, kind: str, path: Path) -> None:
        if _visible(path):
            with self._lock:
                self._changes.landed.setdefault(kind, set()).add(path)
                self._changes.gone.get(kind, set()).discard(path)
            self._schedule()

    def _gone(self, kind: str, path: Path) -> None:
        if _visible(path):
            with self._lock:
                self._changes.gone.setdefault(kind, set()).add(path)
                self._changes.landed.get(kind, set()).discard(path)
            self._schedule()

    def _moved(self, kind: str, source: Path, target: Path) -> None:
        if not _visible(source):  # a temporary file renamed into place: it landed
            self._landed(kind, target)
        elif _visible(target):
            with self._lock:
                self._changes.moved.setdefault(kind, []).append((source, target))
            self._schedule()
        else:
            self._gone(kind, source)

    def _schedule(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(BATCH_SECONDS, self._flush)
                self._timer.daemon = True
                self._timer.start()

    def _flush(self) -> None:
        with self._lock:
            changes, self._changes = self._changes, Changes()
            self._timer = None
        if not changes.empty():
            self.deliver(changes)
