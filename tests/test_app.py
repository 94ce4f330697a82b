"""Pilot tests of the app with the half-cell renderer: they drive keys and assert on state."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from curator.app.widgets import picture as graphics

graphics.choose("halfcell")  # before anything draws: no terminal probing in tests

from curator.app.app import CuratorApp  # noqa: E402
from curator.app.screens.compare import CompareScreen  # noqa: E402
from curator.app.screens.forms import QueueForm, RerunForm  # noqa: E402
from curator.app.screens.loupe import LoupeScreen  # noqa: E402
from curator.app.screens.queue import QueueScreen  # noqa: E402
from curator.app.screens.sheet import SheetScreen  # noqa: E402
from curator.app.screens.styles import StyleItem, StylesScreen  # noqa: E402
from curator.app.widgets.contact_sheet import ContactSheet  # noqa: E402
from curator.catalog import Catalog  # noqa: E402
from curator.service import StudioService  # noqa: E402
from stylecore.loops.local import RenderLoop  # noqa: E402
from stylecore.settings import RenderSettings  # noqa: E402
from stylecore.studio.queue import JobQueue  # noqa: E402

from .studio_factory import add_renders, make_studio  # noqa: E402

SIZE = (160, 50)


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=12)


@contextmanager
def graphics_mode(mode: str) -> Iterator[None]:
    """Pictures drawn as `mode` for the apps made inside; half cells again after."""
    graphics.choose(mode)
    try:
        yield
    finally:
        graphics.choose("halfcell")


def hold_back_encoding(monkeypatch, module) -> list:
    """`module`'s `sixel_data_later` replaced by one that starts nothing: the futures it
    returns, each with its picture, are listed for the test to finish (or not) itself."""
    from concurrent.futures import Future

    held: list[tuple[Future[str], object]] = []

    def held_back(images):  # type: ignore[no-untyped-def]
        futures: list[Future[str]] = [Future() for _ in images]
        held.extend(zip(futures, images, strict=True))
        return futures

    monkeypatch.setattr(module, "sixel_data_later", held_back)
    return held


def make_app(studio, **kwargs):
    kwargs.setdefault("watch", False)
    kwargs.setdefault("background_work", False)
    app = CuratorApp(StudioService(studio), **kwargs)
    app.service.rescan()
    return app


async def wait_until(pilot, predicate, timeout=60.0):
    """Await a condition (generous: a busy machine is slow, not wrong)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


def sheet(app) -> ContactSheet:
    return app.screen.query_one(ContactSheet)


def ratings_on_disk(studio):
    """What another process reads: committed rows, through a fresh connection."""
    with Catalog(studio) as catalog:
        return {row.file: (row.stars, row.flag, row.label) for row in catalog.all()}


async def test_opens_on_the_contact_sheet_newest_first(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SheetScreen)
        grid = sheet(app)
        assert len(grid.items) == 12 and grid.columns == 6
        assert grid.current.created == max(row.created for row in grid.items)
        # Only what fits on screen is painted: 2 whole rows of 6 at 160x50, all 12 renders;
        # the sheet is one widget, with no widget per tile.
        await wait_until(pilot, lambda: len(grid.visible_tiles()) == 12)
        assert not grid.children


