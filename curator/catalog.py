"""The catalog: every render in renders/, its metadata, and its rating, flag and colour label.

Rows are keyed by file name. A render's metadata comes from its JSON sidecar (the spec, the
engine's timings and losses); ratings are the studio's source of truth and are committed at
each change. A file that disappears keeps its row, marked absent, so its rating comes back if
the file does; a renamed file carries its rating with it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from stylecore.studio import database as db

from .journal import RatingsJournal
from .ratings import Rating, is_keeper

if TYPE_CHECKING:
    from stylecore.studio.folder import Studio

RENDER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff")

MIGRATIONS = (
    """
    CREATE TABLE renders (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL UNIQUE,
        present INTEGER NOT NULL DEFAULT 1,
        job_id TEXT,
        engine TEXT NOT NULL DEFAULT 'gatys',
        content TEXT NOT NULL DEFAULT '',
        style TEXT NOT NULL DEFAULT '',
        content_sha TEXT,
        style_shas TEXT NOT NULL DEFAULT '[]',
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        mtime_ns INTEGER NOT NULL DEFAULT 0,
        created REAL NOT NULL,
        seconds REAL,
        loss REAL,
        spec TEXT,
        sidecar TEXT,
        stars INTEGER NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
        flag TEXT NOT NULL DEFAULT '' CHECK (flag IN ('', 'pick', 'reject')),
        label TEXT NOT NULL DEFAULT '',
        rated REAL
    );
    CREATE INDEX renders_present ON renders (present, created);
    CREATE INDEX renders_job ON renders (job_id)
    """,
    # Collections: the quick collection (b) and named ones, render by render. Rows of renders
    # are never deleted (a missing file is marked absent), so membership outlives a rescan.
    """
    CREATE TABLE collections (
        name TEXT NOT NULL CHECK (name <> ''),
        render INTEGER NOT NULL REFERENCES renders (id),
        added REAL NOT NULL,
        PRIMARY KEY (name, render)
    );
    CREATE INDEX collections_render ON collections (render)
    """,
)
#: The quick collection's name (Lightroom's B).
QUICK = "quick"


def collection_name(text: str) -> str:
    """A collection's name as stored (lower case); raises ValueError unless it is one word
    without commas (the catalog lists a render's collections comma-separated)."""
    name = text.strip().lower()
    if not name or "," in name or any(c.isspace() for c in name):
        raise ValueError(f"collection name {name!r}: one word, no commas")
    return name


class RenderRow(NamedTuple):
    """One render as the app and the CLI see it.

    A NamedTuple, not a dataclass: the app builds ten thousand of these at start, and tuple
    construction is several times cheaper. Style hashes stay JSON until asked for.
    """

    id: int
    file: str
    job_id: str | None
    engine: str
    content: str
    style: str
    content_sha: str | None
    style_shas_json: str
    width: int
    height: int
    mtime_ns: int
    created: float
    seconds: float | None
    loss: float | None
    stars: int
    flag: str
    label: str
    #: The collections the render is in, comma-separated ("" for none).
    collections: str = ""
    spec: dict[str, Any] | None = None

    def in_collection(self, name: str) -> bool:
        return name in self.collections.split(",") if self.collections else False

    @property
    def style_shas(self) -> tuple[str, ...]:
        return tuple(json.loads(self.style_shas_json or "[]"))

    @property
    def rating(self) -> Rating:
        return Rating(self.stars, self.flag, self.label)

    @property
    def content_name(self) -> str:
        return Path(self.content).stem if self.content else "?"

    @property
    def style_name(self) -> str:
        return " + ".join(Path(s).stem for s in self.style.split("|") if s) or "?"

    @property
    def is_keeper(self) -> bool:
        return is_keeper(self.stars, self.flag)

    @property
    def is_preview(self) -> bool:
        return self.engine == "preview"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "job_id": self.job_id,
            "engine": self.engine,
            "content": self.content,
            "style": self.style.split("|") if self.style else [],
            "stars": self.stars,
            "flag": self.flag,
            "label": self.label,
            "collections": self.collections.split(",") if self.collections else [],
            "width": self.width,
            "height": self.height,
            "created": self.created,
            "seconds": self.seconds,
            "loss": self.loss,
        }


