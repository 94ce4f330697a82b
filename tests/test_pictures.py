"""The service's picture maths: fitting, zooming and panning a view of a render."""

from __future__ import annotations

import numpy as np
from PIL import Image

from curator.service import clamp_centre, fit_scale, zoomed


def gradient(width: int, height: int) -> Image.Image:
    xs = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    ys = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    return Image.fromarray(np.stack([xs, ys, 255 - xs], -1).astype(np.uint8))


def test_at_100_percent_the_view_is_the_render_s_own_pixels():
    image = gradient(2048, 1536)
    view = zoomed(image, (400, 300), 1.0, (0.5, 0.5), (0, 0, 0))
    assert view.size == (400, 300)
    expected = image.crop((824, 618, 1224, 918))
    assert np.array_equal(np.asarray(view), np.asarray(expected))


def test_at_200_percent_each_pixel_is_a_sharp_2x2_block():
    image = gradient(64, 64)
    view = np.asarray(zoomed(image, (40, 40), 2.0, (0.0, 0.0), (0, 0, 0)))
    assert np.array_equal(view[0::2, 0::2], view[1::2, 1::2])
    assert np.array_equal(view[0::2, 0::2], np.asarray(image)[:20, :20])  # top left, clamped


def test_the_view_never_leaves_the_image_and_a_small_image_is_centred():
    assert clamp_centre((1000, 1000), (100, 100), 1.0, (0.0, 1.0)) == (0.05, 0.95)
    assert clamp_centre((100, 1000), (400, 100), 1.0, (0.9, 0.5)) == (0.5, 0.5)
    view = np.asarray(zoomed(gradient(100, 100), (200, 200), 1.0, (0.5, 0.5), (9, 9, 9)))
    assert (view[:50, :50] == 9).all() and not (view[50:150, 50:150] == 9).all()


def test_fit_scale_and_the_widget_s_own_grid():
    assert fit_scale((2000, 1000), (500, 400)) == 0.25
    view = zoomed(gradient(64, 64), (10, 20), 1.0, (0.5, 0.5), (0, 0, 0), shown_as=(100, 200))
    assert view.size == (100, 200)


def test_a_pan_step_is_recognised_as_the_last_view_moved():
    from curator.service import moved_by, panned_centre

    image = gradient(2048, 1536)
    box, zoom = (96, 92), 1.0
    before = zoomed(image, box, zoom, (0.5, 0.5), (0, 0, 0))
    centre = panned_centre((0.5, 0.5), (1, 0), image.size, box, zoom)
    after = zoomed(image, box, zoom, centre, (0, 0, 0))
    dx = round((centre[0] - 0.5) * image.width * zoom)
    assert dx > 0 and moved_by(before, after, (dx, 0))
    assert not moved_by(before, after, (dx + 1, 0))  # checked on the pixels, not trusted
    # At the render's edge the view is clamped: not the requested move.
    edge = zoomed(image, box, zoom, (1.0, 0.5), (0, 0, 0))
    further = zoomed(image, box, zoom, (1.2, 0.5), (0, 0, 0))
    assert not moved_by(edge, further, (round(0.2 * image.width), 0))


def test_a_move_wrong_by_a_pixel_either_way_is_refused():
    """A pan step reuses the last picture drawn only when the new view is it moved exactly:
    a move wrong by one pixel across or down, or a view clamped at an edge, is refused."""
    import numpy as np
    from PIL import Image

    from curator.service import moved_by

    noise = np.random.default_rng(3).integers(0, 255, (900, 1200, 3), np.uint8)
    render = Image.fromarray(noise)
    view = render.crop((100, 100, 1020, 820))
    for shift in ((230, 0), (0, 60), (-115, 40)):
        dx, dy = shift
        moved = render.crop((100 + dx, 100 + dy, 1020 + dx, 820 + dy))
        assert moved_by(view, moved, shift)
        assert not moved_by(view, moved, (dx + 1, dy))
        assert not moved_by(view, moved, (dx, dy + 1))
        assert not moved_by(view, moved, (dx, dy - 1))
    clamped = render.crop((280, 100, 1200, 820))  # asked for 230 more, clamped at 180
    assert not moved_by(view, clamped, (410, 0))
