"""The contact sheet's sizes, captions and rejects (pilot tests assert on state)."""

from __future__ import annotations

import pytest

from curator.app.widgets import picture as graphics

graphics.choose("halfcell")

from curator.app.widgets.contact_sheet import (  # noqa: E402
    SIZE_NAMES,
    names_line,
    shorten_middle,
    tile_size,
)
from stylecore.studio.folder import Studio, StudioError  # noqa: E402

from .studio_factory import make_studio  # noqa: E402
from .test_app import SIZE, make_app, sheet, wait_until  # noqa: E402


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=12)


def test_names_are_shortened_from_the_middle_and_keep_what_tells_styles_apart():
    assert shorten_middle("woman-with-hat-matisse", 13) == "woman-…atisse"
    a = names_line("astronaut", "monet-water-lilies-1916", 20)
    b = names_line("astronaut", "monet-water-lilies-1919", 20)
    assert len(a) <= 20 and a != b  # the years at the end survive
    assert names_line("cat", "scream", 40) == "cat × scream"


def test_sizes_run_from_tiny_to_half_the_screen():
    widths = [tile_size(name, 220).width for name in SIZE_NAMES]
    assert widths == sorted(widths) and widths[0] <= 12
    assert tile_size("half", 220).width == 109


async def test_plus_and_minus_change_the_tile_size_and_keep_the_cursor(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("right", "right", "right")
        current = grid.current.id
        assert grid.columns == 6
        await pilot.press("minus", "minus")
        assert grid.size_name == "tiny" and grid.columns == (160 - 1 - 1) // 12
        assert grid.current.id == current

        def tiles_laid_out_tiny() -> bool:
            tiles = grid.visible_tiles()
            return len(tiles) == 12 and all(tile.region.size == (11, 7) for tile in tiles)

        await wait_until(pilot, tiles_laid_out_tiny, timeout=20)
        for _ in range(6):
            await pilot.press("plus")
        assert grid.size_name == "half" and grid.columns == 2
        await wait_until(pilot, lambda: grid.current.id == current, timeout=20)


async def test_rejects_are_dimmed_on_the_sheet(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("x")
        tiles = {tile.row.id: tile for tile in grid.visible_tiles()}
        rejected = tiles[grid.current.id]
        assert rejected.rejected
        assert sum(tile.rejected for tile in tiles.values()) == 1


def test_the_starting_size_is_a_studio_setting(tmp_path):
    studio = Studio.init(tmp_path / "s")
    studio.toml.write_text('[defaults]\ntile_size = "small"\n')
    assert Studio.open(studio.root).config.tile_size == "small"
    studio.toml.write_text('[defaults]\ntile_size = "enormous"\n')
    with pytest.raises(StudioError, match=r"line 2: .*tile_size must be one of tiny"):
        Studio.open(studio.root).config  # noqa: B018


async def test_landing_renders_never_blank_the_page_and_are_counted_as_new(studio):
    from .studio_factory import add_renders

    app = make_app(studio, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        screen = app.screen
        await pilot.press("end")  # the oldest render, on the last row; all 12 fit on screen
        oldest = grid.current.id
        add_renders(studio, 4, start=40)  # newest: they sort above the cursor
        await wait_until(pilot, lambda: len(grid.items) == 16, timeout=30)
        assert grid.current.id == oldest
        assert grid.top == 0  # 16 renders fit: none hidden above a blank space
        assert "4 new" in str(screen.query_one("#status").render())
        await pilot.press("n")
        assert grid.current.file == max(grid.items, key=lambda r: r.created).file
        assert grid.current.id in {r.id for r in grid.items[:4]}
        assert " new " not in str(screen.query_one("#status").render())


def shown_lines(grid) -> tuple[int, int]:
    """(first line of the last row's tile, lines the sheet draws): where the end sits."""
    last = max(grid.visible_tiles(), key=lambda tile: tile.index)
    return last.region.bottom, len(grid._screen_lines)


async def test_the_end_of_a_long_sheet_sits_on_the_bottom_edge(studio):
    """With rows hidden above, the last row ends on the sheet's last line (the top row is cut)
    rather than leaving part of a row blank below it, at the end and while renders land; a
    cut row the cursor moves to is shown whole."""
    from .studio_factory import add_renders

    add_renders(studio, 36, start=12)  # 48 renders: 8 rows of six, three and a bit a page
    app = make_app(studio, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.items) == 48)
        height = grid.size.height
        assert height % grid.tile.height  # a page is not a whole number of rows
        await pilot.press("end")
        await wait_until(pilot, lambda: grid.top > 0)
        assert grid.skip > 0 and shown_lines(grid) == (height, height)
        top_tiles = [tile for tile in grid.visible_tiles() if tile.region.y == 0]
        assert top_tiles and all(t.region.height < grid.tile.height for t in top_tiles)
        # The sheet's first line is the cut tile's first line shown, its last where it ends.
        lines = grid._paint(top_tiles[0].index).lines
        assert grid.render_line(0).text.startswith(lines[grid.skip].text)
        bottom = top_tiles[0].region.bottom - 1
        assert grid.render_line(bottom).text.startswith(lines[-1].text)
        add_renders(studio, 6, start=60)  # a row lands above
        await wait_until(pilot, lambda: len(grid.items) == 54, timeout=30)
        assert shown_lines(grid) == (height, height)  # still no blank below
        cut_row = grid.layout_rows[grid.top]
        while grid._row_of_item[grid.cursor] != grid.top:
            await pilot.press("up")
        assert grid.skip == 0 and grid.current.id in {
            grid.items[i].id for i in range(cut_row.start, cut_row.start + cut_row.count)
        }
        whole = next(t for t in grid.visible_tiles() if t.index == grid.cursor)
        assert whole.region.y == 0 and whole.region.height == grid.tile.height
        assert len(grid._screen_lines) == height  # the last row cut below, not blank
        await pilot.press("home")
        assert (grid.top, grid.skip) == (0, 0)
        await pilot.press("end", "minus")  # smaller tiles: six rows and a bit, still no blank
        await wait_until(pilot, lambda: grid.size_name == "small")
        assert grid.skip > 0 and shown_lines(grid) == (height, height)


def test_the_header_says_the_loop_s_progress_and_time_left():
    from curator.service.studio import QueueSummary

    counts = {"queued": 5, "running": 1, "failed": 0, "done": 0, "cancelled": 0}
    text = QueueSummary(counts, 1, (120, 500, 250.0)).describe()
    assert text == "queue: 1 running (120/500, 4 min left), 5 queued · 1 loop"


async def test_the_queue_form_shows_keeper_chances_and_the_pair_count(studio):
    from curator.app.screens.forms import QueueForm

    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, QueueForm) and app.screen.query("#styles"),
            timeout=20,
        )
        form = app.screen
        contents = form.query_one("#contents")
        contents.select(0)  # one photo: chances for its untried style
        await pilot.pause()
        form.query_one("#styles").select_all()
        await pilot.pause()
        labels = [str(option.prompt) for option in form.query_one("#styles")._options]
        assert sum("%" in label for label in labels) == 1  # three styles rendered already
        assert sum("rendered or queued" in label for label in labels) == 3
        count = str(form.query_one("#queue-count").render())
        assert "1 content(s) x 4 style(s) = 4 pair(s)" in count
        assert "chances from the style statistics" in count
        await pilot.press("ctrl+k")  # by chance: the untried style first
        first = str(form.query_one("#styles")._options[0].prompt)
        assert "%" in first


