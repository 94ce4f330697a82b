"""The render loop on a Ray cluster: a driver that claims jobs from the studio's queue and runs
them on a pool of Ray actors, one per GPU (or per CPU slot on a CPU-only cluster).

The driver is the local render loop with its main loop replaced: it registers and beats as a
loop, claims jobs exactly as the local loop does (so the queue, the app and other loops see no
difference), requeues what it holds on SIGINT/SIGTERM, and its jobs are requeued by the next
loop if it dies. Each actor loads the engine once. Input images travel through Ray's object
store (other nodes need not see the studio's disk); actors send back the finished PNG (with
its spec chunk) and the sidecar record, and the driver writes them into renders/ atomically.
A job whose actor (or node) dies is requeued and the actor replaced.

The cluster's address and security are Ray's own (`ray start --head`, token authentication):
this module opens nothing itself. Needs the `cluster` extra: pip install 'style-curator[cluster]'.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stylecore.errors import RenderCancelled, StyleCoreError
from stylecore.files import write_bytes_atomic
from stylecore.loops.events import LoopEvent
from stylecore.loops.local import RenderLoop, log, out_of_memory_message
from stylecore.rendering import RenderRequest, StyleInput
from stylecore.spec import RenderSpec
from stylecore.studio.folder import Studio
from stylecore.studio.queue import Job

PROGRESS_EVERY_S = 1.0

#: Ray started here, on the artist's own machine (no --ray ADDRESS): actors at the driver's own
#: priority (Ray nices its workers by 15, so on a busy machine a render ran 50 times slower in
#: an actor than in the local loop: 24 s against 0.5 s measured here; `nice curator render`
#: still lowers both); no idle workers started ahead (each is a Python process; actors get
#: their own anyway); health checks that tolerate a busy CPU (with Ray's defaults a few missed
#: heartbeats mark the node dead, and Ray then ends the driver process itself).
LOCAL_RAY_CONFIG = {
    "worker_niceness": 0,
    "enable_worker_prestart": False,
    "health_check_period_ms": 5_000,
    "health_check_timeout_ms": 30_000,
    "health_check_failure_threshold": 20,
    "worker_register_timeout_seconds": 600,
}


class ClusterError(StyleCoreError):
    """Ray is missing, or the cluster cannot be reached."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError(
            "rendering on a cluster needs Ray: pip install 'style-curator[cluster]'"
        ) from None
    return ray


class RenderActorImpl:
    """One engine on one device of the cluster. Threaded (two calls at once), so that
    `progress` and `cancel` answer while `render` works."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.node = socket.gethostname()
        self.files = Path(tempfile.mkdtemp(prefix="stylecore-actor-"))
        self.state: dict[str, tuple[int, int, float | None]] = {}
        self.cancelled: set[str] = set()
        self._renderer: Any = None
        self._previewer: Any = None
        self._lock = threading.Lock()

    def ping(self) -> dict[str, Any]:
        return {"node": self.node, "pid": os.getpid(), "device": self.device}

    def progress(self) -> dict[str, tuple[int, int, float | None]]:
        with self._lock:
            return dict(self.state)

    def cancel(self, job_ids: list[str]) -> None:
        with self._lock:
            self.cancelled.update(job_ids)

    def _local(self, sha: str, suffix: str, payload: Any) -> Path:
        """An input image as a file on this node, written once per content hash."""
        path = self.files / f"{sha}{suffix}"
        if not path.exists():
            ray = _ray()
            data = ray.get(payload) if isinstance(payload, ray.ObjectRef) else payload
            write_bytes_atomic(path, data, inside=self.files, durable=False)
        return path

    def _preview_engine(self) -> Any:
        """The preview engine of this actor, loaded on first use."""
        if self._previewer is None:
            from stylecore.preview.engine import PreviewEngine

            self._previewer = PreviewEngine(self.device)
        return self._previewer

    def render(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Render a batch; one result dict per job: png and record, or error, or cancelled."""
        import torch

        from stylecore.render_files import encode_render

        requests: list[RenderRequest] = []
        specs: list[RenderSpec] = []
        for job in jobs:
            spec = RenderSpec.from_dict(job["spec"])
            files = job["files"]

            def local(ref: Any, files: dict[str, Any] = files) -> Path:
                suffix, payload = files[ref.sha256]
                return self._local(ref.sha256, suffix, payload)

            requests.append(
                RenderRequest(
                    content=local(spec.content),
                    styles=tuple(StyleInput(local(s), s.weight) for s in spec.styles),
                    settings=spec.settings,
                    init_image=local(spec.init_image) if spec.init_image else None,
                    key=job["id"],
                )
            )
            specs.append(spec)
        ids = [job["id"] for job in jobs]
        try:
            results = self._render(requests, ids, specs[0].engine)
        except torch.OutOfMemoryError:
            # As the local loop does: retry one at a time, then fail only what does not fit.
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if len(jobs) > 1:
                return [result for job in jobs for result in self.render([job])]
            size = requests[0].settings.image_size
            return [{"id": ids[0], "error": out_of_memory_message(self.device, size)}]
        except RenderCancelled:
            return [{"id": i, "cancelled": True} for i in ids]
        except StyleCoreError as exc:
            return [{"id": i, "error": str(exc)} for i in ids]
        finally:
            with self._lock:
                for job_id in ids:
                    self.state.pop(job_id, None)
                    self.cancelled.discard(job_id)
        where = {"node": self.node, "actor_pid": os.getpid()}
        return [
            {
                "id": i,
                "png": encode_render(result.image, spec),
                "record": {**result.sidecar(), **where},
            }
            for i, result, spec in zip(ids, results, specs, strict=True)
        ]

    def _render(self, requests: list[RenderRequest], ids: list[str], engine: str) -> list[Any]:
        def on_progress(progress: Any) -> None:
            with self._lock:
                if self.cancelled & set(ids):
                    raise RenderCancelled("cancelled by the driver")
                now_losses = progress.losses if progress.iteration % 10 == 0 else None
                for index, job_id in enumerate(ids):
                    loss = (
                        now_losses[index] if now_losses else self.state.get(job_id, (0, 0, None))[2]
                    )
                    self.state[job_id] = (progress.iteration, progress.total, loss)

        if engine == "preview":
            return list(self._preview_engine().render_batch(requests))
        if self._renderer is None:
            from stylecore.gatys.engine import Renderer

            self._renderer = Renderer(self.device)
        if self._renderer.init_painter is None:  # the default start needs it
            from stylecore.preview.painter import PreviewPainter

            self._renderer.init_painter = PreviewPainter(self.device, self._preview_engine)
        return list(self._renderer.render_batch(requests, on_progress))


