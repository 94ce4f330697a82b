"""The studio database: SQLite in WAL mode, shared by the render loops and the app.

Each component (the queue, the catalog in curator, the statistics) owns a numbered list of
migrations; `migrate` applies the missing ones under a write lock, so several processes opening
a studio at once agree on the schema.

A studio is not always writable, and its database not always whole:
- read-only (a read-only mount, a copy on a DVD, no permission) or on a full disk: the
  database is opened read-only as it stands on disk (immutable: no lock or shared-memory file
  is needed, which a full disk could not hold), or, when there is no database yet, in memory,
  so listing, sheets and exports to elsewhere still work; every write is refused with one line
  saying why (`ReadOnlyStudio`);
- damaged (truncated, not a database, tables this version did not make): opening says so in
  one line with what to do (`DatabaseDamaged`: `curator doctor --repair`).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Self

from stylecore.errors import StyleCoreError

if TYPE_CHECKING:
    from stylecore.studio.folder import Studio

#: How long a writer waits for another to finish before SQLite gives up.
BUSY_TIMEOUT_MS = 30_000
#: PRAGMA quick_check reads the whole file: done once per process per studio, and only for
#: databases up to this size (a studio of 10,000 renders is about 40 MB).
QUICK_CHECK_MAX_BYTES = 256 * 2**20

_SPACE_OR_IO = {"SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY"}
_DAMAGE = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_checked: set[Path] = set()


#: Any failure of the database that the stores did not foresee and translate; callers that
#: must still answer in one line catch this without importing sqlite3 themselves.
UnforeseenDatabaseError = sqlite3.Error


class DatabaseDamaged(StyleCoreError):
    """The studio database cannot be used as it is; `curator doctor --repair` rebuilds it."""


class ReadOnlyStudio(StyleCoreError):
    """A write to a studio that is open read-only, with the reason."""


class StudioConnection(sqlite3.Connection):
    """A connection that knows whether (and why) it may not write."""

    read_only_reason: str | None = None
    in_memory: bool = False


def _tune(conn: StudioConnection) -> StudioConnection:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def connect(path: str | Path) -> StudioConnection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout."""
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        factory=StudioConnection,
    )
    _tune(conn)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def connect_read_only(path: Path | None) -> StudioConnection:
    """The database as it stands on disk, never written (immutable: no lock or shared-memory
    file, which a read-only or full disk could not hold); without one, an empty one in
    memory."""
    if path is not None and path.exists():
        uri = f"file:{path.as_posix()}?mode=ro&immutable=1"
        conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False,
            factory=StudioConnection,
        )  # fmt: skip
    else:
        conn = sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False, factory=StudioConnection
        )
        conn.in_memory = True
    return _tune(conn)


def unwritable_reason(folder: Path) -> str | None:
    """Why files cannot be written in `folder` (None if they can): a read-only filesystem,
    no permission, or no space left."""
    probe = folder if folder.exists() else folder.parent
    try:
        stats = os.statvfs(probe)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return "the studio is on a read-only filesystem"
    if not os.access(probe, os.W_OK):
        return "this user may not write in the studio"
    free = stats.f_bfree if os.geteuid() == 0 else stats.f_bavail  # root may use the reserve
    if free == 0:
        return "the disk is full"
    return None


def describe_failure(exc: BaseException, folder: Path) -> str:
    """A database or file error in words: the disk is full, read-only, or what SQLite said."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_FULL") or getattr(exc, "errno", None) == errno.ENOSPC:
        return "the disk is full"
    reason = unwritable_reason(folder)
    if reason:
        return reason
    if getattr(exc, "errno", None) in (errno.EROFS,):
        return "the studio is on a read-only filesystem"
    if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM):
        return "this user may not write there"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def is_space_or_io(exc: BaseException) -> bool:
    name = str(getattr(exc, "sqlite_errorname", ""))
    return any(name.startswith(code) for code in _SPACE_OR_IO)


def is_damage(exc: BaseException) -> bool:
    name = str(getattr(exc, "sqlite_errorname", ""))
    return any(name.startswith(code) for code in _DAMAGE) or "malformed" in str(exc)


def damaged(path: Path, root: Path, problem: str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"{path}: the studio database is damaged ({problem}); run 'curator doctor {root} "
        "--repair' to rebuild it (it keeps a copy of this one first)"
    )


@contextmanager
def write_transaction(
    conn: sqlite3.Connection, what: str = "change the studio"
) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so read-then-write is atomic.
    On a read-only studio, a ReadOnlyStudio error saying it cannot `what`."""
    require_writable(conn, what)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def require_writable(
    conn: sqlite3.Connection, what: str = "change the studio", *, durable: bool = False
) -> None:
    """Refuse a write to a read-only studio, in one line that says why.

    A store that may be transient (the catalog of a read-only studio is rebuilt in memory)
    accepts writes that only serve this session; `durable` writes (the artist's ratings) are
    refused there too, since they would vanish when the command ends.
    """
    reason = getattr(conn, "read_only_reason", None)
    if reason and (durable or not getattr(conn, "in_memory", False)):
        raise ReadOnlyStudio(f"cannot {what}: the studio is open read-only ({reason})")


