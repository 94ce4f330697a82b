"""The studio database: SQLite in WAL mode, shared by the render loops and the app.

Each component (the queue here, the catalog in curator) owns a numbered list of migrations;
`migrate` applies the missing ones under a write lock, so several processes opening a studio at
once agree on the schema.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

if TYPE_CHECKING:
    from stylecore.studio.folder import Studio

#: How long a writer waits for another to finish before SQLite gives up.
BUSY_TIMEOUT_MS = 30_000


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout."""
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so read-then-write is atomic."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, component: str, migrations: Sequence[str]) -> int:
    """Apply `component`'s migrations not applied yet; returns the schema version now."""
    with write_transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT NOT NULL, version INTEGER NOT NULL, applied REAL NOT NULL,"
            " PRIMARY KEY (component, version))"
        )
        row = conn.execute(
            "SELECT MAX(version) FROM schema_migrations WHERE component = ?", (component,)
        ).fetchone()
        current = row[0] or 0
        for version, script in enumerate(migrations, start=1):
            if version <= current:
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (component, version, applied) VALUES (?, ?, ?)",
                (component, version, time.time()),
            )
    return len(migrations)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (no semicolons inside our SQL literals)."""
    return [part.strip() for part in script.split(";") if part.strip()]


class Store:
    """One component's view of the studio database: a connection with the component's
    migrations applied. Subclasses name the component and its migrations."""

    COMPONENT: ClassVar[str]
    MIGRATIONS: ClassVar[Sequence[str]]

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        studio.state.mkdir(parents=True, exist_ok=True)
        self.conn = connect(studio.db_path)
        migrate(self.conn, self.COMPONENT, self.MIGRATIONS)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
