"""The persistent job queue in the studio database.

A job's id is its spec's id (a hash of what decides the pixels), so adding a job that exists
adds nothing. Render loops claim jobs under a write lock; every later update by a loop is
conditional on it still holding the job (`holder = ? AND status = 'running'`), so a loop whose
job was cancelled, or requeued as stale and taken by another loop, learns it and lets go.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stylecore.errors import SettingsError
from stylecore.spec import ImageRef, RenderSpec
from stylecore.studio import database as db
from stylecore.studio.registry import STALE_AFTER_S, LoopRegistry, holder_pid_here, pid_alive

STATUSES = ("queued", "running", "done", "failed", "cancelled")

#: A job whose renderer died this many times (killed, crashed, lost with its node) is failed
#: rather than requeued again, so one poison job cannot eat a whole night.
MAX_CRASHES = 5

MIGRATIONS = (
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        engine TEXT NOT NULL,
        content TEXT NOT NULL,
        styles TEXT NOT NULL,
        batch_key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
            ('queued', 'running', 'done', 'failed', 'cancelled')),
        priority INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        holder TEXT,
        heartbeat REAL,
        iteration INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        loss REAL,
        eta REAL,
        error TEXT,
        output TEXT,
        parent TEXT,
        created REAL NOT NULL,
        started REAL,
        finished REAL,
        updated REAL NOT NULL
    );
    CREATE INDEX jobs_by_status ON jobs (status, priority DESC, created);
    CREATE INDEX jobs_by_batch ON jobs (status, batch_key);
    CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        device TEXT NOT NULL,
        started REAL NOT NULL,
        heartbeat REAL NOT NULL,
        stop_requested INTEGER NOT NULL DEFAULT 0,
        jobs TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'starting'
    )
    """,
)


@dataclass(frozen=True)
class Job:
    """One row of the queue, as the CLI and the app see it."""

    id: str
    spec: RenderSpec
    status: str
    priority: int
    attempts: int
    holder: str | None
    heartbeat: float | None
    iteration: int
    total: int
    loss: float | None
    eta: float | None
    error: str | None
    output: str | None
    parent: str | None
    created: float
    started: float | None
    finished: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(
            id=row["id"],
            spec=RenderSpec.from_dict(json.loads(row["spec"])),
            status=row["status"],
            priority=row["priority"],
            attempts=row["attempts"],
            holder=row["holder"],
            heartbeat=row["heartbeat"],
            iteration=row["iteration"],
            total=row["total"],
            loss=row["loss"],
            eta=row["eta"],
            error=row["error"],
            output=row["output"],
            parent=row["parent"],
            created=row["created"],
            started=row["started"],
            finished=row["finished"],
        )

    def held_by_dead_loop(self, now: float | None = None) -> bool:
        """Running, but its loop is gone: a dead pid on this host, or no heartbeat lately.
        Any live loop requeues it within seconds; until then this is its true state."""
        if self.status != "running":
            return False
        pid = holder_pid_here(self.holder)
        if pid is not None and not pid_alive(pid):
            return True
        return self.heartbeat is None or (now or time.time()) - self.heartbeat > STALE_AFTER_S

    def note(self, now: float | None = None) -> str:
        """What the job's status does not say: why it failed or waits, where it landed."""
        if self.held_by_dead_loop(now):
            if self.heartbeat is None:
                return "held by a dead loop; a live loop requeues it"
            silent = (now or time.time()) - self.heartbeat
            return f"held by a dead loop (silent {silent:.0f} s); a live loop requeues it"
        return self.error or self.output or ""

    @property
    def content(self) -> str:
        return self.spec.content.path

    @property
    def styles(self) -> list[str]:
        return [style.path for style in self.spec.styles]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "engine": self.spec.engine,
            "content": self.content,
            "styles": self.styles,
            "priority": self.priority,
            "attempts": self.attempts,
            "holder": self.holder,
            "iteration": self.iteration,
            "total": self.total,
            "loss": self.loss,
            "eta": self.eta,
            "error": self.error,
            "output": self.output,
            "parent": self.parent,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "settings": self.spec.settings.to_dict(),
        }


