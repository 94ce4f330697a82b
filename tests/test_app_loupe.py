"""The loupe at 100% and beyond: zoom, pan, the zoom point across renders, before/after."""

from __future__ import annotations

import pytest

from curator.app.widgets import picture as graphics

graphics.choose("halfcell")

from curator.app.screens import loupe as loupe_screen  # noqa: E402
from curator.app.screens.loupe import LoupeScreen  # noqa: E402
from curator.app.widgets.picture import Picture  # noqa: E402

from .studio_factory import make_studio  # noqa: E402
from .test_app import (  # noqa: E402
    SIZE,
    graphics_mode,
    hold_back_encoding,
    make_app,
    wait_until,
)


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=6)


def caption(app) -> str:
    return str(app.screen.query_one("#caption").render())


def big_render_studio(tmp_path, size: int):
    """A studio of one render larger than the pane at 100%: room to pan."""
    from .studio_factory import add_renders

    studio = make_studio(tmp_path / "studio", renders=0)
    add_renders(studio, 1, size=size)
    return studio


async def open_loupe(pilot) -> tuple[LoupeScreen, Picture]:
    """The loupe on the render under the cursor, once the render is decoded; its #render."""
    await pilot.press("enter")
    loupe = pilot.app.screen
    assert isinstance(loupe, LoupeScreen)
    await wait_until(pilot, lambda: loupe._render_image is not None, timeout=20)
    return loupe, loupe.query_one("#render", Picture)