def migrate(conn: sqlite3.Connection, component: str, migrations: Sequence[str]) -> int:
    """Apply `component`'s migrations not applied yet; returns the schema version now."""
    with write_transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT NOT NULL, version INTEGER NOT NULL, applied REAL NOT NULL,"
            " PRIMARY KEY (component, version))"
        )
        current = _version(conn, component)
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


def _version(conn: sqlite3.Connection, component: str) -> int:
    row = conn.execute(
        "SELECT MAX(version) FROM schema_migrations WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0] or 0)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (no semicolons inside our SQL literals)."""
    return [part.strip() for part in script.split(";") if part.strip()]


class Store:
    """One component's view of the studio database: a connection with the component's
    migrations applied. Subclasses name the component and its migrations.

    `read_only_reason` is None for a normal studio, else why it is open read-only."""

    COMPONENT: ClassVar[str]
    MIGRATIONS: ClassVar[Sequence[str]]
    #: Whether, for a read-only studio with no database at all, this component may keep a
    #: transient one in memory and write to it (the catalog, rebuilt from renders/), rather
    #: than refuse every write (the queue: a job queued there would silently vanish).
    TRANSIENT_OK: ClassVar[bool] = False

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        path = studio.db_path
        reason = unwritable_reason(studio.state if studio.state.exists() else studio.root)
        if reason is None:
            try:
                studio.state.mkdir(parents=True, exist_ok=True)
                self.conn = connect(path)
                self._check(path)
                migrate(self.conn, self.COMPONENT, self.MIGRATIONS)
            except sqlite3.DatabaseError as exc:
                self._close_quietly()
                if is_damage(exc) or not is_space_or_io(exc):
                    raise self._damage(path, exc) from None
                reason = describe_failure(exc, studio.state)
            except OSError as exc:  # .curator/ cannot be made
                reason = describe_failure(exc, studio.root)
        if reason is not None:
            self._open_read_only(path, reason)
        self.read_only_reason: str | None = reason

    def _damage(self, path: Path, exc: BaseException) -> DatabaseDamaged:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "already exists" in problem:
            problem = f"{problem}, but its migrations are not recorded"
        return damaged(path, self.studio.root, problem)

    def _check(self, path: Path) -> None:
        """PRAGMA quick_check, once per process per studio, where it is cheap."""
        if path in _checked or not path.exists() or path.stat().st_size > QUICK_CHECK_MAX_BYTES:
            return
        result = self.conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({result})")
        _checked.add(path)

    def _open_read_only(self, path: Path, reason: str) -> None:
        try:
            self.conn = connect_read_only(path)
            if not self.conn.in_memory and self._never_used():
                # This part was never used in this studio: it is empty, like a new one.
                self.conn.close()
                self.conn = connect_read_only(None)
            if self.conn.in_memory:
                migrate(self.conn, self.COMPONENT, self.MIGRATIONS)
                self.conn.in_memory = self.TRANSIENT_OK
                self.conn.read_only_reason = reason
                return
            self.conn.read_only_reason = reason
            self.conn.execute("SELECT 1 FROM sqlite_master").fetchone()
            if self._migrations_pending():
                raise ReadOnlyStudio(
                    f"{path}: this studio's database needs an upgrade, which a read-only studio "
                    f"({reason}) cannot take; open it once where it can be written"
                )
        except sqlite3.DatabaseError as exc:
            raise self._damage(path, exc) from None

    def _never_used(self) -> bool:
        try:
            return _version(self.conn, self.COMPONENT) == 0
        except sqlite3.OperationalError:  # no schema_migrations table at all
            return True

    def _migrations_pending(self) -> bool:
        try:
            return _version(self.conn, self.COMPONENT) < len(self.MIGRATIONS)
        except sqlite3.OperationalError:  # no schema_migrations table at all
            return True

    def _close_quietly(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
