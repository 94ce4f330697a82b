"""How the contact sheet draws: one widget painting its tiles line by line, what a keystroke
repaints, sixel pictures over blank cells, and the work done ahead of need (pilot tests)."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import pytest
from textual.filter import ANSIToTruecolor
from textual.geometry import Region

from curator.app.widgets import picture as graphics

graphics.choose("halfcell")

from curator.app.memory import limit_malloc_arenas  # noqa: E402
from curator.thumbs import ThumbnailCache  # noqa: E402

from .studio_factory import make_studio  # noqa: E402
from .test_app import (  # noqa: E402
    SIZE,
    graphics_mode,
    hold_back_encoding,
    make_app,
    sheet,
    wait_until,
)


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=12)


def all_twelve_shown(grid) -> bool:
    """The studio's twelve renders all on the sheet, each with its thumbnail."""
    tiles = grid.visible_tiles()
    return len(tiles) == 12 and all(tile.thumb is not None for tile in tiles)


def tile_lines(grid, tile) -> list[str]:
    """The text of a tile's lines as drawn (border included)."""
    x = tile.region.x
    return [
        grid.render_line(y).text[x : x + tile.region.width]
        for y in range(tile.region.y, tile.region.bottom)
    ]


def line_colours(grid, y: int, start: int, stop: int) -> set[tuple[int, int, int]]:
    """The background colours of cells start..stop on sheet line y."""
    colours = set()
    position = 0
    for segment in grid.render_line(y):
        if start <= position < stop and segment.style and segment.style.bgcolor:
            triplet = segment.style.bgcolor.get_truecolor()
            colours.add((triplet.red, triplet.green, triplet.blue))
        position += len(segment.text)
    return colours


def record_refreshes(grid) -> list[tuple[Region, ...]]:
    """Each refresh the sheet asks for from now on: its regions (none: the whole sheet)."""
    calls: list[tuple[Region, ...]] = []
    original = grid.refresh

    def record(*regions, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(regions)
        return original(*regions, **kwargs)

    grid.refresh = record
    return calls


async def test_one_widget_draws_every_tile_with_its_state(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.visible_tiles()) == 12)
        assert not grid.children  # no widget per tile
        await pilot.press("m", "right", "x", "right")
        tiles = grid.visible_tiles()
        marked, rejected, cursor = tiles[0], tiles[1], tiles[2]
        assert marked.marked and rejected.rejected and cursor.cursor
        assert tile_lines(grid, cursor)[0].startswith("┏")  # heavy at the cursor
        assert tile_lines(grid, marked)[0].startswith("╭")
        assert "✗ reject" in tile_lines(grid, rejected)[-3]
        # A marked tile is tinted: its caption line's background differs from a plain one's.
        caption_y = marked.region.bottom - 2
        plain = tiles[3]
        assert line_colours(grid, caption_y, marked.region.x + 1, marked.region.right - 1) != (
            line_colours(grid, caption_y, plain.region.x + 1, plain.region.right - 1)
        )