async def test_stacks_collapse_open_and_keep_ratings_per_render(tmp_path):
    """T stacks each content x style pair (48 renders of 16 pairs: 16 tiles, '▣3' badges);
    t opens the stack under the cursor (its three renders, '▣1/3'...) and closes it again;
    a rating in an open stack rates that render alone."""
    from curator.app.screens.sheet import SheetScreen
    from curator.app.widgets.contact_sheet import caption_markup

    from .studio_factory import make_studio
    from .test_app import SIZE, make_app, sheet, wait_until

    studio = make_studio(tmp_path / "studio", renders=48)
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        screen = app.screen
        assert isinstance(screen, SheetScreen)
        await wait_until(pilot, lambda: len(grid.items) == 48)
        await pilot.press("T")
        await wait_until(pilot, lambda: len(grid.items) == 16)
        assert set(grid.badges.values()) == {"3"}
        assert "▣3" in caption_markup(grid.current, 40, grid.badges[grid.current.id])
        top = grid.current
        await pilot.press("t")
        await wait_until(pilot, lambda: len(grid.items) == 18)
        assert grid.current.id == top.id and grid.badges[top.id] == "1/3"
        await pilot.press("right", "4")  # the second render of the open stack
        second = grid.current
        assert grid.badges[second.id] == "2/3"
        await wait_until(pilot, lambda: app.service.get(second.id).stars == 4)
        assert app.service.get(top.id).stars == 0  # ratings stay per render
        await pilot.press("t")  # closes it; the 4-star render now tops its stack
        await wait_until(pilot, lambda: len(grid.items) == 16)
        assert grid.current.id == second.id and grid.badges[second.id] == "3"
        await pilot.press("T")
        await wait_until(pilot, lambda: len(grid.items) == 48 and not grid.badges)


