"""Keys typed faster than the app can follow: a burst must never rate, flag or re-sort.

A terminal delivers a fast typist's keys (or a paste) in one read, so the app sees them all
queued before it has handled the first. `burst` posts them exactly so: every key event is in
the app's queue before any is processed, which `pilot.press` (it waits for idle after each
key) never does.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.keys import _character_to_key

from curator.app.widgets import picture as graphics

graphics.choose("halfcell")

from curator.app.screens.forms import RerunForm  # noqa: E402
from curator.app.screens.output import ExportDialog  # noqa: E402
from curator.app.screens.sheet import SheetScreen  # noqa: E402
from curator.service import parse_filter  # noqa: E402

from .studio_factory import make_studio  # noqa: E402
from .test_app import SIZE, make_app, ratings_on_disk, sheet, wait_until  # noqa: E402


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=12)


def burst(app, keys: list[str]) -> None:
    """Queue every key before the app handles any, as a terminal read of a fast typist."""
    for key in keys:
        if len(key) == 1:
            name, char = _character_to_key(key), key
        else:
            name, char = key, {"enter": "\r", "escape": "\x1b"}.get(key)
        app.post_message(events.Key(name, char))


def typed(text: str) -> list[str]:
    return list(text)


async def settle(pilot) -> None:
    for _ in range(5):
        await pilot.pause()


@pytest.mark.parametrize("words", ["picked", "stars>=3", "unrated", "rejected"])
async def test_a_filter_typed_in_one_burst_goes_to_the_prompt(studio, words):
    app = make_app(studio)
    before = ratings_on_disk(studio)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SheetScreen)
        sort = screen.view_spec.sort
        burst(app, ["/", *typed(words), "enter"])
        await wait_until(pilot, lambda: screen.view_spec.filter == parse_filter(words), timeout=20)
        await settle(pilot)
        assert screen.view_spec.sort == sort  # the `s` of "stars" never re-sorted
        assert screen.sheet.has_focus
        if not screen.sheet.items:  # nothing picked or rejected in this studio yet
            assert screen.sheet.empty_text.startswith(f"No render matches the filter {words!r}")
    assert ratings_on_disk(studio) == before  # the `p`, `x`, `u` and digits rated nothing


async def test_keys_typed_while_a_form_opens_never_rate(studio):
    app = make_app(studio)
    before = ratings_on_disk(studio)
    async with app.run_test(size=SIZE) as pilot:
        # Rerun form: what follows `R` belongs to the form, however soon it comes.
        burst(app, ["R", *typed("5px3")])
        await wait_until(pilot, lambda: isinstance(app.screen, RerunForm), timeout=20)
        await settle(pilot)
        burst(app, ["escape"])
        await wait_until(pilot, lambda: isinstance(app.screen, SheetScreen), timeout=20)
        # Export dialog likewise.
        burst(app, ["e", *typed("p5x")])
        await wait_until(pilot, lambda: isinstance(app.screen, ExportDialog), timeout=20)
        await settle(pilot)
        burst(app, ["escape"])
        await wait_until(pilot, lambda: isinstance(app.screen, SheetScreen), timeout=20)
        assert sheet(app).has_focus or app.screen.focused is not None
    assert ratings_on_disk(studio) == before


async def test_closing_the_prompt_hands_keys_back_to_the_grid_at_once(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        first = sheet(app).current.file
        # Escape closes the prompt; the `p` right behind it is a grid key again.
        burst(app, ["/", "a", "escape", "p"])
        await wait_until(pilot, lambda: ratings_on_disk(studio)[first][1] == "pick", timeout=20)
        assert screen.view_spec.filter == parse_filter("")


async def test_filter_chip_keys_sent_back_to_back_filter_and_never_rate(studio):
    """f 3, f x, f v at once: three chips in the header, no rating; f 0 clears them."""
    from curator.service import chips

    app = make_app(studio)
    before = ratings_on_disk(studio)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        burst(app, ["f", "3", "f", "x", "f", "v"])
        await wait_until(pilot, lambda: len(chips(screen.view_spec.filter)) == 3, timeout=20)
        await settle(pilot)
        spec = screen.view_spec.filter
        assert (spec.min_stars, spec.norejects, spec.engine) == (3, True, "preview")
        status = str(screen.query_one("#status").render())
        assert "★≥3" in status and "no rejects" in status and "previews" in status
        burst(app, ["f", "0", "f", "escape"])
        await wait_until(pilot, lambda: not screen.view_spec.filter.active, timeout=20)
        await settle(pilot)
        assert isinstance(app.screen, SheetScreen)
    assert ratings_on_disk(studio) == before  # the 3 and the 0 were chips, not stars


async def test_collections_by_key_survive_a_restart_and_filter(studio):
    """b puts the render in the quick collection (◉ on its tile), B then a name typed at
    once a named one; both outlive the app, and in:NAME filters them."""
    from curator.app.widgets.contact_sheet import caption_markup
    from curator.service import QUICK, ViewSpec

    app = make_app(studio)
    before = ratings_on_disk(studio)
    async with app.run_test(size=SIZE) as pilot:
        grid = sheet(app)
        await wait_until(pilot, lambda: grid.current is not None)
        first = grid.current.id
        burst(app, ["b", "right", "B", *typed("portfolio"), "enter"])
        await wait_until(
            pilot, lambda: any(r.in_collection("portfolio") for r in app.service.rows), timeout=20
        )
        await settle(pilot)
        rows = {row.id: row for row in app.service.rows}
        assert rows[first].in_collection(QUICK) and "◉" in caption_markup(rows[first])
        second = grid.current.id
        assert rows[second].collections == "portfolio"
        assert app.service.collections() == [("portfolio", 1), ("quick", 1)]
        burst(app, ["left", "b"])  # b again: out of the quick collection
        await wait_until(pilot, lambda: app.service.collections() == [("portfolio", 1)])
        burst(app, ["b"])
        await wait_until(pilot, lambda: len(app.service.collections()) == 2)
    again = make_app(studio)  # a restart: the catalog kept them
    shown = again.service.select(ViewSpec(filter=parse_filter("in:portfolio")))
    assert [row.id for row in shown] == [second]
    assert [r.id for r in again.service.select(ViewSpec(parse_filter("in:quick")))] == [first]
    again.service.close()
    assert ratings_on_disk(studio) == before  # the p and o of "portfolio" were typed, not keys


def test_the_cli_filters_by_collection(studio, capsys):
    import json

    from curator.cli import main
    from curator.service import StudioService

    with StudioService(studio) as service:
        service.rescan()
        chosen = service.rows[:2]
        assert service.toggle_collection(chosen, "print") is True
    assert main(["list", str(studio.root), "--collection", "print", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(item["file"] for item in listed) == sorted(row.file for row in chosen)
    assert all(item["collections"] == ["print"] for item in listed)