async def test_a_rating_repaints_the_caption_alone_and_a_move_two_tiles(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(
            pilot,
            lambda: all_twelve_shown(grid),
        )
        await pilot.pause()  # the last thumbnails' repaints asked for
        await pilot.pause()
        calls = record_refreshes(grid)
        await pilot.press("3")
        tile = grid.visible_tiles()[0]
        assert "★★★··" in tile.caption
        gutter = grid.styles.gutter
        assert [r for call in calls for r in call] == [
            Region(gutter.left, gutter.top + tile.region.bottom - 3, 26, 2)
        ]
        calls.clear()
        await pilot.press("right")
        asked = [region for call in calls for region in call]
        assert len(asked) == 2 and all(region.height == grid.tile.height for region in asked)


async def test_sixel_pictures_are_sent_over_blank_cells_and_whole_lines_repainted(studio):
    from curator.app.widgets.sixel_picture import SixelPicture

    with graphics_mode("sixel"):
        assert graphics.image_class() is SixelPicture and graphics.painter_kind() == "sixel"
        app = make_app(studio)
        async with app.run_test(size=SIZE) as pilot:
            grid = sheet(app)
            await wait_until(
                pilot,
                lambda: all_twelve_shown(grid),
                timeout=30,
            )

            def sixel_lines() -> list[int]:
                whole = Region(0, 0, grid.outer_size.width, grid.outer_size.height)
                lines = grid.render_lines(whole)
                return [
                    y for y, line in enumerate(lines) for s in line if s.text.startswith("\x1bP")
                ]

            await wait_until(pilot, lambda: len(sixel_lines()) == 12, timeout=30)
            sixels = sixel_lines()
            gutter = grid.styles.gutter
            tiles = grid.visible_tiles()
            # One picture per tile, sent at the end of its picture's last line.
            expected = sorted(
                gutter.top + tile.region.y + 1 + grid.tile.image_rows - 1 for tile in tiles
            )
            assert sorted(sixels) == expected
            first = tiles[0]
            assert tile_lines(grid, first)[1].strip("┃ ") == ""  # blank cells under it
            # A partly changed line would be cut at its end by Textual, losing the pictures
            # on it: a move repaints whole lines.
            calls = record_refreshes(grid)
            await pilot.press("right")
            asked = [region for call in calls for region in call]
            assert asked and all(
                region.x == 0 and region.width == grid.outer_size.width for region in asked
            )
            # A toast over the lower lines cuts their writing before the pictures at their
            # ends: once it is gone, the sheet is drawn whole again.
            calls.clear()
            app.notify("a toast", timeout=0.2)
            await wait_until(pilot, lambda: any(not call for call in calls), timeout=20)


async def test_a_closed_stack_under_the_cursor_has_its_first_page_decoded(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=48)  # 16 pairs, 3 renders each
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.items) == 48)
        await pilot.press("T")
        await wait_until(pilot, lambda: len(grid.items) == 16)
        screen = app.screen
        members = app.service.stack_members(grid.current, screen.view_spec)
        assert len(members) == 3 and members[0].id == grid.current.id
        paths = [app.service.render_path(row) for row in members]
        await wait_until(pilot, lambda: all(app.service.thumbs.cached(p) for p in paths))


def test_thumbnails_are_decoded_at_a_lower_priority(tmp_path: Path):
    cache = ThumbnailCache(tmp_path / "thumbs", workers=1)
    try:
        me = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        worker = cache._pool.submit(
            lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        ).result(timeout=30)
        assert worker == min(19, me + 10)
    finally:
        cache.close()


def test_the_app_asks_glibc_for_two_malloc_arenas():
    import ctypes.util

    if ctypes.util.find_library("c") is None or os.uname().sysname != "Linux":
        pytest.skip("glibc's mallopt is a Linux and glibc call")
    assert limit_malloc_arenas() is True


def test_a_renderable_s_picture_becomes_tile_lines(monkeypatch):
    """Kitty's pictures come through textual-image's renderable (its placeholders are text):
    the same path, tried with its plain-text renderable, gives lines of the tile's size."""
    from PIL import Image
    from rich.console import Console
    from textual_image.renderable.unicode import Image as UnicodeRenderable

    from curator.app.widgets.tile_painting import PicturePainter

    monkeypatch.setattr(graphics, "renderable_class", lambda: UnicodeRenderable)
    painter = PicturePainter(Console(width=80, color_system="truecolor"))
    painter.kind = "renderable"
    picture = Image.new("RGB", (230, 180), (200, 40, 40))
    lines = painter.lines(picture, "key", (23, 9), background=None)  # type: ignore[arg-type]
    assert len(lines) == 9 and all(line.cell_length == 23 for line in lines)
    assert painter.lines(picture, "key", (23, 9), background=None) is lines  # type: ignore[arg-type]


def use_ansi_accent(app) -> None:
    """The app's theme with its accent (the cursor's border) given as an ANSI colour."""
    theme = app.get_theme(app.theme)
    assert theme is not None
    app.register_theme(dataclasses.replace(theme, name="ansi-accent", accent="ansi_red"))
    app.theme = "ansi-accent"


