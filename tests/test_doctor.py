"""A damaged or lost database: one line that says what to do, and `curator doctor --repair`
that brings back every rating (from the journal, the old database, exported XMP)."""

from __future__ import annotations

import sqlite3

import pytest

from curator.catalog import Catalog
from curator.cli import main
from curator.ratings import Rating
from curator.service import ExportOptions, StudioService

from .studio_factory import make_studio


@pytest.fixture
def rated(tmp_path):
    """A studio with ratings of every kind and a queued job."""
    studio = make_studio(tmp_path / "studio", renders=6)
    with StudioService(studio) as service:
        service.rescan()
        ids = [row.id for row in service.rows]
        service.rate(ids[:2], stars=5)
        service.rate(ids[2:3], flag="pick", label="green")
        service.rate(ids[3:4], flag="reject")
        service.rate(ids[0:1], stars=3)  # the last change wins
        service.queue_pairs(service.contents()[:1], service.styles()[:1], "preview")
        expected = {row.file: row.rating for row in service.rows}
    return studio, expected


def ratings_of(studio) -> dict[str, Rating]:
    with Catalog(studio) as catalog:
        catalog.scan()
        return {row.file: row.rating for row in catalog.all()}


def damage(studio, how: str) -> None:
    for suffix in ("-wal", "-shm"):
        studio.db_path.with_name(studio.db_path.name + suffix).unlink(missing_ok=True)
    if how == "delete":
        studio.db_path.unlink()
    elif how == "garbage":
        studio.db_path.write_bytes(bytes(range(256)) * 400)
    elif how == "truncate":
        data = studio.db_path.read_bytes()
        studio.db_path.write_bytes(data[: len(data) // 3])
    elif how == "unrecorded":
        conn = sqlite3.connect(studio.db_path)
        conn.execute("DELETE FROM schema_migrations")
        conn.commit()
        conn.close()


def test_a_deleted_database_loses_no_rating(rated):
    studio, expected = rated
    damage(studio, "delete")
    assert ratings_of(studio) == expected  # the catalog rebuilds itself from the journal


@pytest.mark.parametrize("how", ["garbage", "truncate", "unrecorded"])
def test_a_damaged_database_is_one_line_then_repaired(rated, how, capsys):
    studio, expected = rated
    damage(studio, how)
    assert main(["list", str(studio.root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err and "curator doctor" in err
    assert main(["doctor", str(studio.root)]) == 1
    assert "BAD" in capsys.readouterr().out
    assert main(["doctor", str(studio.root), "--repair"]) == 0
    out = capsys.readouterr().out
    assert "kept a copy of the database" in out and "repaired: the studio is healthy" in out
    assert list((studio.state / "backups").glob("studio-*.db"))
    assert ratings_of(studio) == expected
    assert main(["doctor", str(studio.root)]) == 0


def test_jobs_that_can_still_be_read_are_salvaged(rated):
    studio, _ = rated
    damage(studio, "unrecorded")
    StudioService.open(studio.root, load_rows=False).doctor(repair=True)
    with StudioService(studio, load_rows=False) as service:
        assert [job.status for job in service.jobs()] == ["queued"]


def test_without_journal_ratings_come_back_from_exported_xmp(rated):
    studio, expected = rated
    with StudioService(studio) as service:
        kept = [row for row in service.rows if row.rating != Rating()]
        service.export(service.plan_export(kept, ExportOptions(studio.exports / "picks")))
    damage(studio, "garbage")
    (studio.state / "ratings.jsonl").unlink()
    report = StudioService.open(studio.root, load_rows=False).doctor(repair=True)
    assert any("4 from exported XMP" in text for _, text in report.lines)
    assert ratings_of(studio) == expected
