"""The catalog: renders/ reconciled into SQLite, ratings that outlive files and renames."""

from __future__ import annotations

import os

import pytest

from curator.catalog import Catalog, is_render_file
from curator.ratings import Rating

from .studio_factory import make_studio


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=4)


def test_scan_adds_then_finds_nothing_new(studio):
    with Catalog(studio) as catalog:
        assert catalog.scan() == (4, 0, 0)
        assert catalog.scan() == (0, 0, 4)
        rows = catalog.all()
    assert len(rows) == 4
    assert rows == sorted(rows, key=lambda r: (-r.created, -r.id))  # newest first
    row = rows[0]
    assert row.job_id and row.content and row.style and row.engine == "gatys"
    assert row.width == 64 and row.style_shas and row.loss is not None


def test_a_rating_outlives_its_file_and_follows_a_rename(studio):
    with Catalog(studio) as catalog:
        catalog.scan()
        row = catalog.all()[0]
        catalog.set_ratings({row.id: Rating(4, "pick", "red")})
        path = studio.renders / row.file
        parked = path.with_name("elsewhere.bin")
        os.replace(path, parked)
        assert catalog.scan()[1] == 1
        assert row.id not in {r.id for r in catalog.all()}  # absent, not deleted
        os.replace(parked, path)
        catalog.scan()
        assert catalog.ratings([row.id])[row.id] == Rating(4, "pick", "red")
        renamed = path.with_name("renamed.png")
        os.replace(path, renamed)
        moved = catalog.move_file(path, renamed)
        assert moved == row.id
        assert catalog.by_file("renamed.png").rating == Rating(4, "pick", "red")


def test_invalid_ratings_are_refused(studio):
    with Catalog(studio) as catalog:
        catalog.scan()
        render_id = catalog.all()[0].id
        for bad in (Rating(6), Rating(flag="maybe"), Rating(label="pink")):
            with pytest.raises(ValueError):
                catalog.set_ratings({render_id: bad})
        assert catalog.ratings([render_id])[render_id] == Rating()


def test_a_render_without_sidecar_is_named_from_its_file(studio):
    (studio.renders / "photo__painting__abc123.png").write_bytes(
        (next(studio.renders.glob("*.png"))).read_bytes()
    )
    with Catalog(studio) as catalog:
        catalog.scan()
        row = catalog.by_file("photo__painting__abc123.png")
    assert row is not None and (row.content, row.style, row.job_id) == ("photo", "painting", None)


def test_only_render_images_count():
    from pathlib import Path

    assert is_render_file(Path("a.png")) and is_render_file(Path("b.JPG"))
    for name in (".a.png", "a.png.tmp-12", "a.json", ".a.png.tmp-1-2"):
        assert not is_render_file(Path(name))
