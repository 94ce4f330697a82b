"""Snapshot tests of the main screens (half-cell pixels), against committed SVGs.

Update after an intended change with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import asyncio

import pytest
from PIL import Image

from curator.app.widgets import picture as graphics

graphics.choose("halfcell")

from curator.app.widgets.contact_sheet import ContactSheet  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402

from .studio_factory import make_studio  # noqa: E402
from .test_app import make_app  # noqa: E402

SIZE = (160, 50)


@pytest.fixture
def studio(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=12)
    return studio


async def thumbnails_shown(pilot) -> None:
    """Wait until every visible tile shows its picture."""
    for _ in range(200):
        grid = pilot.app.screen.query(ContactSheet)
        tiles = [t for s in grid.first().slots for t in s.tiles if t.row] if grid else []
        if tiles and all(isinstance(t.box._shown, Image.Image) for t in tiles):
            break
        await asyncio.sleep(0.05)
    await pilot.pause()


def test_contact_sheet(snap_compare, studio):
    app = make_app(studio)

    async def rate_some(pilot):
        await pilot.press("5", "right", "x", "right", "p", "9", "right")
        await thumbnails_shown(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=rate_some)


def test_contact_sheet_grouped_by_style(snap_compare, studio):
    app = make_app(studio)

    async def group(pilot):
        await pilot.press("g", "g")
        await thumbnails_shown(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=group)


def test_loupe(snap_compare, studio):
    app = make_app(studio)
    app.service.compute_missing_stats()

    async def open_loupe(pilot):
        await pilot.press("4", "enter")
        for _ in range(200):
            pictures = [p for p in pilot.app.screen.query("Picture") if p.image_widget.display]
            if len(pictures) == 4:
                break
            await asyncio.sleep(0.05)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_loupe)


def test_queue_screen(snap_compare, studio):
    with JobQueue(studio) as queue:
        specs = [
            queue.spec_for(studio.contents / "coffee.png", [style], studio.config.preset("preview"))
            for style in sorted(studio.styles.iterdir())
        ]
        ids = queue.add(specs)
        queue.cancel(ids[:1])
    app = make_app(studio)
    assert snap_compare(app, terminal_size=SIZE, press=["Q"])


def test_styles_screen(snap_compare, studio):
    app = make_app(studio)
    app.service.compute_missing_stats()

    async def open_styles(pilot):
        await pilot.press("S")
        for _ in range(200):
            items = list(pilot.app.screen.query("StyleItem"))
            if items and all(i.picture.image_widget.display for i in items):
                break
            await asyncio.sleep(0.05)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_styles)


def test_help(snap_compare, studio):
    assert snap_compare(make_app(studio), terminal_size=SIZE, press=["question_mark"])