_COLUMNS = (
    "id, file, job_id, engine, content, style, content_sha, style_shas, width, height,"
    " mtime_ns, created, seconds, loss, stars, flag, label,"
    " COALESCE((SELECT group_concat(name, ',') FROM (SELECT name FROM collections"
    " WHERE render = renders.id ORDER BY name)), '')"
)
_FIELDS = RenderRow._fields[:-1]  # every field but spec, in _COLUMNS order


def _row(record: sqlite3.Row | tuple[Any, ...], spec: bool = False) -> RenderRow:
    """A RenderRow from a query of _COLUMNS (in that order), plus `spec` when asked."""
    values = tuple(record)
    row = RenderRow._make((*values[: len(_FIELDS)], None))
    if spec and len(values) > len(_FIELDS) and values[len(_FIELDS)]:
        return row._replace(spec=json.loads(values[len(_FIELDS)]))
    return row


def read_sidecar(png: Path) -> dict[str, Any] | None:
    """A render's JSON sidecar, or None when missing or unreadable (the PNG still counts)."""
    try:
        data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _metadata(path: Path) -> dict[str, Any]:
    """Columns describing a render file, from its sidecar (and PNG header) when there is one."""
    stat = path.stat()
    sidecar = read_sidecar(path) or {}
    spec = sidecar.get("spec") if isinstance(sidecar.get("spec"), dict) else None
    content = style = ""
    content_sha = None
    style_shas: list[str] = []
    if spec:
        content = str(spec.get("content", {}).get("path", ""))
        content_sha = spec.get("content", {}).get("sha256")
        styles = spec.get("styles") or []
        style = "|".join(str(s.get("path", "")) for s in styles)
        style_shas = [str(s.get("sha256", "")) for s in styles]
    else:  # a render without sidecar: guess from the name content__style__id
        parts = path.stem.split("__")
        if len(parts) >= 2:
            content, style = parts[0], parts[1]
    width, height = sidecar.get("size", (0, 0)) if isinstance(sidecar.get("size"), list) else (0, 0)
    losses = sidecar.get("losses") if isinstance(sidecar.get("losses"), dict) else {}
    created = stat.st_mtime
    if isinstance(sidecar.get("created"), str):
        try:
            from datetime import datetime

            created = datetime.fromisoformat(sidecar["created"]).timestamp()
        except ValueError:
            pass
    return {
        "job_id": sidecar.get("job_id"),
        "engine": (spec or {}).get("engine", "gatys"),
        "content": content,
        "style": style,
        "content_sha": content_sha,
        "style_shas": json.dumps(style_shas),
        "width": int(width or 0),
        "height": int(height or 0),
        "bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "created": created,
        "seconds": sidecar.get("seconds"),
        "loss": losses.get("total") if isinstance(losses, dict) else None,
        "spec": json.dumps(spec) if spec else None,
        "sidecar": json.dumps(sidecar) if sidecar else None,
    }


def is_render_file(path: Path) -> bool:
    return (
        path.suffix.lower() in RENDER_SUFFIXES
        and not path.name.startswith(".")
        and ".tmp-" not in path.name
    )


