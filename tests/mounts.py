"""Real faults for tests: a small tmpfs to fill, a read-only bind mount.

Mounting needs root (and a kernel that lets the test mount). Where it cannot, the helpers
say so and the tests fall back to injected faults, as the hardening issue asks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def small_disk(path: Path, megabytes: int) -> Iterator[Path]:
    """A tmpfs of `megabytes` at `path` (made), unmounted afterwards whatever happens."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def read_only_view(source: Path, view: Path) -> Iterator[Path]:
    """`source` seen read-only at `view` (a bind mount), unmounted afterwards."""
    view.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--bind", str(source), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)


def fill(folder: Path) -> Path:
    """Fill the filesystem holding `folder` to the last byte; returns the filler file."""
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as handle:
        for size in (65536, 4096, 1):
            try:
                while handle.write(b"\0" * size):
                    pass
            except OSError:
                continue
    return filler