def test_survey_grid_fills_the_screen():
    from curator.service import survey_grid

    assert survey_grid(2, (1600, 900), 1.5) == (2, 1)
    assert survey_grid(4, (1600, 900), 1.5) == (2, 2)
    assert survey_grid(6, (1600, 900), 1.5) == (3, 2)
    assert survey_grid(3, (1600, 900), 0.7) == (3, 1)  # portraits stand side by side
    assert survey_grid(2, (600, 1200), 1.5) == (1, 2)  # a tall screen stacks them


async def test_survey_lays_out_marked_renders_and_compare_locks_zoom_and_pan(tmp_path):
    from curator.app.screens.compare import CompareScreen
    from curator.app.widgets.picture import Picture

    from .studio_factory import make_studio
    from .test_app import SIZE, make_app, sheet, wait_until

    studio = make_studio(tmp_path / "studio", renders=6, size=1024)
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.items) == 6)
        for _ in range(6):
            await pilot.press("m", "right")
        await pilot.press("N")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        survey = app.screen
        assert survey.survey and len(survey.panels) == 6
        await wait_until(pilot, lambda: survey.grid == (3, 2))
        await pilot.press("escape")
        await pilot.press("c")  # compare: the first four marked, zoom and pan locked
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        compare = app.screen
        assert not compare.survey and len(compare.panels) == 4 and compare.grid == (2, 2)
        await wait_until(pilot, lambda: all(p.image is not None for p in compare.panels))
        await pilot.press("z")
        pictures = [p.query_one(Picture) for p in compare.panels]
        assert all(p.zoom == 1.0 for p in pictures)
        before = pictures[0].centre
        await pilot.press("L", "J")
        centres = {p.centre for p in pictures}
        assert len(centres) == 1 and centres != {before}  # all moved together
        title = str(compare.query_one("#compare-title").render())
        assert "100%, locked" in title
        await pilot.press("Z")
        assert all(p.zoom == 2.0 for p in pictures)
        # The filmstrip follows the focused panel through the sheet's order.
        from curator.app.widgets.filmstrip import Filmstrip

        strip = compare.query_one(Filmstrip)
        middle = strip.slots()[strip.SLOTS // 2]

        def centred_on(row) -> bool:
            return middle._wanted[2] == ("film", row.file, row.mtime_ns)

        await wait_until(pilot, lambda: centred_on(compare.focused_row), timeout=20)
        await pilot.press("right")
        assert compare.focus_index == 1
        await wait_until(pilot, lambda: centred_on(compare.focused_row), timeout=20)


async def test_renders_landing_one_by_one_on_an_empty_sheet_all_show(tmp_path):
    """The demo's first seconds: an empty studio, then 16 renders landing one after another;
    every one of them must get a tile on screen (16 fit at 160x50), none left below a blank."""
    import asyncio

    from .studio_factory import add_renders, make_studio
    from .test_app import SIZE, make_app, sheet, wait_until

    studio = make_studio(tmp_path / "studio", renders=0)
    app = make_app(studio, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)

        def shown() -> int:
            return sum(1 for tile in grid.visible_tiles() if tile.region.height > 0)

        for index in range(16):
            add_renders(studio, 1, start=index)
            await wait_until(pilot, lambda n=index + 1: len(grid.items) == n, timeout=30)
            # Once the header counts it, its tile comes on screen too without a key pressed
            # (it used to stay below a blank until Home). Generous: a busy machine is slow.
            await wait_until(pilot, lambda n=index + 1: shown() == n, timeout=30)
            await asyncio.sleep(0.1)


async def test_grouping_shows_the_cursor_s_group_title(studio):
    app = make_app(studio)
    async with app.run_test(size=(100, 30)) as pilot:  # not every group fits on the page
        grid = sheet(app)
        await pilot.press("g")
        await wait_until(pilot, lambda: any(row.header for row in grid.layout_rows))
        first = grid.items[0].id  # the render that opens the first group
        await pilot.press("g", "g")  # by style, then not grouped
        await wait_until(pilot, lambda: not any(row.header for row in grid.layout_rows))
        grid.go_to(grid.index_of[first])
        grid.top = grid._row_of_item[grid.cursor]  # its row opens the page
        grid.redraw()
        await pilot.press("g")  # grouped by content: the page opens with that group's row
        await wait_until(pilot, lambda: any(row.header for row in grid.layout_rows))
        assert grid.current.id == first
        cursor_row = grid._row_of_item[grid.cursor]
        title = max(i for i in range(cursor_row) if grid.layout_rows[i].header)
        assert grid._rows_height(title, cursor_row + 1) <= grid.size.height  # it can show
        assert grid.top <= title and title in grid._row_y  # the cursor's group is named
        line = grid._row_y[title]
        assert grid.render_line(line).text.strip() == grid.layout_rows[title].header
