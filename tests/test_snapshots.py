"""Snapshot tests of the main screens (half-cell pixels), against committed SVGs.

Update after an intended change with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import asyncio
import time

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


async def settled(pilot, condition, what: str, timeout: float = 120.0) -> None:
    """Await `condition()` (pictures decode in background threads; a busy machine is slow,
    not wrong), then let the screen repaint. Fails, rather than snapshot a half-drawn screen."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    # And the app's own workers done (the loupe's view made ahead, the filmstrip's loading):
    # what they hand back lands before the picture is taken, not during it.
    while any(not worker.is_finished for worker in pilot.app.workers):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for the app's workers after {what}")
        await asyncio.sleep(0.05)
    await pilot.pause()
    await pilot.pause()


async def thumbnails_shown(pilot) -> None:
    """Wait until every visible tile shows its picture."""

    def shown() -> bool:
        grid = pilot.app.screen.query(ContactSheet)
        tiles = grid.first().visible_tiles() if grid else []
        return bool(tiles) and all(isinstance(t.thumb, Image.Image) for t in tiles)

    await settled(pilot, shown, "the tiles' thumbnails")


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

        def every_picture() -> bool:
            screen = pilot.app.screen
            main = [
                screen.query_one(f"#{name}") for name in ("render", "content", "style", "report")
            ]
            film = [p for p in screen.query("Filmstrip Picture") if not p.has_class("-none")]
            return all(p.image_widget.display for p in (*main, *film)) and len(film) > 1

        await settled(pilot, every_picture, "the loupe's four pictures and its filmstrip")

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

        def all_pictures() -> bool:
            items = list(pilot.app.screen.query("StyleItem"))
            return bool(items) and all(i.picture.image_widget.display for i in items)

        await settled(pilot, all_pictures, "every style's picture")

    assert snap_compare(app, terminal_size=SIZE, run_before=open_styles)


def test_help(snap_compare, studio):
    assert snap_compare(make_app(studio), terminal_size=SIZE, press=["question_mark"])