class Catalog(db.Store):
    """The renders table of one studio."""

    COMPONENT = "catalog"
    MIGRATIONS = MIGRATIONS
    TRANSIENT_OK = True  # a read-only studio without a database: a catalog in memory

    def __init__(self, studio: Studio) -> None:
        super().__init__(studio)
        self.journal = RatingsJournal(studio.state)
        # A catalog made afresh (a lost database, a read-only copy without one) beside a
        # journal: rebuild it from renders/ and bring the ratings back now.
        empty = self.conn.execute("SELECT 1 FROM renders LIMIT 1").fetchone() is None
        if empty and self.journal.path.exists() and (not self.read_only or self.conn.in_memory):
            self.scan()
            self.restore_ratings()

    def restore_ratings(self, *, only_unrated: bool = False) -> int:
        """Ratings from the journal (the last line per render; by file name, else by job id
        for a renamed render); returns how many renders changed. `only_unrated` leaves
        renders that have a rating alone."""
        by_file, by_job = self.journal.latest()
        if not by_file:
            return 0
        current = {
            row["id"]: (row["file"], row["job_id"], Rating(row["stars"], row["flag"], row["label"]))
            for row in self.conn.execute("SELECT id, file, job_id, stars, flag, label FROM renders")
        }
        changes: dict[int, Rating] = {}
        for render_id, (file, job_id, rating) in current.items():
            wanted = by_file.get(file) or (by_job.get(job_id) if job_id else None)
            if wanted is None or wanted == rating or (only_unrated and rating != Rating()):
                continue
            changes[render_id] = wanted
        if changes:
            self.set_ratings(changes, journal=False)
        return len(changes)

    # ----------------------------------------------------------------- files

    def scan(self) -> tuple[int, int, int]:
        """Reconcile with renders/: (added or changed, gone, unchanged)."""
        on_disk: dict[str, os.stat_result] = {}
        if self.studio.renders.is_dir():
            with os.scandir(self.studio.renders) as entries:
                for entry in entries:
                    path = Path(entry.path)
                    if entry.is_file() and is_render_file(path):
                        on_disk[entry.name] = entry.stat()
        known = {
            row["file"]: (row["mtime_ns"], row["present"])
            for row in self.conn.execute("SELECT file, mtime_ns, present FROM renders")
        }
        changed = [
            name
            for name, stat in on_disk.items()
            if name not in known or known[name][0] != stat.st_mtime_ns or not known[name][1]
        ]
        gone = [name for name, (_, present) in known.items() if present and name not in on_disk]
        with db.write_transaction(self.conn):
            for name in changed:
                self._upsert(self.studio.renders / name)
            self._mark_absent(gone)
        return len(changed), len(gone), len(on_disk) - len(changed)

    def add_file(self, path: Path) -> int | None:
        """A render landed or changed; returns its id (None if it is not a render or vanished)."""
        if not is_render_file(path) or path.parent != self.studio.renders:
            return None
        with db.write_transaction(self.conn):
            return self._upsert(path)

    def remove_file(self, path: Path) -> None:
        with db.write_transaction(self.conn):
            self._mark_absent([path.name])

    def move_file(self, source: Path, target: Path) -> int | None:
        """A rename inside renders/ keeps the row (and its rating); moves in or out add or drop."""
        inside = target.parent == self.studio.renders and is_render_file(target)
        with db.write_transaction(self.conn):
            row = self.conn.execute(
                "SELECT id FROM renders WHERE file = ?", (source.name,)
            ).fetchone()
            if row is not None and inside and source.parent == self.studio.renders:
                self.conn.execute(
                    "DELETE FROM renders WHERE file = ? AND present = 0", (target.name,)
                )
                self.conn.execute(
                    "UPDATE renders SET file = ? WHERE id = ?", (target.name, row["id"])
                )
                return self._upsert(target)
            if row is not None:
                self._mark_absent([source.name])
            return self._upsert(target) if inside else None

    def _upsert(self, path: Path) -> int | None:
        try:
            meta = _metadata(path)
        except FileNotFoundError:
            self._mark_absent([path.name])
            return None
        columns = ", ".join(meta)
        marks = ", ".join("?" * len(meta))
        updates = ", ".join(f"{key} = excluded.{key}" for key in meta)
        self.conn.execute(
            f"INSERT INTO renders (file, present, {columns}) VALUES (?, 1, {marks})"
            f" ON CONFLICT(file) DO UPDATE SET present = 1, {updates}",
            (path.name, *meta.values()),
        )
        row = self.conn.execute("SELECT id FROM renders WHERE file = ?", (path.name,)).fetchone()
        return int(row["id"]) if row else None

    def _mark_absent(self, names: Sequence[str]) -> None:
        for name in names:
            self.conn.execute("UPDATE renders SET present = 0 WHERE file = ?", (name,))

    # ----------------------------------------------------------------- reading

    def all(self) -> list[RenderRow]:
        """Every present render, newest first."""
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: a third of the time of sqlite3.Row
        rows = cursor.execute(
            f"SELECT {_COLUMNS} FROM renders WHERE present = 1 ORDER BY created DESC, id DESC"
        ).fetchall()
        return [RenderRow(*r) for r in rows]

    def get(self, render_id: int, spec: bool = True) -> RenderRow | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS}, spec FROM renders WHERE id = ?", (render_id,)
        ).fetchone()
        return _row(row, spec=spec) if row else None

    def by_file(self, name: str) -> RenderRow | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS}, spec FROM renders WHERE file = ?", (name,)
        ).fetchone()
        return _row(row, spec=True) if row else None

    def sidecar(self, render_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT sidecar FROM renders WHERE id = ?", (render_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def count(self) -> int:
        return int(
            self.conn.execute("SELECT COUNT(*) FROM renders WHERE present = 1").fetchone()[0]
        )

    # ----------------------------------------------------------------- collections

    def set_collection(self, name: str, ids: Iterable[int], member: bool) -> None:
        """Put renders in collection `name` (or take them out); committed before returning."""
        wanted = list(ids)
        now = time.time()
        with db.write_transaction(self.conn, "save collections"):
            for render_id in wanted:
                if member:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO collections (name, render, added) VALUES (?, ?, ?)",
                        (name, render_id, now),
                    )
                else:
                    self.conn.execute(
                        "DELETE FROM collections WHERE name = ? AND render = ?", (name, render_id)
                    )

    def collection_names(self) -> list[tuple[str, int]]:
        """Every collection with how many present renders it holds, by name."""
        rows = self.conn.execute(
            "SELECT c.name, COUNT(*) FROM collections c JOIN renders r ON r.id = c.render"
            " WHERE r.present = 1 GROUP BY c.name ORDER BY c.name"
        ).fetchall()
        return [(row[0], int(row[1])) for row in rows]

    def collections_of(self, ids: Iterable[int]) -> dict[int, str]:
        """The collections (comma-separated, by name) of each render in `ids`."""
        wanted = list(ids)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        found = {render_id: "" for render_id in wanted}
        for row in self.conn.execute(
            f"SELECT render, group_concat(name, ',') FROM (SELECT render, name FROM collections"
            f" WHERE render IN ({marks}) ORDER BY name) GROUP BY render",
            wanted,
        ):
            found[row[0]] = row[1]
        return found

    # ----------------------------------------------------------------- ratings

    def ratings(self, ids: Iterable[int]) -> dict[int, Rating]:
        wanted = list(ids)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT id, stars, flag, label FROM renders WHERE id IN ({marks})", wanted
        ).fetchall()
        return {row["id"]: Rating(row["stars"], row["flag"], row["label"]) for row in rows}

    def set_ratings(self, ratings: dict[int, Rating], *, journal: bool = True) -> None:
        """Write ratings; committed before returning, so they survive a SIGKILL of the app,
        then added to the ratings journal, so they survive the loss of the database too."""
        now = time.time()
        with db.write_transaction(self.conn, "save ratings"):
            for render_id, rating in ratings.items():
                if not rating.valid():
                    raise ValueError(f"invalid rating {rating}")
                self.conn.execute(
                    "UPDATE renders SET stars = ?, flag = ?, label = ?, rated = ? WHERE id = ?",
                    (rating.stars, rating.flag, rating.label, now, render_id),
                )
        if journal and not self.conn.in_memory:
            marks = ",".join("?" * len(ratings))
            names = {
                row["id"]: (row["file"], row["job_id"])
                for row in self.conn.execute(
                    f"SELECT id, file, job_id FROM renders WHERE id IN ({marks})", list(ratings)
                )
            }
            self.journal.append(
                (*names[render_id], rating) for render_id, rating in ratings.items()
                if render_id in names
            )  # fmt: skip
