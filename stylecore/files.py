"""Writing files whole or not at all, and only where they belong.

Every file style-curator writes (renders and sidecars, thumbnails, exports, sheets, the cluster
actor's copies of inputs) goes through `atomic_file`: it is written under a hidden temporary
name beside its target, created exclusively and never through a symbolic link, flushed, and
renamed into place, so a reader never sees half a file and a crash or a full disk leaves the
target as it was. Given the folder a file must stay in, `atomic_file` also refuses a target
whose folder resolves outside it (a hostile name, a linked folder) or that is itself a link.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from stylecore.errors import StyleCoreError


class UnsafeWrite(StyleCoreError):
    """A write that would land outside its folder, or go through a symbolic link."""


def check_inside(path: str | Path, folder: str | Path) -> Path:
    """`path`, after checking that a file written there stays inside `folder`.

    The parent is resolved with every link followed and must lie inside `folder` (also
    resolved); `path` itself must not be a symbolic link, dangling or not: an open would follow
    it, and replacing it silently would hide that something put it there.
    """
    path, folder = Path(path), Path(folder)
    root = folder.resolve()
    parent = path.parent.resolve()
    if not parent.is_relative_to(root):
        raise UnsafeWrite(f"{path}: would be written outside {folder}")
    if path.is_symlink():
        raise UnsafeWrite(f"{path}: is a symbolic link; refusing to write through it")
    return path


def temporary_name(path: Path) -> Path:
    """A hidden name beside `path`, unique to this process and thread."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")


@contextmanager
def atomic_file(
    path: str | Path, *, inside: str | Path | None = None, durable: bool = True
) -> Iterator[BinaryIO]:
    """A binary file to write that appears at `path` whole or not at all.

    `inside`: the folder the file must stay in (see `check_inside`). `durable`: flush to the
    disk before the rename (renders and exports); caches that can be remade skip it.
    """
    path = Path(path)
    if inside is not None:
        check_inside(path, inside)
    tmp = temporary_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(
    path: str | Path, data: bytes, *, inside: str | Path | None = None, durable: bool = True
) -> None:
    with atomic_file(path, inside=inside, durable=durable) as handle:
        handle.write(data)


def write_text_atomic(
    path: str | Path, text: str, *, inside: str | Path | None = None, durable: bool = True
) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), inside=inside, durable=durable)