def batch_key(spec: RenderSpec) -> str:
    """What jobs must share to render in one batch: everything but the styles and the seed."""
    identity = spec.identity()
    identity.pop("styles")
    identity["settings"].pop("seed", None)
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class JobQueue(db.Store):
    """The queue of one studio. Cheap to create; holds one SQLite connection."""

    COMPONENT = "queue"
    MIGRATIONS = MIGRATIONS

    # ------------------------------------------------------------------ adding

    def spec_for(
        self,
        content: str | os.PathLike[str],
        styles: Sequence[str | os.PathLike[str]],
        settings: Any,
        *,
        weights: Sequence[float] | None = None,
        init_image: str | os.PathLike[str] | None = None,
        engine: str = "gatys",
    ) -> RenderSpec:
        """A spec with studio-relative paths and file hashes (files must exist)."""
        weights = weights or [1.0] * len(styles)

        def ref(path: str | os.PathLike[str], weight: float = 1.0) -> ImageRef:
            stored = self.studio.relative(path)
            return ImageRef.of(
                stored, weight, base=None if os.path.isabs(stored) else self.studio.root
            )

        return RenderSpec(
            content=ref(content),
            styles=tuple(ref(s, w) for s, w in zip(styles, weights, strict=True)),
            settings=settings,
            init_image=ref(init_image) if init_image else None,
            engine=engine,
        )

    def add(
        self, specs: Iterable[RenderSpec], *, priority: int = 0, parent: str | None = None
    ) -> list[str]:
        """Queue specs; returns the ids that were new (existing ids are left as they are)."""
        now = time.time()
        added: list[str] = []
        with db.write_transaction(self.conn, "queue jobs"):
            for spec in specs:
                job_id = spec.job_id()
                cursor = self.conn.execute(
                    "INSERT OR IGNORE INTO jobs (id, spec, engine, content, styles, batch_key,"
                    " status, priority, total, parent, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
                    (
                        job_id,
                        json.dumps(spec.to_dict(), sort_keys=True),
                        spec.engine,
                        spec.content.path,
                        json.dumps([s.path for s in spec.styles]),
                        batch_key(spec),
                        priority,
                        spec.settings.total_iterations(),
                        parent,
                        now,
                        now,
                    ),
                )
                if cursor.rowcount:
                    added.append(job_id)
        return added

    def add_cross(
        self,
        contents: Sequence[str | os.PathLike[str]],
        styles: Sequence[str | os.PathLike[str]],
        settings: Any,
        *,
        priority: int = 0,
        engine: str = "gatys",
    ) -> tuple[list[str], int]:
        """Queue every content x style pair; returns (new ids, how many pairs in all)."""
        if not contents or not styles:
            raise SettingsError("queueing needs at least one content and one style image")
        specs = [
            self.spec_for(content, [style], settings, engine=engine)
            for content in contents
            for style in styles
        ]
        return self.add(specs, priority=priority), len(specs)

    # ------------------------------------------------------------------ reading

    def jobs(self, statuses: Iterable[str] | None = None) -> list[Job]:
        query = "SELECT * FROM jobs"
        params: list[Any] = []
        if statuses is not None:
            wanted = list(statuses)
            query += f" WHERE status IN ({','.join('?' * len(wanted))})"
            params = wanted
        query += " ORDER BY CASE status WHEN 'running' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END,"
        query += " priority DESC, created, id"
        return [Job.from_row(row) for row in self.conn.execute(query, params)]

    def get(self, job_id: str) -> Job | None:
        row = self.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job.from_row(row) if row else None

    def resolve_ids(self, prefixes: Iterable[str]) -> list[str]:
        """Full ids for unambiguous id prefixes (as `git` does); unknown ones raise."""
        ids: list[str] = []
        for prefix in prefixes:
            rows = self.conn.execute(
                "SELECT id FROM jobs WHERE id LIKE ? || '%'", (prefix,)
            ).fetchall()
            if not rows:
                raise SettingsError(f"no job with id {prefix!r}")
            if len(rows) > 1:
                raise SettingsError(f"job id {prefix!r} is ambiguous ({len(rows)} jobs)")
            ids.append(rows[0]["id"])
        return ids

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status")
        found = {row[0]: row[1] for row in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    # ------------------------------------------------------------------ managing

    def _set_status(self, ids: Sequence[str], status: str, allowed: Sequence[str]) -> int:
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        allowed_marks = ",".join("?" * len(allowed))
        extra = (
            ", error = NULL, iteration = 0, eta = NULL, holder = NULL" if status == "queued" else ""
        )
        with db.write_transaction(self.conn, f"mark jobs {status}"):
            cursor = self.conn.execute(
                f"UPDATE jobs SET status = ?, updated = ?{extra}"
                f" WHERE id IN ({marks}) AND status IN ({allowed_marks})",
                (status, time.time(), *ids, *allowed),
            )
        return cursor.rowcount

    def cancel(self, ids: Sequence[str]) -> int:
        """Queued or running jobs become cancelled (a running one stops within a step)."""
        return self._set_status(ids, "cancelled", ("queued", "running"))

    def retry(self, ids: Sequence[str]) -> int:
        """Failed or cancelled jobs are queued again."""
        return self._set_status(ids, "queued", ("failed", "cancelled"))

    def clear_done(self) -> int:
        with db.write_transaction(self.conn, "clear jobs"):
            return self.conn.execute("DELETE FROM jobs WHERE status = 'done'").rowcount

    def set_priority(self, ids: Sequence[str], priority: int) -> int:
        marks = ",".join("?" * len(ids))
        with db.write_transaction(self.conn, "change priorities"):
            return self.conn.execute(
                f"UPDATE jobs SET priority = ?, updated = ? WHERE id IN ({marks})",
                (priority, time.time(), *ids),
            ).rowcount

    # ------------------------------------------------------------------ render loops

    def claim(self, worker: str, limit: int = 1) -> list[Job]:
        """Atomically take the next queued job and up to `limit - 1` that can share its batch."""
        now = time.time()
        with db.write_transaction(self.conn, "claim jobs"):
            first = self.conn.execute(
                "SELECT id, batch_key FROM jobs WHERE status = 'queued'"
                " ORDER BY priority DESC, created, id LIMIT 1"
            ).fetchone()
            if first is None:
                return []
            ids = [first["id"]]
            if limit > 1:
                rows = self.conn.execute(
                    "SELECT id FROM jobs WHERE status = 'queued' AND batch_key = ? AND id != ?"
                    " ORDER BY priority DESC, created, id LIMIT ?",
                    (first["batch_key"], first["id"], limit - 1),
                ).fetchall()
                ids += [row["id"] for row in rows]
            marks = ",".join("?" * len(ids))
            self.conn.execute(
                "UPDATE jobs SET status = 'running', holder = ?, heartbeat = ?, started = ?,"
                f" attempts = attempts + 1, iteration = 0, error = NULL, updated = ?"
                f" WHERE id IN ({marks})",
                (worker, now, now, now, *ids),
            )
            rows = self.conn.execute(f"SELECT * FROM jobs WHERE id IN ({marks})", ids).fetchall()
        by_id = {row["id"]: Job.from_row(row) for row in rows}
        return [by_id[i] for i in ids]

    def progress(
        self,
        job_id: str,
        worker: str,
        iteration: int,
        total: int,
        loss: float | None,
        eta: float | None,
    ) -> bool:
        """Record progress and a heartbeat; False if the job is no longer this worker's."""
        now = time.time()
        cursor = self.conn.execute(
            "UPDATE jobs SET iteration = ?, total = ?, loss = ?, eta = ?, heartbeat = ?,"
            " updated = ? WHERE id = ? AND holder = ? AND status = 'running'",
            (iteration, total, loss, eta, now, now, job_id, worker),
        )
        return cursor.rowcount == 1

    def complete(self, job_id: str, worker: str, output: str) -> bool:
        now = time.time()
        cursor = self.conn.execute(
            "UPDATE jobs SET status = 'done', output = ?, iteration = total, eta = 0,"
            " finished = ?, updated = ?, heartbeat = ? WHERE id = ? AND holder = ?"
            " AND status = 'running'",
            (output, now, now, now, job_id, worker),
        )
        return cursor.rowcount == 1

    def fail(self, job_id: str, worker: str, error: str) -> bool:
        now = time.time()
        cursor = self.conn.execute(
            "UPDATE jobs SET status = 'failed', error = ?, finished = ?, updated = ?"
            " WHERE id = ? AND holder = ? AND status = 'running'",
            (error, now, now, job_id, worker),
        )
        return cursor.rowcount == 1

    def requeue(self, job_id: str, worker: str, note: str | None = None) -> bool:
        """Give a job back (the loop is stopping, or could not write it): queued again, this
        attempt not counted; `note` says why (shown until the job is claimed again)."""
        cursor = self.conn.execute(
            "UPDATE jobs SET status = 'queued', holder = NULL, iteration = 0, eta = NULL,"
            " attempts = MAX(attempts - 1, 0), error = ?, updated = ?"
            " WHERE id = ? AND holder = ? AND status = 'running'",
            (note, time.time(), job_id, worker),
        )
        return cursor.rowcount == 1

    def requeue_crashed(self, job_id: str, worker: str, why: str) -> str | None:
        """A job whose renderer died under it: queued again (the attempt counts), or failed
        once it has crashed MAX_CRASHES times. Returns the new status, None if not held."""
        with db.write_transaction(self.conn):
            row = self.conn.execute(
                "SELECT attempts FROM jobs WHERE id = ? AND holder = ? AND status = 'running'",
                (job_id, worker),
            ).fetchone()
            if row is None:
                return None
            return self._requeue_or_fail(job_id, row["attempts"], why)

    def _requeue_or_fail(self, job_id: str, attempts: int, why: str) -> str:
        now = time.time()
        if attempts >= MAX_CRASHES:
            self.conn.execute(
                "UPDATE jobs SET status = 'failed', holder = NULL, eta = NULL, error = ?,"
                " finished = ?, updated = ? WHERE id = ?",
                (f"the renderer died {attempts} times on this job ({why}); "
                 "check the log, then `curator queue retry` it", now, now, job_id),
            )  # fmt: skip
            return "failed"
        self.conn.execute(
            "UPDATE jobs SET status = 'queued', holder = NULL, iteration = 0, eta = NULL,"
            " updated = ? WHERE id = ?",
            (now, job_id),
        )
        return "queued"

    def requeue_abandoned(self, stale_after: float = STALE_AFTER_S) -> list[str]:
        """Requeue running jobs whose loop is gone: a dead pid here, or a stale heartbeat.
        A job that has crashed its renderer MAX_CRASHES times is failed instead."""
        now = time.time()
        requeued: list[str] = []
        with db.write_transaction(self.conn):
            rows = self.conn.execute(
                "SELECT id, holder, heartbeat, attempts FROM jobs WHERE status = 'running'"
            ).fetchall()
            for row in rows:
                pid = holder_pid_here(row["holder"])
                dead_here = pid is not None and not pid_alive(pid)
                stale = row["heartbeat"] is None or now - row["heartbeat"] > stale_after
                if dead_here or stale:
                    why = f"loop {row['holder']} " + ("died" if dead_here else "stopped beating")
                    if self._requeue_or_fail(row["id"], row["attempts"], why) == "queued":
                        requeued.append(row["id"])
        return requeued

    # ------------------------------------------------------------------ loops

    @property
    def loops(self) -> LoopRegistry:
        """The registry of render loops, on this queue's connection."""
        return LoopRegistry(self.conn)

    def beat_jobs(self, worker: str, jobs: Sequence[str]) -> None:
        """The heartbeat of the jobs a loop holds (the loop's own is in the registry)."""
        if not jobs:
            return
        marks = ",".join("?" * len(jobs))
        self.conn.execute(
            f"UPDATE jobs SET heartbeat = ? WHERE holder = ? AND status = 'running'"
            f" AND id IN ({marks})",
            (time.time(), worker, *jobs),
        )

    def held(self, worker: str, ids: Sequence[str]) -> set[str]:
        """Which of `ids` this worker still holds as running."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT id FROM jobs WHERE holder = ? AND status = 'running' AND id IN ({marks})",
            (worker, *ids),
        ).fetchall()
        return {row[0] for row in rows}
