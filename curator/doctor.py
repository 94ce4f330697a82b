"""`curator doctor`: check a studio's database against its files, and repair it.

The files are the truth: every render in renders/ carries its spec in its sidecar and its PNG.
Ratings live in the database, with two copies outside it: the ratings journal beside the
database (every change, as it happened) and the XMP sidecars written at export. A repair
first keeps a copy of the database as it was (.curator/backups/), then, when the database is
damaged, builds a new one: jobs salvaged from the old one where they can still be read, the
catalog rebuilt from renders/, ratings back from the journal, then from what the old database
still held, then from exported XMP. A lost database loses no rating.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stylecore.stats.store import StatsStore
from stylecore.studio.database import connect_read_only, write_transaction
from stylecore.studio.folder import Studio
from stylecore.studio.queue import JobQueue
from stylecore.studio.registry import STALE_AFTER_S

from .catalog import Catalog, is_render_file
from .journal import RatingsJournal
from .ratings import Rating

#: What each part of the database should be at, in this version.
EXPECTED = {"queue": len(JobQueue.MIGRATIONS), "catalog": len(Catalog.MIGRATIONS),
            "stats": len(StatsStore.MIGRATIONS)}  # fmt: skip
XMP_NS = "http://ns.adobe.com/xap/1.0/"
DIGIKAM_NS = "http://www.digikam.org/ns/1.0/"


@dataclass
class DoctorReport:
    """What the doctor found (and did): lines of (state, text), state ok, warn or bad."""

    lines: list[tuple[str, str]] = field(default_factory=list)

    def add(self, state: str, text: str) -> None:
        self.lines.append((state, text))

    @property
    def healthy(self) -> bool:
        return all(state != "bad" for state, _ in self.lines)


def database_problem(studio: Studio) -> str | None:
    """Why the database cannot be used as it is (None when it is sound or absent)."""
    path = studio.db_path
    if not path.exists():
        return None
    conn: sqlite3.Connection | None = None
    try:
        conn = connect_read_only(path)
        result = conn.execute("PRAGMA integrity_check(5)").fetchall()
        problems = [row[0] for row in result if row[0] != "ok"]
        if problems:
            return "; ".join(problems)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        versions: dict[str, int] = {}
        if "schema_migrations" in tables:
            versions = {
                row[0]: row[1]
                for row in conn.execute(
                    "SELECT component, MAX(version) FROM schema_migrations GROUP BY component"
                )
            }
        for component, table in (("queue", "jobs"), ("catalog", "renders"),
                                 ("stats", "image_stats")):  # fmt: skip
            if table in tables and not versions.get(component):
                return f"table {table} exists but its migrations are not recorded"
            if versions.get(component, 0) > EXPECTED[component]:
                return f"made by a newer version ({component} at {versions[component]})"
    except sqlite3.DatabaseError as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    finally:
        if conn is not None:
            conn.close()
    return None


def examine(studio: Studio) -> DoctorReport:
    """Check without changing anything."""
    report = DoctorReport()
    problem = database_problem(studio)
    if not studio.db_path.exists():
        report.add("warn", f"{studio.db_path}: no database yet (a command will create it)")
    elif problem:
        report.add("bad", f"{studio.db_path}: damaged ({problem}); --repair rebuilds it")
    else:
        size = studio.db_path.stat().st_size
        report.add("ok", f"{studio.db_path}: integrity ok ({size / 2**20:.1f} MB)")
    journal = RatingsJournal(studio.state)
    entries = journal.entries()
    report.add("ok", f"ratings journal: {len(entries)} change(s) in {journal.path.name}")
    on_disk = _render_files(studio)
    temporaries = [p for p in studio.renders.glob(".*.tmp-*")] if studio.renders.is_dir() else []
    if problem is None and studio.db_path.exists():
        with Catalog(studio) as catalog:
            rows = {row.file: row for row in catalog.all()}
            missing = sorted(set(on_disk) - set(rows))
            report.add(
                "ok" if not missing else "warn",
                f"catalog: {len(rows)} render(s) listed, {len(on_disk)} in renders/"
                + (f", {len(missing)} not listed yet (any command lists them)" if missing else ""),
            )
            by_file, _ = journal.latest()
            differ = [f for f, r in by_file.items() if f in rows and rows[f].rating != r]
            if differ:
                report.add(
                    "warn", f"{len(differ)} rating(s) differ from the journal, e.g. {differ[0]}"
                )
        with JobQueue(studio) as queue:
            counts = queue.counts()
            now = time.time()
            dead = [
                job.id for job in queue.jobs(["running"])
                if job.heartbeat is None or now - job.heartbeat > STALE_AFTER_S
            ]  # fmt: skip
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "empty"
        report.add("ok", f"queue: {summary}")
        if dead:
            report.add(
                "warn", f"{len(dead)} job(s) held by a dead loop; the next loop requeues them"
            )
    if temporaries:
        report.add("warn", f"{len(temporaries)} temporary file(s) left in renders/")
    return report


def repair(studio: Studio) -> DoctorReport:
    """Back the database up, then rebuild it if it is damaged; always reconcile."""
    report = DoctorReport()
    studio.state.mkdir(parents=True, exist_ok=True)
    if studio.db_path.exists():
        backup = backup_database(studio)
        report.add("ok", f"kept a copy of the database as it was: {backup}")
    problem = database_problem(studio)
    salvaged_jobs: list[dict[str, Any]] = []
    salvaged_ratings: dict[str, Rating] = {}
    if problem:
        report.add("warn", f"the database is damaged ({problem}): building a new one")
        salvaged_jobs, salvaged_ratings = salvage(studio.db_path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{studio.db_path}{suffix}").unlink(missing_ok=True)
    with JobQueue(studio) as queue:
        if salvaged_jobs:
            restored = restore_jobs(queue, salvaged_jobs)
            report.add("ok", f"queue: {restored} job(s) salvaged from the old database")
        elif problem:
            report.add("warn", "queue: no job could be read from the old database")
    with Catalog(studio) as catalog:  # made afresh: rebuilt from renders/, journal replayed
        catalog.scan()
        replayed = sum(1 for row in catalog.all() if row.rating != Rating()) if problem else 0
        from_journal = replayed + catalog.restore_ratings(only_unrated=True)
        from_old = _apply(catalog, salvaged_ratings)
        from_xmp = _apply(catalog, xmp_ratings(studio))
        count = len(catalog.all())
        rated = sum(1 for row in catalog.all() if row.rating != Rating())
    report.add("ok", f"catalog: {count} render(s) from renders/ and their sidecars")
    report.add(
        "ok",
        f"ratings: {rated} render(s) rated ({from_journal} from the journal, {from_old} from the "
        f"old database, {from_xmp} from exported XMP)",
    )
    StatsStore(studio).close()  # statistics are a cache: measured again when needed
    removed = 0
    for temporary in studio.renders.glob(".*.tmp-*") if studio.renders.is_dir() else []:
        temporary.unlink(missing_ok=True)
        removed += 1
    if removed:
        report.add("ok", f"removed {removed} temporary file(s) from renders/")
    if database_problem(studio):
        report.add("bad", "the rebuilt database still fails its check")
    return report


def backup_database(studio: Studio) -> Path:
    """Copy studio.db (and its WAL files) into .curator/backups/, byte for byte."""
    folder = studio.state / "backups"
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"studio-{stamp}.db"
    counter = 2
    while target.exists():
        target = folder / f"studio-{stamp}-{counter}.db"
        counter += 1
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{studio.db_path}{suffix}")
        if source.exists():
            shutil.copy2(source, f"{target}{suffix}")
    return target


def salvage(path: Path) -> tuple[list[dict[str, Any]], dict[str, Rating]]:
    """What can still be read from a damaged database: jobs, and ratings by render file."""
    jobs: list[dict[str, Any]] = []
    ratings: dict[str, Rating] = {}
    try:
        conn = connect_read_only(path)
    except sqlite3.DatabaseError:
        return jobs, ratings
    try:
        for row in _rows(conn, "SELECT * FROM jobs"):
            jobs.append(dict(row))
        for row in _rows(conn, "SELECT file, stars, flag, label FROM renders"):
            rating = Rating(int(row["stars"]), str(row["flag"]), str(row["label"]))
            if rating.valid() and rating != Rating():
                ratings[str(row["file"])] = rating
    finally:
        conn.close()
    return jobs, ratings


def _rows(conn: sqlite3.Connection, query: str) -> list[sqlite3.Row]:
    """The rows a query yields before the damage stops it."""
    found: list[sqlite3.Row] = []
    try:
        for row in conn.execute(query):
            found.append(row)
    except sqlite3.DatabaseError:
        pass
    return found


def restore_jobs(queue: JobQueue, rows: list[dict[str, Any]]) -> int:
    """Put salvaged jobs back; a job that was running goes back to the queue."""
    columns = [c[1] for c in queue.conn.execute("PRAGMA table_info(jobs)")]
    restored = 0
    with write_transaction(queue.conn, "restore jobs"):
        for row in rows:
            values = {key: row[key] for key in columns if key in row}
            if values.get("status") == "running":
                values.update(status="queued", holder=None, iteration=0, eta=None)
            names = ", ".join(values)
            marks = ", ".join("?" * len(values))
            try:
                queue.conn.execute(
                    f"INSERT OR IGNORE INTO jobs ({names}) VALUES ({marks})", list(values.values())
                )
                restored += 1
            except sqlite3.DatabaseError:
                continue
    return restored


def xmp_ratings(studio: Studio) -> dict[str, Rating]:
    """Ratings carried out by exports into the studio's exports/: render file -> rating."""
    found: dict[str, Rating] = {}
    if not studio.exports.is_dir():
        return found
    for manifest in sorted(studio.exports.rglob("manifest.json")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for content in data.get("contents", []) if isinstance(data, dict) else []:
            for render in content.get("renders", []):
                xmp = manifest.parent / f"{render.get('file', '')}.xmp"
                rating = read_xmp_rating(xmp)
                if rating is not None and render.get("source"):
                    found[str(render["source"])] = rating
    return found


def read_xmp_rating(path: Path) -> Rating | None:
    """Stars, pick or reject and colour label from an XMP sidecar that export wrote."""
    from .ratings import LABEL_TABLE

    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    for description in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        stars = description.get(f"{{{XMP_NS}}}Rating")
        if stars is None:
            continue
        pick = description.get(f"{{{DIGIKAM_NS}}}PickLabel", "0")
        label_name = description.get(f"{{{XMP_NS}}}Label", "")
        label = next((lab.name for lab in LABEL_TABLE if lab.xmp == label_name), "")
        value = int(stars)
        flag = "reject" if value < 0 or pick == "1" else "pick" if pick == "3" else ""
        return Rating(max(0, value), flag, label)
    return None


def _apply(catalog: Catalog, ratings: dict[str, Rating]) -> int:
    """Give unrated renders the rating `ratings` holds for their file."""
    changes = {
        row.id: ratings[row.file]
        for row in catalog.all()
        if row.file in ratings and row.rating == Rating()
    }
    if changes:
        catalog.set_ratings(changes)
    return len(changes)


def _render_files(studio: Studio) -> list[str]:
    if not studio.renders.is_dir():
        return []
    return [p.name for p in studio.renders.iterdir() if p.is_file() and is_render_file(p)]
