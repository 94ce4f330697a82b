"""The render loop: claims jobs from a studio's queue, renders them, writes them atomically.

It never loses or repeats work:
- jobs are claimed under a write lock, so loops sharing a studio never take the same job;
- a heartbeat thread (its own database connection) beats every 2 s for the loop and the jobs it
  holds, records their progress, and notices cancels and stop requests;
- on SIGINT/SIGTERM the job in hand is requeued within one optimisation step, then the loop exits;
- running jobs whose loop died (a dead pid on this host, or a heartbeat older than 30 s) are
  requeued by any live loop: at its start and every 10 s from its heartbeat thread;
- a render that cannot be written (a full disk, an unwritable renders/) goes back to the queue
  with the reason, and the loop pauses, then retries with a growing back-off (10 s to 5 min);
  a database write that fails for the same reasons pauses the loop the same way;
- a render lands as a temporary hidden file renamed into place (sidecar first, then the PNG),
  under a name that contains the job id, so a repeated job overwrites rather than duplicates;
- a bad input image fails only its own jobs; CUDA out-of-memory retries the batch one job at a
  time, then fails the job that still does not fit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import torch

from stylecore.errors import RenderCancelled, StyleCoreError
from stylecore.gatys.engine import Renderer, describe_device
from stylecore.images import load_rgb, set_max_megapixels
from stylecore.loops.events import LoopEvent
from stylecore.naming import safe_stem
from stylecore.preview.painter import PreviewPainter
from stylecore.render_files import write_render
from stylecore.rendering import ProgressReport, RenderEngine, RenderOutcome
from stylecore.studio.database import ReadOnlyStudio, describe_failure, is_space_or_io
from stylecore.studio.folder import Studio
from stylecore.studio.queue import Job, JobQueue
from stylecore.studio.registry import STALE_AFTER_S, new_loop_id

HEARTBEAT_S = 2.0
#: Every this many heartbeats, the loop requeues jobs held by loops that died.
RECOVER_EVERY_BEATS = 5
#: Back-off after a failed write: first pause, and the longest.
BACKOFF_S = (10.0, 300.0)
log = logging.getLogger("stylecore.loop")


def render_name(job: Job) -> str:
    """`<content-stem>__<style-stem>[+<style-stem>...]__<job-id>.png`"""
    content = safe_stem(Path(job.content).stem)
    styles = "+".join(safe_stem(Path(s).stem, 24) for s in job.styles)
    return f"{content}__{styles[:60]}__{job.id}.png"


class _Heartbeat(threading.Thread):
    """Beats every 2 s; writes progress; flags lost jobs and stop requests."""

    def __init__(self, loop: RenderLoop) -> None:
        super().__init__(name="stylecore-heartbeat", daemon=True)
        self.loop = loop
        self.halt = threading.Event()

    def run(self) -> None:
        queue = JobQueue(self.loop.studio)
        beats = 0
        try:
            while not self.halt.wait(HEARTBEAT_S):
                self.beat(queue)
                beats += 1
                if beats % RECOVER_EVERY_BEATS == 0:
                    self.recover(queue)
        finally:
            queue.close()

    def recover(self, queue: JobQueue) -> None:
        """Requeue what dead loops hold, so a killed loop's job does not wait for a new one."""
        try:
            requeued = queue.requeue_abandoned(self.loop.stale_after)
        except Exception:  # a locked or full database: next time
            return
        if requeued:
            log.info("requeued %d job(s) left by a loop that died: %s", len(requeued), requeued)

    def beat(self, queue: JobQueue) -> None:
        loop = self.loop
        held = list(loop.current)
        try:
            if queue.loops.beat(loop.worker_id, held, "rendering" if held else "idle"):
                loop.stop.set()
            queue.beat_jobs(loop.worker_id, held)
            for job_id, (iteration, total, loss, eta) in list(loop.latest.items()):
                queue.progress(job_id, loop.worker_id, iteration, total, loss, eta)
            still = queue.held(loop.worker_id, held)
            loop.lost.update(set(held) - still)
        except Exception:  # a locked or busy database must not kill the heartbeat
            log.warning("heartbeat failed: %s", traceback.format_exc(limit=1).strip())


