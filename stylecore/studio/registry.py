"""The registry of render loops working on a studio: who they are, where they run, when they
last beat, what they hold, and whether someone asked them to stop.

It lives in the queue's part of the database (the `workers` table of the queue's first
migration) and shares the queue's connection: a loop's heartbeat updates its row here and the
jobs it holds in the queue in one go. A loop's id is `host:pid:random`, which lets any other
loop on the same host tell a dead loop from a live one by its pid.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from stylecore.studio import database as db

#: A loop's heartbeat older than this means it is gone (loops beat every 2 s).
STALE_AFTER_S = 30.0


@dataclass(frozen=True)
class LoopRecord:
    """One render loop as the registry knows it."""

    id: str
    host: str
    pid: int
    device: str
    started: float
    heartbeat: float
    stop_requested: bool
    jobs: list[str]
    state: str

    def alive(self, now: float | None = None, stale_after: float = STALE_AFTER_S) -> bool:
        return (now or time.time()) - self.heartbeat < stale_after


def new_loop_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_pid_here(holder: str | None) -> int | None:
    """The pid of a loop id when that loop runs on this host, else None."""
    host, _, rest = (holder or "").partition(":")
    pid = rest.partition(":")[0]
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LoopRegistry:
    """The `workers` table, on a connection the queue owns."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def register(self, loop_id: str, device: str) -> None:
        host, _, rest = loop_id.partition(":")
        now = time.time()
        with db.write_transaction(self.conn, "start a render loop"):
            self.conn.execute(
                "INSERT OR REPLACE INTO workers (id, host, pid, device, started, heartbeat, state)"
                " VALUES (?, ?, ?, ?, ?, ?, 'idle')",
                (loop_id, host, int(rest.partition(":")[0]), device, now, now),
            )

    def beat(self, loop_id: str, jobs: Sequence[str], state: str) -> bool:
        """Record a heartbeat and what the loop holds; returns whether a stop was requested."""
        self.conn.execute(
            "UPDATE workers SET heartbeat = ?, jobs = ?, state = ? WHERE id = ?",
            (time.time(), ",".join(jobs), state, loop_id),
        )
        row = self.conn.execute(
            "SELECT stop_requested FROM workers WHERE id = ?", (loop_id,)
        ).fetchone()
        return bool(row and row[0])

    def unregister(self, loop_id: str) -> None:
        self.conn.execute("DELETE FROM workers WHERE id = ?", (loop_id,))

    def all(self) -> list[LoopRecord]:
        rows = self.conn.execute("SELECT * FROM workers ORDER BY started").fetchall()
        return [
            LoopRecord(
                id=row["id"],
                host=row["host"],
                pid=row["pid"],
                device=row["device"],
                started=row["started"],
                heartbeat=row["heartbeat"],
                stop_requested=bool(row["stop_requested"]),
                jobs=[j for j in row["jobs"].split(",") if j],
                state=row["state"],
            )
            for row in rows
        ]

    def live(self) -> list[LoopRecord]:
        now = time.time()
        return [loop for loop in self.all() if loop.alive(now)]

    def request_stop(self, loop_id: str | None = None) -> int:
        """Ask one loop (or all) to requeue what it holds and exit."""
        with db.write_transaction(self.conn, "ask render loops to stop"):
            if loop_id is None:
                return self.conn.execute("UPDATE workers SET stop_requested = 1").rowcount
            return self.conn.execute(
                "UPDATE workers SET stop_requested = 1 WHERE id = ?", (loop_id,)
            ).rowcount

    def forget_dead(self) -> None:
        cutoff = time.time() - 10 * STALE_AFTER_S
        self.conn.execute("DELETE FROM workers WHERE heartbeat < ?", (cutoff,))