async def test_the_sheet_converts_ansi_colours_as_it_paints_not_on_every_frame(studio):
    """Textual's ANSI-to-truecolor filter is left out of the sheet's frames (it looked up every
    cell of every line joined anew) and applied to each tile's border and words as they are
    painted: the lines drawn must be what the filter would make of them, with a theme colour
    given as an ANSI colour (the cursor's border here)."""
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.visible_tiles()) == 12)
        use_ansi_accent(app)
        # An ANSI colour to convert, once the theme's styles are in place.
        await wait_until(pilot, lambda: grid._tile_look().cursor.color.triplet is None)
        (ansi,) = [each for each in app.get_line_filters() if isinstance(each, ANSIToTruecolor)]
        assert ansi not in grid.get_line_filters()
        background = grid.background_colors[1]
        lines = grid.render_lines(grid.size.region)
        assert any("┏" in line.text for line in lines)  # the cursor's border is drawn
        for line in lines:
            segments = list(line)
            filtered = ansi.apply(segments, background)
            assert [s.style for s in filtered] == [s.style for s in segments], line.text


async def test_the_sheet_draws_without_waiting_for_its_sixel_pictures(studio, monkeypatch):
    """A page of new tiles is drawn at once, the pictures' cells blank, while their sixel data
    is made on the encoder's threads; when all of it is made, the lines they end on are drawn
    again, whole, with the pictures."""
    from curator.app.widgets import tile_painting
    from curator.service import sixel_data

    held = hold_back_encoding(monkeypatch, tile_painting)
    with graphics_mode("sixel"):
        app = make_app(studio)
        async with app.run_test(size=SIZE) as pilot:
            grid = sheet(app)
            await wait_until(
                pilot,
                lambda: all_twelve_shown(grid) and len(held) >= 12,
                timeout=30,
            )
            whole = Region(0, 0, grid.outer_size.width, grid.outer_size.height)

            def sixels() -> int:
                lines = grid.render_lines(whole)
                return sum(s.text.startswith("\x1bP") for line in lines for s in line)

            assert sixels() == 0  # drawn, the pictures on their way
            assert grid._waiting
            calls = record_refreshes(grid)
            for future, image in held:
                future.set_result(sixel_data(image))
            await wait_until(pilot, lambda: not grid._waiting and calls, timeout=20)
            asked = [region for call in calls for region in call]
            assert asked and all(
                region.x == 0 and region.width == grid.outer_size.width for region in asked
            )
            assert sixels() == 12


def test_a_picture_the_encoder_failed_on_is_drawn_blank_and_not_tried_again(monkeypatch):
    """Each frame asks for its pictures again: one that failed must not be encoded over and
    over (a loop of frames); it is kept as no data."""
    from concurrent.futures import Future

    from PIL import Image
    from rich.console import Console

    from curator.app.widgets import tile_painting

    started: list[object] = []

    def failing(images):  # type: ignore[no-untyped-def]
        futures: list[Future[str]] = []
        for image in images:
            started.append(image)
            future: Future[str] = Future()
            future.set_exception(ValueError("cannot encode"))
            futures.append(future)
        return futures

    monkeypatch.setattr(tile_painting, "sixel_data_later", failing)
    with graphics_mode("sixel"):
        painter = tile_painting.PicturePainter(Console())
        wanted = [(Image.new("RGB", (40, 40)), "key", Region(0, 0, 4, 2))]
        arrived: list[bool] = []
        assert painter.sixels(wanted, lambda: arrived.append(True)) == [None]
        assert arrived == [True]
        assert painter.sixels(wanted, lambda: arrived.append(True)) == [""]
        assert painter.sixels(wanted, lambda: arrived.append(True)) == [""]
        assert len(started) == 1


async def test_the_sheet_looks_again_once_a_new_theme_s_styles_are_in_place(studio):
    """Textual applies a new theme's styles a moment after the theme is set: a frame drawn in
    between must not leave the sheet in the old colours."""
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.visible_tiles()) == 12)
        use_ansi_accent(app)
        assert grid._tile_look().cursor.color.triplet is not None  # the old styles still
        await pilot.pause()
        assert grid._tile_look().cursor.color.triplet is None  # the new theme's ANSI red