class RenderLoop:
    """One render loop on one device. `run()` returns an exit status."""

    def __init__(
        self,
        studio: Studio,
        *,
        device: str | None = None,
        batch: int = 1,
        until_idle: bool = False,
        poll: float = 1.0,
        stale_after: float = STALE_AFTER_S,
        renderer: Renderer | None = None,
        on_event: Callable[[LoopEvent], None] | None = None,
    ) -> None:
        self.studio = studio
        self.batch = max(1, batch)
        self.until_idle = until_idle
        self.poll = poll
        self.stale_after = stale_after
        self.device = device or studio.config.device
        set_max_megapixels(studio.config.max_image_megapixels)
        self.renderer = renderer or Renderer(self.device)
        if self.renderer.init_painter is None:  # the default start needs it; share our previews
            self.renderer.init_painter = PreviewPainter(self.device, self._previews)
        self._previewer: RenderEngine | None = None
        self.on_event = on_event or (lambda event: None)
        self.worker_id = new_loop_id()
        self.queue = JobQueue(studio)
        self.stop = threading.Event()
        self.current: list[str] = []
        self.latest: dict[str, tuple[int, int, float | None, float | None]] = {}
        self.lost: set[str] = set()
        self.rendered = 0
        self.failed = 0
        #: Jobs whose render landed but whose completion, or whose giving back, could not be
        #: written yet (a full database): id -> (render name, or None to give back; reason).
        self.unsettled: dict[str, tuple[str | None, str]] = {}
        self.pause_until = 0.0
        self.backoff = BACKOFF_S[0]
        self.pause_reason = ""

    # ------------------------------------------------------------------ running

    def run(self) -> int:
        """Register, recover what dead loops left, render until stopped (or idle), clean up."""
        if self.queue.read_only_reason:
            raise ReadOnlyStudio(
                f"cannot start a render loop: the studio is open read-only "
                f"({self.queue.read_only_reason})"
            )
        _setup_log(self.studio)
        previous = self._install_signals()
        heartbeat = _Heartbeat(self)
        try:
            self.queue.loops.register(self.worker_id, self.describe())
            requeued = self.queue.requeue_abandoned(self.stale_after)
            if requeued:
                log.info("requeued %d job(s) left by a loop that died: %s", len(requeued), requeued)
            _remove_stale_temporaries(self.studio.renders)
            log.info(
                "loop %s started on %s (batch %d)", self.worker_id, self.describe(), self.batch
            )
            heartbeat.start()
            self.main()
        finally:
            heartbeat.halt.set()
            heartbeat.join(timeout=5)
            self.shutdown()
            self._give_back(self.current)
            self.queue.loops.unregister(self.worker_id)
            self.queue.close()
            self._restore_signals(previous)
            log.info(
                "loop %s stopped: %d rendered, %d failed",
                self.worker_id,
                self.rendered,
                self.failed,
            )
        return 0

    def describe(self) -> str:
        return describe_device(self.renderer.device)

    def main(self) -> None:
        """Claim, render, repeat. The Ray driver replaces this with its pool of actors."""
        while not self.stop.is_set():
            if self.wait_paused():
                continue
            try:
                if not self.settle():
                    continue
                jobs = self.queue.claim(self.worker_id, self.batch)
                if not jobs:
                    if self.wait_idle():
                        continue
                    break
                self._run(jobs)
            except sqlite3.OperationalError as exc:
                if not is_space_or_io(exc):
                    raise
                self.pause(self._database_reason(exc))

    # ------------------------------------------------------------------ pausing

    def pause(self, reason: str) -> None:
        """Stop claiming for a while (growing back-off), saying why."""
        self.pause_until = time.monotonic() + self.backoff
        self.pause_reason = reason
        message = f"{reason}; pausing {self.backoff:.0f} s, then trying again"
        log.warning(message)
        self.on_event(LoopEvent("paused", [], message=message))
        self.backoff = min(BACKOFF_S[1], self.backoff * 2)

    def wait_paused(self) -> bool:
        """While paused: wait (True); once the pause is over: False."""
        remaining = self.pause_until - time.monotonic()
        if remaining <= 0:
            return False
        self.stop.wait(remaining)
        return True

    def settle(self) -> bool:
        """Write what could not be written before (completions, jobs given back); True when
        nothing is left unsettled."""
        try:
            for job_id, (name, reason) in list(self.unsettled.items()):
                if name is not None:
                    self.queue.complete(job_id, self.worker_id, name)
                else:
                    self.queue.requeue(job_id, self.worker_id, note=reason)
                del self.unsettled[job_id]
        except sqlite3.OperationalError as exc:
            if not is_space_or_io(exc):
                raise
            self.pause(self._database_reason(exc))
        self.current = [*self.current_batch, *self.unsettled]
        return not self.unsettled

    def wait_idle(self) -> bool:
        """Nothing to do: wait a poll interval and go on (True), or, `until_idle`, stop."""
        if self.until_idle:
            return False
        self.on_event(LoopEvent("idle", []))
        self.stop.wait(self.poll)
        return True

    def shutdown(self) -> None:
        """Release what the loop holds beyond the queue (the Ray driver stops its actors)."""

    @property
    def current_batch(self) -> list[str]:
        return [job_id for job_id in self.current if job_id not in self.unsettled]

    def _run(self, jobs: list[Job]) -> None:
        self.current = [job.id for job in jobs]
        self.lost.clear()
        runnable = self._check_inputs(jobs)
        try:
            if runnable:
                self._render(runnable, retry_smaller=len(runnable) > 1)
        finally:
            # Jobs still unsettled stay in hand, so the heartbeat keeps them this loop's.
            self.current = list(self.unsettled)
            self.latest.clear()

    def _check_inputs(self, jobs: list[Job]) -> list[Job]:
        """Fail jobs whose images cannot be read; the others go on."""
        ok: list[Job] = []
        for job in jobs:
            request = job.spec.request(self.studio.root)
            paths = [request.content, *(s.path for s in request.styles)]
            if request.init_image is not None:
                paths.append(request.init_image)
            size = request.settings.image_size
            try:
                for path in paths:
                    load_rgb(path, size)
            except StyleCoreError as exc:
                self._fail(job, str(exc))
                continue
            ok.append(job)
        return ok

    def _render(self, jobs: list[Job], retry_smaller: bool) -> None:
        requests = [job.spec.request(self.studio.root) for job in jobs]
        self.on_event(LoopEvent("start", jobs))
        log.info("rendering %s", ", ".join(f"{j.id} ({render_name(j)})" for j in jobs))
        started = time.time()
        try:
            engine: RenderEngine = (
                self._previews() if jobs[0].spec.engine == "preview" else self.renderer
            )
            results = engine.render_batch(requests, self._callback(jobs, started))
        except RenderCancelled:
            self._give_back([job.id for job in jobs])
            return
        except torch.OutOfMemoryError:
            torch.cuda.empty_cache() if torch.cuda.is_available() else None
            if retry_smaller:
                log.warning("out of memory with a batch of %d; retrying one at a time", len(jobs))
                # All of them stay in self.current, so the heartbeat keeps them ours meanwhile.
                for job in jobs:
                    if self.stop.is_set():
                        self._give_back([job.id])
                        continue
                    self._render([job], retry_smaller=False)
                return
            size = jobs[0].spec.settings.image_size
            for job in jobs:
                self._fail(
                    job,
                    out_of_memory_message(self.renderer.device, size),
                )
            return
        except StyleCoreError as exc:
            for job in jobs:
                self._fail(job, str(exc))
            return
        except Exception as exc:  # an engine bug must not take the loop down with it
            log.error("render failed:\n%s", traceback.format_exc())
            for job in jobs:
                self._fail(job, f"internal error: {type(exc).__name__}: {exc}")
            return
        for job, result in zip(jobs, results, strict=True):
            self._finish(job, result, len(jobs))

    def _previews(self) -> RenderEngine:
        """The preview engine, loaded on the first preview job."""
        if self._previewer is None:
            from stylecore.preview.engine import PreviewEngine

            self._previewer = PreviewEngine(self.device)
        return self._previewer

    def _callback(self, jobs: list[Job], started: float) -> Callable[[ProgressReport], None]:
        last = [0.0]

        def on_progress(progress: ProgressReport) -> None:
            if self.stop.is_set():
                raise RenderCancelled("loop stopping")
            if self.lost and all(job.id in self.lost for job in jobs):
                raise RenderCancelled("jobs cancelled")
            now = time.time()
            if now - last[0] < 1.0 and progress.iteration < progress.total:
                return  # reading the losses syncs the device: about once a second is enough
            last[0] = now
            elapsed = now - started
            eta = elapsed / progress.iteration * (progress.total - progress.iteration)
            for job, loss in zip(jobs, progress.losses, strict=True):
                self.latest[job.id] = (progress.iteration, progress.total, loss, eta)
            self.on_event(LoopEvent("progress", jobs, progress))

        return on_progress

    def _finish(self, job: Job, result: RenderOutcome, batch_size: int) -> None:
        if job.id in self.lost:
            log.info("job %s was cancelled while rendering; result dropped", job.id)
            return
        name = render_name(job)
        record = {**result.sidecar(), "worker": self.worker_id, "batch": batch_size}
        try:
            write_render(result.image, self.studio.renders / name, job.spec, record)
        except OSError as exc:
            self._cannot_write(job, exc)
            return
        self.backoff = BACKOFF_S[0]
        try:
            completed = self.queue.complete(job.id, self.worker_id, name)
        except sqlite3.OperationalError as exc:
            if not is_space_or_io(exc):
                raise
            self.unsettled[job.id] = (name, "")
            self.pause(self._database_reason(exc))
            return
        if completed:
            self.rendered += 1
            log.info("done %s -> renders/%s (%.1f s)", job.id, name, result.seconds)
            self.on_event(LoopEvent("done", [job], message=name))
        else:
            log.info("job %s finished but is no longer ours (cancelled)", job.id)

    def _database_reason(self, exc: BaseException) -> str:
        return f"the studio database cannot be written: {describe_failure(exc, self.studio.state)}"

    def _cannot_write(self, job: Job, exc: OSError) -> None:
        """The render could not be written: the job goes back to the queue with the reason
        (the render was not the job's fault), and the loop pauses before the next one."""
        reason = f"renders/ cannot be written: {describe_failure(exc, self.studio.renders)}"
        try:
            self.queue.requeue(job.id, self.worker_id, note=reason)
        except sqlite3.OperationalError:
            self.unsettled[job.id] = (None, reason)
        log.error("could not write %s: %s", job.id, exc)
        self.pause(reason)

    def _fail(self, job: Job, error: str) -> None:
        if self.queue.fail(job.id, self.worker_id, error):
            self.failed += 1
            log.error("failed %s: %s", job.id, error)
            self.on_event(LoopEvent("failed", [job], message=error))

    def _give_back(self, ids: Sequence[str]) -> None:
        given = [job_id for job_id in ids if self.queue.requeue(job_id, self.worker_id)]
        if given:
            log.info("requeued %s", ", ".join(given))
            self.on_event(LoopEvent("requeued", [], message=", ".join(given)))

    # ------------------------------------------------------------------ signals

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def handler(signum: int, frame: FrameType | None) -> None:
            if self.stop.is_set() and signum == signal.SIGINT:
                raise KeyboardInterrupt  # a second Ctrl-C: stop now
            log.info("signal %d: requeueing and stopping", signum)
            self.stop.set()

        return {
            signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)
        }

    @staticmethod
    def _restore_signals(previous: dict[int, Any]) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _QuietFileHandler(logging.FileHandler):
    """The loop's log file. A full or read-only disk makes a log line unwritable: that line
    is dropped, not turned into a traceback on stderr (the loop says itself that it pauses,
    and the log catches up once there is space)."""

    def handleError(self, record: logging.LogRecord) -> None:
        if self.stream is not None:
            with contextlib.suppress(OSError):
                self.stream.flush()


def _setup_log(studio: Studio) -> None:
    studio.logs.mkdir(parents=True, exist_ok=True)
    path = studio.logs / "render.log"
    if any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        return
    try:
        handler: logging.Handler = _QuietFileHandler(path, encoding="utf-8")
    except OSError:  # a full disk: the log goes to stderr rather than nowhere
        handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s pid {os.getpid()} %(levelname)s %(message)s")
    )
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def out_of_memory_message(device: object, size: int) -> str:
    """A job's error when it does not fit on its device even alone."""
    return (
        f"out of memory on {device} at {size} px; try a smaller image size, --precision bf16, "
        "or a smaller --lbfgs-history"
    )


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of writers that died (`.NAME.tmp-PID` with PID gone)."""
    if not folder.is_dir():
        return
    for path in folder.glob(".*.tmp-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                continue
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        path.unlink(missing_ok=True)