async def test_navigation(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("right", "right")
        assert grid.cursor == 2
        await pilot.press("j")
        assert grid.cursor == 8
        await pilot.press("h", "k")
        assert grid.cursor == 1
        await pilot.press("end")
        assert grid.cursor == 11
        await pilot.press("down")  # past the last row: stays
        assert grid.cursor == 11
        await pilot.press("home", "l")
        assert grid.cursor == 1


async def test_rating_keys_persist_at_each_keystroke(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        first = grid.current.file
        await pilot.press("5")
        assert ratings_on_disk(studio)[first] == (5, "", "")
        await pilot.press("x", "8")
        assert ratings_on_disk(studio)[first] == (5, "reject", "green")
        await pilot.press("p")
        assert ratings_on_disk(studio)[first] == (5, "pick", "green")
        await pilot.press("8", "u", "0")
        assert ratings_on_disk(studio)[first] == (0, "", "")
        await pilot.press("right", "3")
        assert ratings_on_disk(studio)[grid.current.file] == (3, "", "")
        assert "★★★··" in grid.visible_tiles()[1].caption


async def test_undo_and_redo(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        file = sheet(app).current.file
        await pilot.press("3", "5")
        await pilot.press("ctrl+z")
        assert ratings_on_disk(studio)[file][0] == 3
        await pilot.press("ctrl+z")
        assert ratings_on_disk(studio)[file][0] == 0
        await pilot.press("ctrl+y")
        assert ratings_on_disk(studio)[file][0] == 3
        await pilot.press("ctrl+y", "ctrl+y")  # one redo left, then nothing
        assert ratings_on_disk(studio)[file][0] == 5


async def test_filter_sort_and_group(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("p", "right", "right", "p", "right", "4")
        await pilot.press("slash")
        await pilot.press(*"picked", "enter")
        assert len(grid.items) == 2 and {r.flag for r in grid.items} == {"pick"}
        await pilot.press("slash", "ctrl+u", *"stars>=4", "enter")
        assert [r.stars for r in grid.items] == [4]
        await pilot.press("slash", "ctrl+u", *"style:scream", "enter")
        assert grid.items and all("scream" in r.style for r in grid.items)
        await pilot.press("slash", "ctrl+u", "enter")
        assert len(grid.items) == 12
        await pilot.press("s")  # newest -> oldest
        assert grid.items[0].created == min(r.created for r in grid.items)
        await pilot.press("s")  # -> rating: by stars, picks ahead at equal stars
        assert [(r.stars, r.flag) for r in grid.items[:3]] == [(4, ""), (0, "pick"), (0, "pick")]
        await pilot.press("g")  # group by content
        titles = [row.header for row in grid.layout_rows if row.header]
        assert len(titles) == 4 and titles[0].startswith("astronaut")
        await pilot.press("home")
        assert grid.current.content_name == "astronaut"
        await pilot.press("down")  # each group is one row of three: down is the next group
        assert grid.current.content_name == "chelsea"


async def test_auto_advance_behaves_when_the_rated_render_leaves_the_filter(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("a")  # auto-advance on
        first, second, third = grid.items[:3]
        await pilot.press("2")  # no filter: stays in view, cursor advances
        assert grid.current.id == second.id
        await pilot.press("slash", *"unrated", "enter")
        assert grid.current.id == second.id
        await pilot.press("4")  # leaves the unrated view: the next one takes its place
        assert grid.current.id == third.id
        assert second.id not in {r.id for r in grid.items}
        await pilot.press("x")
        assert grid.current.id not in (first.id, second.id, third.id)
        assert len(grid.items) == 9


async def test_a_new_render_arrives_while_rating(studio):
    app = make_app(studio, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("right", "right", "3")
        current = grid.current
        position_on_screen = grid.cursor
        add_renders(studio, 1, start=40)  # newest: sorts to the very top
        await wait_until(pilot, lambda: len(grid.items) == 13)
        assert grid.current.id == current.id  # the cursor stayed on its render
        assert grid.cursor == position_on_screen + 1
        await pilot.press("5")
        assert ratings_on_disk(studio)[current.file][0] == 5


async def test_deleted_and_renamed_renders_leave_cleanly(studio):
    app = make_app(studio, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("4")
        rated = grid.current
        victim = grid.items[5]
        (studio.renders / victim.file).unlink()
        renamed = studio.renders / ("renamed__" + rated.file)
        (studio.renders / rated.file).rename(renamed)
        await wait_until(pilot, lambda: victim.id not in {r.id for r in grid.items})
        await wait_until(pilot, lambda: any(r.file == renamed.name for r in grid.items))
        moved = next(r for r in grid.items if r.file == renamed.name)
        assert moved.stars == 4 and moved.id == rated.id  # the rating followed the file


async def test_rerun_with_a_new_seed_and_with_edited_settings(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        original = app.service.get(sheet(app).current.id)
        await pilot.press("r")
        with JobQueue(studio) as queue:
            [job] = queue.jobs()
        assert job.parent == original.job_id
        assert job.spec.settings.seed != original.spec["settings"]["seed"]
        assert job.spec.settings.init_noise > 0  # so the new seed gives a new picture
        await pilot.press("R")
        await wait_until(
            pilot, lambda: isinstance(app.screen, RerunForm) and app.screen.query("#queue")
        )
        named = str(app.screen.query_one("#rerun-of").render())  # it says which render it reruns
        assert f"{original.content_name} × {original.style_name}" in named
        assert original.file in named
        field = app.screen.query_one("#field-num_iterations")
        field.value = "77"
        app.screen.query_one("#field-image_size").value = "96"
        await pilot.click("#queue")
        await pilot.pause()
        assert isinstance(app.screen, SheetScreen)
        with JobQueue(studio) as queue:
            edited = [j for j in queue.jobs() if j.spec.settings.num_iterations == 77]
        assert len(edited) == 1 and edited[0].spec.settings.image_size == 96
        assert edited[0].status == "queued" and edited[0].parent == original.job_id


async def test_rerun_form_rejects_bad_values(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await wait_until(
            pilot, lambda: isinstance(app.screen, RerunForm) and app.screen.query("#queue")
        )
        app.screen.query_one("#field-image_size").value = "huge"
        await pilot.click("#queue")
        assert isinstance(app.screen, RerunForm)
        assert "image_size: cannot read 'huge'" in str(
            app.screen.query_one("#rerun-error").render()
        )


async def test_queue_new_pairs_from_the_app(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await wait_until(
            pilot, lambda: isinstance(app.screen, QueueForm) and app.screen.query("#styles")
        )
        app.screen.query_one("#contents").select_all()
        app.screen.query_one("#styles").select(0)
        await pilot.press("ctrl+s")
        await pilot.pause()
    with JobQueue(studio) as queue:
        jobs = queue.jobs()
    assert len(jobs) == 4 and len({j.styles[0] for j in jobs}) == 1


async def test_queue_screen_follows_a_running_loop(studio, renderer):
    with JobQueue(studio) as queue:
        spec = queue.spec_for(
            studio.contents / "chelsea.png",
            [studio.styles / "the_scream.jpg"],
            RenderSettings(image_size=40, num_iterations=60),
        )
        [job_id] = queue.add([spec])
    app = make_app(studio)
    loop = RenderLoop(studio, renderer=renderer, until_idle=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("Q")
        assert isinstance(app.screen, QueueScreen)
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        table = app.screen.query_one("#jobs")

        def cell(column):
            return str(table.get_cell(job_id, column)) if table.row_count else ""

        await wait_until(pilot, lambda: cell("status") == "running" and "%" in cell("progress"), 60)
        seen_progress = cell("progress")
        await wait_until(pilot, lambda: cell("status") == "done", timeout=120)
        assert cell("progress").endswith("100%")
        assert " 0%" in seen_progress or "%" in seen_progress
        thread.join(timeout=10)
        await pilot.press("escape")
        assert isinstance(app.screen, SheetScreen)


async def test_styles_screen_shows_statistics_and_keeper_rates(studio):
    app = make_app(studio)
    app.service.compute_missing_stats()
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        scream = [r for r in grid.items if "scream" in r.style]
        app.service.rate([scream[0].id], stars=5)
        app.service.rate([scream[1].id], flag="reject")
        await pilot.press("S")
        assert isinstance(app.screen, StylesScreen)
        await pilot.pause()
        items = list(app.screen.query(StyleItem))
        assert len(items) == 4
        by_name = {item.entry.name: item for item in items}
        text = str(by_name["the_scream"].text.render())
        assert "keeper 50% of 2 judged" in text and "good style" in text
        assert "blocking 0.21" in text
        await pilot.press("s")  # sort by keeper rate: the only judged style comes first
        assert app.screen.entries[0].name == "the_scream"


async def test_loupe_and_compare_rate_too(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        first = grid.current
        await pilot.press("enter")
        assert isinstance(app.screen, LoupeScreen)
        await pilot.press("4", "right")
        assert app.screen.row.id == grid.items[1].id
        await pilot.press("escape")
        assert ratings_on_disk(studio)[first.file][0] == 4
        await pilot.press("m", "right", "m", "right", "m", "c")
        assert isinstance(app.screen, CompareScreen) and len(app.screen.panels) == 3
        await pilot.press("right", "x")
        assert app.screen.focused_row.flag == "reject"
        await pilot.press("ctrl+z")  # undo in compare redraws the panel from the catalog
        assert (
            app.screen.focused_row.flag == ""
            and ratings_on_disk(studio)[grid.items[1].file][1] == ""
        )
        await pilot.press("ctrl+y")
        assert app.screen.focused_row.flag == "reject"
        await pilot.press("escape")
        assert ratings_on_disk(studio)[grid.items[1].file][1] == "reject"
        await pilot.press("enter", "2")
        assert app.screen.row.stars == 2
        await pilot.press("ctrl+z")
        assert app.screen.row.stars == 0 and ratings_on_disk(studio)[grid.current.file][0] == 0


async def test_marked_renders_are_rated_together(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await pilot.press("m", "right", "right", "m", "2")
        assert [r.stars for r in grid.items[:3]] == [2, 0, 2]


async def test_corrupt_render_shows_its_error_not_a_crash(studio):
    (studio.renders / "broken__x__000000000000.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        broken = next(i for i, r in enumerate(grid.items) if r.file.startswith("broken"))
        grid.go_to(broken)

        def broken_tile_says() -> str:
            tile = next(t for t in grid.visible_tiles() if t.row.file.startswith("broken"))
            return tile.message

        await wait_until(pilot, lambda: "cannot show" in broken_tile_says())
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: "damaged" in str(app.screen.query_one("#render").message.render())
        )


async def test_every_sheet_action_is_in_the_command_palette(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        expected = (
            "Pick", "Reject", "Undo rating", "Loupe", "Compare", "Rerun with a new seed",
            "Queue new pairs", "Filter", "Queue screen", "Styles screen", "Theme",
        )  # fmt: skip
        for title in expected:
            assert title in titles
        await pilot.press("Q")
        assert "Start a render loop" in {c.title for c in app.get_system_commands(app.screen)}


async def test_themes_are_loaded_from_data_files(studio):
    app = make_app(studio, theme="high-contrast")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert {"darkroom", "curator-light", "high-contrast"} <= set(app.available_themes)
        assert app.theme == "high-contrast"
        assert app.current_theme.background == "#000000"


async def test_darkroom_is_neutral_grey(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE):
        theme = app.current_theme
        assert app.theme == "darkroom"
        for colour in (theme.background, theme.surface, theme.panel):
            red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            assert red == green == blue and 80 <= red <= 140


async def test_export_and_sheet_from_the_app(studio):
    from textual.widgets import Button, Input, Select

    from curator.app.screens.output import ExportDialog, SheetDialog

    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5", "right", "p")
        await pilot.press("e")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ExportDialog) and app.screen.query("#start")
        )
        destination = studio.root / "exports" / "from-app"
        app.screen.query_one("#destination", Input).value = str(destination)
        await pilot.click("#start")
        await wait_until(pilot, lambda: (destination / "manifest.json").exists(), timeout=30)
        await wait_until(pilot, lambda: not app.screen.query_one("#start", Button).disabled)
        assert "exported 2 render(s)" in str(app.screen.query_one("#result").render())
        await pilot.press("escape")
        await pilot.press("w")
        await wait_until(
            pilot, lambda: isinstance(app.screen, SheetDialog) and app.screen.query("#start")
        )
        sheet_path = studio.root / "exports" / "view.pdf"
        app.screen.query_one("#destination", Input).value = str(sheet_path)
        app.screen.query_one("#matrix", Select).value = "styles"
        await pilot.click("#start")
        await wait_until(pilot, lambda: sheet_path.exists(), timeout=30)
        await wait_until(
            pilot, lambda: "wrote 1 page" in str(app.screen.query_one("#result").render())
        )


async def test_the_export_dialog_lists_the_stack_and_return_exports(studio):
    from textual.widgets import Input, Select, Static

    from curator.app.screens.output import ExportDialog
    from curator.catalog import Catalog, Rating

    with Catalog(studio) as catalog:  # two keepers of one photo: one stack of two renders
        catalog.scan()
        chelsea = [row for row in catalog.all() if row.content_name == "chelsea"][:2]
        catalog.set_ratings({row.id: Rating(4, "", "") for row in chelsea})
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen

        def outline() -> str:
            return str(dialog.query_one("#stack", Static).render())

        await wait_until(pilot, lambda: "files:" in outline(), timeout=30)
        text = outline()
        assert "1 original, 2 renders (PNG)" in text and "the manifest" in text
        assert "base (painterly)" in text and "mask: photo shows on detail" in text
        assert "mask: white, revealed" in text and "mask: black, paint to reveal" in text
        assert text.index("mask: white") < text.index("base (painterly)")  # top layer first
        dialog.query_one("#masks", Select).value = "subject"
        await wait_until(pilot, lambda: "revealed on the subject" in outline(), timeout=30)
        destination = studio.root / "exports" / "by-return"
        field = dialog.query_one("#destination", Input)
        field.value = str(destination)
        field.focus()
        await pilot.press("enter")  # Return in the destination starts the export
        await wait_until(pilot, lambda: (destination / "manifest.json").exists(), timeout=30)
        await wait_until(pilot, lambda: not dialog.running, timeout=30)
        assert "exported 2 render(s) of 1 photo(s)" in str(dialog.query_one("#result").render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportDialog))


async def test_previews_show_a_badge_and_promote(studio):
    from curator.app.screens.forms import PromoteForm

    add_renders(studio, 2, start=100, engine="preview")  # newest: first in the sheet
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        assert [r.is_preview for r in grid.items[:3]] == [True, True, False]
        assert "PREVIEW" in grid.visible_tiles()[0].caption
        await pilot.press("m", "right", "m", "P")
        await wait_until(
            pilot, lambda: isinstance(app.screen, PromoteForm) and app.screen.query("#queue")
        )
        await pilot.click("#queue")
        await pilot.pause()
        with JobQueue(studio) as queue:
            jobs = queue.jobs()
        assert len(jobs) == 2 and {j.spec.engine for j in jobs} == {"gatys"}
        assert {j.parent for j in jobs} == {r.job_id for r in grid.items[:2]}
        await pilot.press("home", "m", "right", "m", "right")  # unmark both, onto a final render
        await pilot.press("P")  # not a preview and nothing marked: a warning, no dialog
        await pilot.pause()
        assert not isinstance(app.screen, PromoteForm)


async def test_checkboxes_read_ticked_or_not_in_darkroom(studio):
    """Unticked is an empty box (the X in the box's colour); ticked an X that stands out."""
    from textual.widgets import Checkbox

    from curator.app.screens.output import ExportDialog

    app = make_app(studio, theme="darkroom")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog))
        ticked = app.screen.query_one("#psd", Checkbox)
        unticked = app.screen.query_one("#force", Checkbox)
        await wait_until(pilot, lambda: ticked.value and not unticked.value)
        off = unticked.get_component_rich_style("toggle--button")
        on = ticked.get_component_rich_style("toggle--button")
        assert off.color.triplet == off.bgcolor.triplet  # nothing drawn in the box
        glyph, box = on.color.triplet, on.bgcolor.triplet
        assert sum(abs(a - b) for a, b in zip(glyph, box, strict=True)) > 60


async def test_a_re_sort_keeps_the_page_full(studio):
    """`s` keeps the cursor on its render; when that render moves to the last row, the page
    shows the rows above it, not the render alone on the top row over blank space."""
    from .studio_factory import add_renders

    add_renders(studio, 36, start=12)
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.items) == 48)
        first = grid.current.id
        await pilot.press("s")  # newest -> oldest: the cursor's render is now the last
        await wait_until(pilot, lambda: app.screen.view_spec.sort == "oldest")
        assert grid.current.id == first and grid.cursor == len(grid.items) - 1
        shown = grid._rows_height(grid.top, len(grid.layout_rows))
        assert grid.top > 0 and shown >= grid.size.height - grid.tile.height


async def test_grouping_shows_the_cursor_s_group_title(studio):
    from .studio_factory import add_renders

    add_renders(studio, 36, start=12)
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: len(grid.items) == 48)
        await pilot.press("pagedown", "down", "right")  # a render on a scrolled page
        await pilot.press("g")  # grouped by style
        await wait_until(pilot, lambda: app.screen.view_spec.group != "none")
        cursor_row = grid._row_of_item[grid.cursor]
        title = cursor_row - 1
        while grid.layout_rows[title].header is None:
            title -= 1
        assert grid.top <= title  # the title of the cursor's group is on screen


def test_help_lists_every_key_of_the_sheet_and_the_loupe():
    """Each key bound on the contact sheet and in the loupe is named in the help (the keys
    after `f` are the chips' and named in its line)."""
    import re

    from curator.app.screens.help import KEYS
    from curator.app.screens.loupe import LoupeScreen
    from curator.app.screens.sheet import SheetScreen

    names = {"question_mark": "?", "slash": "/", "plus": "+", "minus": "-", "equals_sign": "+",
             "pageup": "page up/down", "pagedown": "page up/down", "ctrl+z": "ctrl+z",
             "ctrl+y": "ctrl+y", "shift+left": "shift+arrows", "shift+right": "shift+arrows",
             "shift+up": "shift+arrows", "shift+down": "shift+arrows", "escape": "esc",
             **{str(n): "0 - 5" for n in range(6)}}  # fmt: skip
    arrows = {"left", "right", "up", "down"}  # "arrows" on the sheet, "left/right" elsewhere
    text = re.sub(r"\[/?[a-z ]*\]", "", KEYS)
    missing = []
    for screen in (SheetScreen, LoupeScreen):
        for binding in screen.BINDINGS:
            if "chip_key" in binding.action or binding.action.startswith("filter_"):
                continue
            for key in binding.key.split(","):
                word = names.get(key, key)
                if key in arrows and "arrows, h j k l" in text:
                    continue
                if not re.search(rf"(^|[\s,(/]){re.escape(word)}([\s,)/]|$)", text, re.M):
                    missing.append(f"{screen.__name__}: {key} ({binding.action})")
    assert missing == []


async def test_cycle_collection_waits_for_a_pause_and_is_given_back_at_exit(studio):
    import gc

    was = gc.isenabled()
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(sheet(app).items) == 12)
        assert not gc.isenabled()  # collected by the app at rest, not mid-keystroke
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0)  # the first screen's
        seen, collected = app.collector.last_event, app.collector.collections
        await pilot.press("right")
        assert app.collector.last_event > seen  # the key counted as work
        await wait_until(pilot, lambda: app.collector.collections > collected, timeout=20)
    assert gc.isenabled() == was and gc.get_freeze_count() == 0


async def test_the_footer_keys_are_made_in_its_style_and_never_restyled(studio, monkeypatch):
    """Textual makes each footer key compact and then turns it back (two style passes a key,
    180 ms of the first paint, on every change of screen): ours are made in the footer's
    style, so no key's style is worked out again; the command palette's key stays compact."""
    from textual.widgets._footer import FooterKey

    from curator.app.widgets.footer import Footer

    restyled: list[FooterKey] = []
    original = FooterKey.update_node_styles

    def counting(self, animate=True):  # type: ignore[no-untyped-def]
        if not self.has_class("-command-palette"):
            restyled.append(self)
        original(self, animate)

    monkeypatch.setattr(FooterKey, "update_node_styles", counting)
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        footer = app.screen.query_one(Footer)
        await wait_until(pilot, lambda: len(footer.query(FooterKey)) > 5)
        await pilot.press("enter")  # the loupe: another footer, composed anew
        await wait_until(pilot, lambda: len(app.screen.query(FooterKey)) > 5)
        await pilot.pause()
        for key in app.screen.query(FooterKey):
            palette = key.has_class("-command-palette")
            assert key.compact is (True if palette else footer.compact)
            assert key.has_class("-compact") is key.compact
        assert restyled == []