@dataclass
class _Slot:
    """One actor and what it has in hand."""

    name: str
    actor: Any
    future: Any = None
    jobs: list[Job] = field(default_factory=list)
    started: float = 0.0


class RayRenderLoop(RenderLoop):
    """`curator render --ray [ADDRESS]`: the render loop as a driver of Ray actors."""

    def __init__(
        self,
        studio: Studio,
        *,
        address: str | None = None,
        actors: int | None = None,
        cpus_per_actor: float = 1.0,
        ray_init: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("device", "auto")
        super().__init__(studio, **kwargs)
        self.address = address
        self.actor_count = actors
        self.cpus_per_actor = cpus_per_actor
        self.ray_init = ray_init or {}
        self.slots: list[_Slot] = []
        self._refs: dict[str, Any] = {}
        self._started_ray = False
        self._gpus = 0
        self.replaced = 0

    def describe(self) -> str:
        kind = f"{self._gpus} GPU" if self._gpus else "CPU"
        return f"ray ({len(self.slots) or self.actor_count or '?'} actors, {kind})"

    # ----------------------------------------------------------------- the pool

    def _connect(self) -> None:
        ray = _ray()
        if not ray.is_initialized():
            options = {"include_dashboard": False, "log_to_driver": False, **self.ray_init}
            try:
                if self.address:
                    ray.init(address=self.address, **options)
                else:
                    options.setdefault("_system_config", LOCAL_RAY_CONFIG)
                    ray.init(**options)
            except Exception as exc:
                raise ClusterError(
                    f"cannot reach the Ray cluster at {self.address}: {exc}"
                ) from None
            self._started_ray = True
        resources = ray.cluster_resources()
        self._gpus = int(resources.get("GPU", 0))
        if self.actor_count is None:
            if self._gpus:
                self.actor_count = self._gpus
            else:
                self.actor_count = max(1, int(resources.get("CPU", 1) // self.cpus_per_actor))
        for index in range(self.actor_count):
            self.slots.append(self._new_slot(f"actor-{index}"))
        infos = ray.get([slot.actor.ping.remote() for slot in self.slots], timeout=300)
        for slot, info in zip(self.slots, infos, strict=True):
            log.info("%s on %s pid %s (%s)", slot.name, info["node"], info["pid"], info["device"])

    def _new_slot(self, name: str) -> _Slot:
        ray = _ray()
        if self._gpus:
            cls = ray.remote(num_gpus=1, max_concurrency=2)(RenderActorImpl)
            actor = cls.remote("cuda")
        else:
            cls = ray.remote(num_cpus=self.cpus_per_actor, max_concurrency=2)(RenderActorImpl)
            actor = cls.remote("cpu")
        return _Slot(name, actor)

    def shutdown(self) -> None:
        ray = _ray()
        held = [job.id for slot in self.slots for job in slot.jobs]
        self._give_back(held)
        for slot in self.slots:
            with contextlib.suppress(Exception):
                ray.kill(slot.actor)
        self.slots = []
        if self._started_ray and ray.is_initialized():
            ray.shutdown()

    def _payload(self, path: Path, sha: str) -> tuple[str, Any]:
        """An input image in the object store, put once per content hash."""
        if sha not in self._refs:
            self._refs[sha] = _ray().put(path.read_bytes())
        return path.suffix.lower(), self._refs[sha]

    # ----------------------------------------------------------------- the main loop

    def main(self) -> None:
        self._connect()
        ray = _ray()
        last_progress = 0.0
        while not self.stop.is_set():
            paused = time.monotonic() < self.pause_until or not self.settle()
            for slot in self.slots:
                if slot.future is None and not paused:
                    self._feed(slot)
            busy = [slot for slot in self.slots if slot.future is not None]
            self.current = [job.id for slot in busy for job in slot.jobs] + list(self.unsettled)
            if not busy:
                if paused:  # a write failed: wait, then try again (also when until idle)
                    self.wait_paused()
                    continue
                if self.wait_idle():
                    continue
                break
            ready, _ = ray.wait([s.future for s in busy], num_returns=1, timeout=0.5)
            for slot in busy:
                if slot.future in ready:
                    self._collect(slot)
            if self.lost:
                for slot in busy:
                    gone = [job.id for job in slot.jobs if job.id in self.lost]
                    if gone and slot.future is not None:
                        slot.actor.cancel.remote(gone)
            if time.monotonic() - last_progress > PROGRESS_EVERY_S:
                last_progress = time.monotonic()
                self._poll_progress()

    def _feed(self, slot: _Slot) -> None:
        jobs = self.queue.claim(self.worker_id, self.batch)
        if not jobs:
            return
        runnable = self._check_inputs(jobs)  # a bad input fails only its own jobs
        if not runnable:
            return
        payload = []
        for job in runnable:
            spec = job.spec
            refs = [spec.content, *spec.styles, *([spec.init_image] if spec.init_image else [])]
            files = {
                ref.sha256: self._payload(self.studio.resolve(ref.path), ref.sha256) for ref in refs
            }
            payload.append({"id": job.id, "spec": spec.to_dict(), "files": files})
        slot.jobs, slot.started = runnable, time.time()
        slot.future = slot.actor.render.remote(payload)
        log.info("%s: rendering %s", slot.name, ", ".join(job.id for job in runnable))
        self.on_event(LoopEvent("start", runnable))

    def _collect(self, slot: _Slot) -> None:
        ray = _ray()
        jobs, future = slot.jobs, slot.future
        slot.jobs, slot.future = [], None
        try:
            results = ray.get(future)
        except ray.exceptions.RayActorError as exc:
            log.warning("%s died (%s); requeueing %s", slot.name, type(exc).__name__,
                        ", ".join(j.id for j in jobs))  # fmt: skip
            for job in jobs:
                self.latest.pop(job.id, None)
                self.queue.requeue_crashed(job.id, self.worker_id, f"{slot.name} died")
            self._replace(slot)
            return
        except Exception as exc:  # a bug in the actor must not take the driver down
            log.error("%s failed:\n%s", slot.name, traceback.format_exc())
            for job in jobs:
                self._fail(job, f"internal error on the cluster: {type(exc).__name__}: {exc}")
            return
        by_id = {job.id: job for job in jobs}
        for result in results:
            job = by_id[result["id"]]
            self.latest.pop(job.id, None)
            if result.get("cancelled"):
                if job.id not in self.lost:  # stopped by us, not cancelled by the user
                    self._give_back([job.id])
            elif "error" in result:
                self._fail(job, result["error"])
            else:
                self._write(job, result, len(jobs))

    def _write(self, job: Job, result: dict[str, Any], batch_size: int) -> None:
        from stylecore.loops.local import render_name
        from stylecore.render_files import write_render_bytes

        if job.id in self.lost:
            log.info("job %s was cancelled while rendering; result dropped", job.id)
            return
        name = render_name(job)
        record = {**result["record"], "worker": self.worker_id, "batch": batch_size}
        try:
            write_render_bytes(result["png"], self.studio.renders / name, job.spec, record)
        except OSError as exc:
            self._cannot_write(job, exc)
            return
        if self.queue.complete(job.id, self.worker_id, name):
            self.rendered += 1
            log.info("done %s -> renders/%s on %s", job.id, name, record.get("node"))
            self.on_event(LoopEvent("done", [job], message=name))

    def _replace(self, slot: _Slot) -> None:
        ray = _ray()
        with contextlib.suppress(Exception):
            ray.kill(slot.actor)
        fresh = self._new_slot(slot.name)
        slot.actor = fresh.actor
        self.replaced += 1

    def _poll_progress(self) -> None:
        ray = _ray()
        busy = [slot for slot in self.slots if slot.future is not None]
        if not busy:
            return
        try:
            states = ray.get([slot.actor.progress.remote() for slot in busy], timeout=2)
        except Exception:
            return  # a dying actor answers through its render future
        now = time.time()
        for slot, state in zip(busy, states, strict=True):
            for job_id, (iteration, total, loss) in state.items():
                elapsed = now - slot.started
                eta = elapsed / iteration * (total - iteration) if iteration else None
                self.latest[job_id] = (iteration, total, loss, eta)


def cluster_logging() -> None:
    """Ray logs a lot at INFO: keep our own log readable."""
    logging.getLogger("ray").setLevel(logging.WARNING)