async def test_zoom_pan_and_before_after(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        loupe, render = await open_loupe(pilot)
        await wait_until(pilot, lambda: "fit " in caption(app), timeout=20)
        assert render.zoom is None
        await pilot.press("z")
        assert render.zoom == 1.0 and "100%" in caption(app)
        await pilot.press("Z")
        assert render.zoom == 2.0 and "200%" in caption(app)
        centre = render.centre
        await pilot.press("L")  # pan right, as shift+right does
        assert render.centre[0] > centre[0]
        before = render.centre
        await pilot.press("shift+down")
        assert render.centre[1] >= before[1]
        # The zoom point follows to the next render of the same size.
        await pilot.press("right")
        await wait_until(pilot, lambda: loupe._render_image is not None, timeout=20)
        assert render.zoom == 2.0 and loupe.centre == render.centre
        await pilot.press("o")
        assert loupe.before and "BEFORE" in caption(app)
        assert loupe._content_image is not None
        assert loupe._content_image.size == loupe._render_image.size
        await pilot.press("o", "z")
        assert not loupe.before and render.zoom is None and "fit " in caption(app)


def test_a_preview_says_what_a_preview_is():
    from curator.app.screens.loupe import describe_settings

    text = describe_settings(
        {"image_size": 512, "num_iterations": 0, "style_strength": 0.7, "original_colors": "none"},
        {"seconds": 0.2, "device": "cpu"},
        "preview",
    )
    assert "preview" in text and "512 px" in text and "strength 0.7" in text
    assert "iterations" not in text


def test_a_coarse_to_fine_render_shows_its_levels_and_their_time():
    from curator.app.screens.loupe import describe_settings

    levels = [
        {"size": [512, 341], "iterations": 100, "seconds": 251.4},
        {"size": [1024, 683], "iterations": 100, "seconds": 1030.2},
    ]
    settings = {"image_size": 1024, "num_iterations": 100, "init": "preview"}
    sidecar = {"seconds": 1290, "device": "cpu", "schedule": "automatic", "levels": levels}
    text = describe_settings(settings, sidecar)
    assert "automatic 512:100 (251 s) > 1024:100 (1030 s)" in text
    single = describe_settings(settings, {**sidecar, "levels": levels[1:]})
    assert "automatic" not in single and "init preview" in single


async def test_the_stack_preview_shows_what_the_psd_will(studio):
    """t: the render over the painterly base over the photo through the export's masks; with
    studio.toml's masks = "subject" it differs from the render alone."""
    import numpy as np

    from stylecore.studio.folder import Studio

    studio.toml.write_text(studio.toml.read_text().replace('# masks = "top"', 'masks = "subject"'))
    studio = Studio.open(studio.root)  # reads the edited studio.toml
    assert studio.config.export["masks"] == "subject"
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        loupe, _ = await open_loupe(pilot)
        await pilot.press("t")
        await wait_until(pilot, lambda: loupe._stack_image is not None, timeout=30)
        await wait_until(pilot, lambda: "STACK" in caption(app), timeout=20)
        stack, render = loupe._stack_image, loupe._render_image
        assert stack.size == render.size
        expected = app.service.stack_preview(loupe.row)
        assert np.array_equal(np.asarray(stack), np.asarray(expected))
        difference = np.abs(np.asarray(stack, float) - np.asarray(render, float)).mean()
        assert difference > 1  # the photo and base show around the subject
        # Stepping keeps the stack view and makes the next render's.
        await pilot.press("right")
        await wait_until(
            pilot, lambda: loupe._stack_image is not None and loupe._stack_image is not stack,
            timeout=30,
        )  # fmt: skip
        await pilot.press("o")
        assert loupe.before and not loupe.stacked and "BEFORE" in caption(app)


def test_stack_preview_with_top_masks_is_the_render_itself(studio):
    from PIL import Image

    from curator.export import ExportOptions, stack_preview

    photo = Image.open(studio.contents / "chelsea.png")
    render = Image.new("RGB", (96, 64), (200, 30, 40))
    shown = stack_preview(photo, render, ExportOptions(studio.exports))
    assert shown.size == render.size and shown.tobytes() == render.tobytes()


def test_the_render_histogram_counts_clipping():
    from PIL import Image

    from curator.service import histogram_lines

    half = Image.new("RGB", (40, 10), (0, 0, 0))
    half.paste((255, 255, 255), (0, 0, 10, 10))  # a quarter white, the rest black
    lines = {name: (bars, dark, light) for name, bars, dark, light in histogram_lines(half, 16)}
    assert set(lines) == {"value", "red", "green", "blue"}
    bars, dark, light = lines["value"]
    assert (dark, light) == (0.75, 0.25)
    assert bars[0] == "█" and bars[-1] == "▃" and bars[1:-1].strip() == ""


async def test_the_loupe_shows_the_render_histogram(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        loupe = app.screen
        histogram = loupe.query_one("#histogram")
        await wait_until(pilot, lambda: "histogram" in str(histogram.render()), timeout=20)
        text = str(histogram.render())
        assert "dark%" in text and "light%" in text
        assert [line[:2] for line in text.splitlines()[1:]] == ["V ", "R ", "G ", "B "]


async def test_the_filmstrip_shows_the_neighbours_and_moves(studio):
    from curator.app.screens.loupe import Filmstrip

    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "enter")
        loupe = app.screen
        strip = loupe.query_one(Filmstrip)
        slots = strip.slots()
        middle = strip.SLOTS // 2

        def keys() -> list[object]:
            return [slot._wanted[2] for slot in slots]

        def expected() -> list[object]:
            rows = loupe.rows
            return [
                ("film", rows[i].file, rows[i].mtime_ns) if 0 <= i < len(rows) else None
                for i in range(loupe.index - middle, loupe.index - middle + strip.SLOTS)
            ]

        await wait_until(pilot, lambda: keys() == expected(), timeout=20)
        assert slots[middle].has_class("-current") and slots[middle - 3].has_class("-none")
        await pilot.press("right")
        await wait_until(pilot, lambda: keys() == expected() and loupe.index == 3, timeout=20)
        assert not loupe.has_class("-short")  # at 160x50 it shows; below 40 rows it gives way


def test_the_overview_outlines_the_part_on_screen():
    from PIL import Image

    from curator.service import overview

    render = Image.new("RGB", (1000, 500), (0, 0, 0))
    # A 200x100 px box at 100% around the centre: a fifth of the width, a fifth of the height.
    small = overview(render, (200, 100), 1.0, (0.5, 0.5), longest=250)
    assert small.size == (250, 125)
    yellow = {
        (x, y) for x in range(small.width) for y in range(small.height)
        if small.getpixel((x, y)) != (0, 0, 0)
    }  # fmt: skip
    xs, ys = {x for x, _ in yellow}, {y for _, y in yellow}
    assert (min(xs), max(xs)) == (100, 149) and (min(ys), max(ys)) == (50, 74)
    assert small.getpixel((125, 62)) == (0, 0, 0)  # an outline, not a fill


def test_a_small_overview_at_400_percent_still_outlines_a_pixel():
    """Made at the size it is shown, a half-cell overview is a few dozen pixels: at 400% of
    a 2048 px render the part on screen is under a pixel, and is outlined by one."""
    from PIL import Image

    from curator.service import overview

    render = Image.new("RGB", (2048, 1536), (0, 0, 0))
    small = overview(render, (92, 72), 4.0, (0.3, 0.6), longest=18)
    assert small.size == (18, 14)
    assert sum(small.getpixel((x, y)) != (0, 0, 0) for x in range(18) for y in range(14)) >= 1


async def test_zooming_shows_the_overview_made_at_its_size(studio):
    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        loupe, _ = await open_loupe(pilot)
        overview = loupe.query_one("#overview", Picture)
        assert not overview.display
        await pilot.press("z")
        assert overview.display
        shown = overview._wanted
        assert shown[0] is not None and shown[2][0] == "overview"
        await pilot.press("Z")  # 200%: the overview, laid out now, made at its size
        await pilot.pause()
        shown = overview._wanted
        box = overview.box_pixels()
        assert shown[0] is not None and max(shown[0].size) == max(  # not resized to be shown
            round(side * min(b / s for b, s in zip(box, loupe._render_image.size, strict=True)))
            for side in loupe._render_image.size
        )
        for _ in range(3):  # 400%, 100% and 200%, panning at each
            await pilot.press("Z", "L", "J")
        await pilot.press("z")
        assert not overview.display


async def test_a_pan_step_reuses_the_lines_drawn_and_draws_the_same_picture(tmp_path):
    """At 100% a pan cuts the lines still on screen from those drawn and builds only the band
    uncovered; what it shows is what drawing the whole view would show."""
    from curator.app.widgets.halfcell import HalfcellPicture, halfcell_strips

    app = make_app(big_render_studio(tmp_path, 768))
    async with app.run_test(size=SIZE) as pilot:
        _, render = await open_loupe(pilot)
        widget = render.image_widget
        assert isinstance(widget, HalfcellPicture)
        await pilot.press("z")
        await wait_until(pilot, lambda: widget._lines is not None, timeout=20)
        moved: list[tuple[int, int]] = []
        original = widget.show_moved

        def spy(image, dx, dy):  # type: ignore[no-untyped-def]
            moved.append((dx, dy))
            original(image, dx, dy)

        widget.show_moved = spy  # type: ignore[method-assign]
        for key in ("L", "J", "H", "K"):
            await pilot.press(key)
            await pilot.pause()
            lines = widget._lines
            assert lines is not None
            size = widget.content_size
            whole = halfcell_strips(widget.image, (size.width, size.height))
            assert [list(line) for line in lines] == [list(line) for line in whole]
        assert moved and all(step != (0, 0) for step in moved)  # reused where it could be


def sixel_screen(widget) -> tuple[dict[tuple[int, int], tuple[int, int, int] | None], int]:
    """What the widget's lines draw by sixel, decoded: {(x, y) in widget pixels: colour},
    and how many sixel pictures that took."""
    import re

    from .sixel_decoder import decode

    cell_w, cell_h = graphics.cell_pixels()
    region = widget.region
    lines = widget.render_lines(widget.region.reset_offset)
    drawn: dict[tuple[int, int], tuple[int, int, int] | None] = {}
    pictures = 0
    for line in lines:
        text = "".join(segment.text for segment in line)
        for match in re.finditer(r"\x1b\[(\d+);(\d+)H(\x1bP.*?\x1b\\)", text):
            row, column = int(match[1]) - 1 - region.y, int(match[2]) - 1 - region.x
            pictures += 1
            for y, pixels in enumerate(decode(match[3])):
                for x, colour in enumerate(pixels):
                    drawn[(column * cell_w + x, row * cell_h + y)] = colour
    return drawn, pictures


def block_pixel_sizes(blocks) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """The sizes in pixels of a sixel view's blocks (cell regions), to tell its blocks from the
    overview's picture among what is encoded."""
    cell_w, cell_h = graphics.cell_pixels()
    return {(block.width * cell_w, block.height * cell_h) for block in blocks}


def assert_draws(widget, view) -> None:
    """Every pixel of `view` drawn once, in its colour to within quantisation."""
    import numpy as np

    drawn, _ = sixel_screen(widget)
    assert len(drawn) == view.width * view.height and None not in drawn.values()
    shown = np.zeros((view.height, view.width, 3), np.int32)
    for (x, y), colour in drawn.items():
        shown[y, x] = colour
    expected = np.asarray(view, dtype=np.int32) * 100 // 255
    assert np.abs(shown - expected).mean() < 2  # percent


async def test_the_sixel_loupe_draws_in_blocks_and_a_pan_encodes_only_what_it_uncovers(
    tmp_path, monkeypatch
):
    """On a sixel terminal the view at 100% is drawn as blocks a pan step in size; a pan step
    sends the blocks still shown again from their data and encodes only the uncovered ones,
    started as the key is handled (before the frame is drawn); together they draw the view,
    pixel for pixel."""
    from curator.app.widgets import sixel_picture
    from curator.app.widgets.sixel_picture import SixelPicture

    studio = big_render_studio(tmp_path, 1200)
    encoded: list[tuple[int, int]] = []  # every picture encoded
    ahead: list[tuple[int, int]] = []  # those started when the widget was given its picture
    encode, encode_later = sixel_picture.sixel_data_many, sixel_picture.sixel_data_later

    def counting(images):  # type: ignore[no-untyped-def]
        encoded.extend(image.size for image in images)
        return encode(images)

    def counting_later(images):  # type: ignore[no-untyped-def]
        encoded.extend(image.size for image in images)
        ahead.extend(image.size for image in images)
        return encode_later(images)

    monkeypatch.setattr(sixel_picture, "sixel_data_many", counting)
    monkeypatch.setattr(sixel_picture, "sixel_data_later", counting_later)
    monkeypatch.setattr(loupe_screen, "PAN_AHEAD_AFTER_S", 600)  # every step made by its key
    with graphics_mode("sixel"):
        app = make_app(studio)
        async with app.run_test(size=(100, 30)) as pilot:
            _, render = await open_loupe(pilot)
            widget = render.image_widget
            assert isinstance(widget, SixelPicture)
            await pilot.press("z")
            await pilot.pause()
            blocks = widget._blocks()
            assert 9 <= len(blocks) <= 25  # about 4 x 4: a quarter of the view each way
            block_sizes = block_pixel_sizes(blocks)
            view = render._last_view[3]
            assert_draws(widget, view)
            assert sixel_screen(widget)[1] == len(blocks)
            for key in ("L", "J", "H", "K"):
                encoded.clear()
                ahead.clear()
                await pilot.press(key)
                await pilot.pause()
                view = render._last_view[3]
                assert widget.image is view
                assert_draws(widget, view)
                across = len({block.x for block in blocks})
                down = len({block.y for block in blocks})
                # One column or row of blocks uncovered; K comes back to the first view,
                # whose blocks are kept.
                uncovered = {"L": down, "J": across, "H": down, "K": 0}[key]
                ours = [size for size in encoded if size in block_sizes]  # not the overview's
                assert len(ours) == uncovered, key
                assert [size for size in ahead if size in block_sizes] == ours, key
            # Back to fit and to 100% again: the view was seen, its blocks are kept.
            await pilot.press("z")
            await pilot.pause()
            encoded.clear()
            await pilot.press("z")
            await pilot.pause()
            widget.render_lines(widget.region.reset_offset)
            assert [size for size in encoded if size in block_sizes] == []


@pytest.mark.parametrize("mode", ["halfcell", "sixel"])
async def test_the_100_percent_view_is_made_ahead_and_z_draws_nothing_new(
    tmp_path, monkeypatch, mode
):
    """While the render is fitted, its 100% view around the zoom point is made and drawn on
    another thread; z then shows that very view and draws nothing of it again."""
    from curator.app.widgets import halfcell, sixel_picture
    from curator.service import pictures

    studio = big_render_studio(tmp_path, 1200)
    pictures.forget_views()
    with graphics_mode(mode):
        app = make_app(studio)
        async with app.run_test(size=(100, 30)) as pilot:
            _, render = await open_loupe(pilot)
            await wait_until(pilot, lambda: len(pictures._VIEWS) == 1, timeout=30)
            ahead = next(iter(pictures._VIEWS.values()))
            cells = render.view_cells(zoomed_in=True)
            drawn: list[object] = []
            strips, encode = halfcell.halfcell_strips, sixel_picture.sixel_data_many

            def counting_strips(image, size):  # type: ignore[no-untyped-def]
                if tuple(size) == cells:
                    drawn.append(image)
                return strips(image, size)

            blocks = block_pixel_sizes(sixel_picture.blocks_of(*cells))

            def counting_sixels(images):  # type: ignore[no-untyped-def]
                # The view's blocks (not the overview, nor a line Textual repaints alone).
                drawn.extend(image for image in images if image.size in blocks)
                return encode(images)

            monkeypatch.setattr(halfcell, "halfcell_strips", counting_strips)
            monkeypatch.setattr(sixel_picture, "sixel_data_many", counting_sixels)
            await pilot.press("z")
            await pilot.pause()
            render.image_widget.render_lines(render.image_widget.region.reset_offset)
            assert render.image_widget.image is ahead  # the view made ahead, shown
            assert drawn == []  # and its drawing was made ahead too


@pytest.mark.parametrize("mode", ["halfcell", "sixel"])
async def test_the_views_a_pan_step_away_are_made_ahead_and_a_pan_encodes_nothing(
    tmp_path, monkeypatch, mode
):
    """While a zoomed view is looked at, the views a pan step away are made on another
    thread (sixel: with the blocks each step uncovers): a pan key then shows the view made
    ahead and encodes nothing; the view is drawn pixel for pixel. A view made before (the
    way back) is not made again."""
    from curator.app.widgets import sixel_picture
    from curator.service import pictures

    studio = big_render_studio(tmp_path, 1200)
    pictures.forget_views()
    with graphics_mode(mode):
        app = make_app(studio)
        async with app.run_test(size=(100, 30)) as pilot:
            _, render = await open_loupe(pilot)
            await pilot.press("z")
            await wait_until(pilot, lambda: render.pans_made_for is render._last_view, timeout=30)
            first = render._last_view[3]
            # Right, left, down and up from the middle of the render: four views made ahead.
            ahead = [view for view in pictures._VIEWS.values() if view is not first]
            assert len([v for v in ahead if v.size == first.size]) >= 4
            encoded: list[object] = []
            cells = render.view_cells()
            blocks = block_pixel_sizes(sixel_picture.blocks_of(*cells))

            def counting(encode):  # type: ignore[no-untyped-def]
                def encode_counted(images):  # type: ignore[no-untyped-def]
                    images = list(images)
                    encoded.extend(image for image in images if image.size in blocks)
                    return encode(images)

                return encode_counted

            for name in ("sixel_data_many", "sixel_data_later"):
                monkeypatch.setattr(sixel_picture, name, counting(getattr(sixel_picture, name)))
            await pilot.press("L")
            await pilot.pause()
            widget = render.image_widget
            view = render._last_view[3]
            assert any(view is made for made in ahead)  # the view made ahead, shown
            if mode == "sixel":
                widget.render_lines(widget.region.reset_offset)
                assert encoded == []  # and every block of it drawn before the key
                assert_draws(widget, view)
            await wait_until(pilot, lambda: render.pans_made_for is render._last_view, timeout=30)
            assert render._last_view[3] is view
            back = [made for made in pictures._VIEWS.values() if made is first]
            assert back  # the way back is the first view itself, not made again
            await pilot.press("H")
            await pilot.pause()
            assert render._last_view[3] is first
            if mode == "sixel":
                widget.render_lines(widget.region.reset_offset)
                assert encoded == []


async def test_pictures_leave_out_the_ansi_filter_their_colours_need_none(studio):
    """The picture widgets skip Textual's ANSI-to-truecolor pass (a third of a pan step): their
    lines come out exactly as that filter would leave them."""
    from textual.filter import ANSIToTruecolor

    app = make_app(studio)
    async with app.run_test(size=SIZE) as pilot:
        _, render = await open_loupe(pilot)
        widget = render.image_widget
        (ansi,) = [each for each in app.get_line_filters() if isinstance(each, ANSIToTruecolor)]
        assert ansi not in widget.get_line_filters()
        lines = widget.render_lines(widget.size.region)
        assert sum(len(list(line)) for line in lines) > 100  # a picture's cells
        for line in lines:
            segments = list(line)
            filtered = ansi.apply(segments, widget.background_colors[1])
            assert [s.style for s in filtered] == [s.style for s in segments]


async def test_a_sixel_picture_replaced_before_it_is_encoded_is_not_encoded(tmp_path, monkeypatch):
    """Stepping through renders gives the widget picture after picture: the blocks of one
    replaced before they were started are cancelled, not queued before the picture shown."""
    from curator.app.widgets import sixel_picture
    from curator.app.widgets.sixel_picture import SixelPicture
    from curator.service import sixel_data

    with graphics_mode("sixel"):
        app = make_app(big_render_studio(tmp_path, 768))
        async with app.run_test(size=SIZE) as pilot:
            _, render = await open_loupe(pilot)
            widget = render.image_widget
            assert isinstance(widget, SixelPicture) and widget.image is not None
            held = hold_back_encoding(monkeypatch, sixel_picture)
            shown = widget.image
            widget.image = shown.transpose(0)  # another picture of the same size
            replaced = list(held)
            assert replaced
            widget.image = shown.rotate(180)
            assert all(future.cancelled() for future, _ in replaced)
            monkeypatch.undo()  # encoding for real again before anything is drawn
            for future, image in held[len(replaced) :]:
                future.set_result(sixel_data(image))
            await pilot.pause()
