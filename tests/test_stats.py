"""Image statistics on synthetic images with known answers, and on the bundled samples."""

from __future__ import annotations

import colorsys
import json
import shutil

import numpy as np
import pytest
from PIL import Image, ImageFilter

from stylecore.cli import main
from stylecore.errors import ImageError
from stylecore.stats.measure import METRICS, cell_means, compute_stats, median3
from stylecore.stats.report import draw_report
from stylecore.stats.store import StatsStore
from stylecore.studio.folder import Studio

from .conftest import CONTENTS, STYLES

SIZE = 256
KEYS = (*METRICS, "saturation_contrast", "palette", "verdict")


def image(array) -> Image.Image:
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def flat(rgb) -> Image.Image:
    return image(np.broadcast_to(np.array(rgb, float), (SIZE, SIZE, 3)))


def hsv(h, s=1.0, v=1.0):
    return [255 * c for c in colorsys.hsv_to_rgb(h, s, v)]


def mondrian() -> Image.Image:
    canvas = np.zeros((SIZE, SIZE, 3))
    for y0, y1, x0, x1 in [(0, 100, 0, 160), (100, 180, 80, 256)]:
        canvas[y0:y1, x0:x1] = 255
    return image(canvas)


def noise(seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return image(rng.uniform(0, 255, (SIZE, SIZE, 1)).repeat(3, 2))


def halves(left, right) -> Image.Image:
    canvas = np.zeros((SIZE, SIZE, 3))
    canvas[:, : SIZE // 2], canvas[:, SIZE // 2 :] = left, right
    return image(canvas)


def stats(img, role="style"):
    return compute_stats(img, role).to_dict()


def test_json_keys_and_ranges():
    values = stats(mondrian())
    for key in KEYS:
        assert key in values
    for metric in METRICS:
        assert 0.0 <= values[metric] <= 1.0, metric
    assert abs(sum(c["share"] for c in values["palette"]) - 1) < 1e-3
    json.dumps(values)  # plain JSON


def test_flat_grey_has_no_contrast_and_no_edges():
    values = stats(flat([128, 128, 128]))
    assert values["value_contrast"] == 0 and values["dynamic_range"] == 0
    assert values["edge_density"] == 0 and values["noise"] == 0 and values["blocking"] == 0
    assert values["verdict_grade"] == "weak"


def test_black_and_white_blocks():
    values = stats(mondrian())
    assert values["value_contrast"] > 0.9 and values["blocking"] > 0.8
    assert values["noise"] < 0.05
    assert values["verdict_grade"] == "good"
    assert "blocking" in values["verdict"]


def test_white_noise():
    values = stats(noise())
    assert values["noise"] > 0.8 and values["blocking"] < 0.05
    assert values["verdict_grade"] == "weak" and "noise" in values["verdict"]


def test_complementary_hues_against_a_single_hue():
    opposite = stats(halves(hsv(0.0), hsv(0.5)))
    single = stats(flat(hsv(0.6)))
    assert opposite["complementary"] > 0.9 and opposite["hue_spread"] > 0.9
    assert single["complementary"] < 0.05 and single["hue_spread"] < 0.05
    assert single["saturation_mean"] > 0.95


def test_near_grey_hues_do_not_count_as_complementary():
    values = stats(halves(hsv(0.0, 0.04, 0.5), hsv(0.5, 0.04, 0.5)))
    assert values["complementary"] < 0.1


def test_smooth_gradient_has_low_edges_and_blocking():
    ramp = np.linspace(0, 255, SIZE)[None, :, None].repeat(SIZE, 0).repeat(3, 2)
    values = stats(image(ramp))
    assert values["edge_density"] < 0.02 and values["blocking"] < 0.05 and values["noise"] < 0.05
    assert values["value_contrast"] > 0.4  # contrast, but not texture
    assert values["verdict_grade"] == "weak"
    assert "soft transitions" in values["verdict"] or "smooth gradients" in values["verdict"]


def test_more_contrast_scores_higher():
    scores = [
        stats(halves([128 - d] * 3, [128 + d] * 3))["value_contrast"] for d in (8, 30, 60, 120)
    ]
    assert scores == sorted(scores) and scores[0] < scores[-1] / 5


def test_saturation_contrast_between_regions():
    even = stats(halves(hsv(0.6, 0.5), hsv(0.6, 0.5)))["saturation_contrast"]
    split = stats(halves(hsv(0.6, 0.05), hsv(0.6, 0.95)))["saturation_contrast"]
    assert even < 0.05 < 0.5 < split


def test_subject_strength():
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    disc = np.full((SIZE, SIZE, 3), 200.0)
    disc[(ys - 128) ** 2 + (xs - 128) ** 2 < 50**2] = [180, 30, 30]
    spread = np.full((SIZE, SIZE, 3), 200.0)
    for cy, cx in [(20, 20), (20, 236), (236, 20), (236, 236), (128, 20), (20, 128)]:
        spread[(ys - cy) ** 2 + (xs - cx) ** 2 < 15**2] = [180, 30, 30]
    assert stats(image(disc), "content")["subject_strength"] > 0.8
    assert stats(image(spread), "content")["subject_strength"] < 0.1
    assert stats(noise(), "content")["subject_strength"] < 0.1
    assert "strong single subject" in stats(image(disc), "content")["verdict"]


def test_palette_finds_the_colours():
    values = stats(halves([200, 30, 30], [30, 30, 200]))
    top = {c["hex"] for c in values["palette"][:2]}
    assert top == {"#c81e1e", "#1e1ec8"}


def test_samples_read_sensibly():
    """The closing note quotes these; the grades are what an artist would expect."""
    assert stats(STYLES / "the_scream.jpg")["verdict_grade"] == "good"
    # Turner's smoke and spray: soft transitions, only some blocking (posterised, it is good).
    assert stats(STYLES / "shipwreck.jpg")["verdict_grade"] == "fair"
    assert stats(CONTENTS / "chelsea.png", "content")["verdict_grade"] == "good"
    assert stats(CONTENTS / "rocket.jpg", "content")["verdict_grade"] == "weak"


@pytest.mark.parametrize("size", [(1, 1), (2, 5), (37, 23), (128, 85)])
def test_fast_filters_match_their_slow_definitions(size):
    """The sorting-network median is PIL's MedianFilter(3) pixel for pixel, and the one-pass
    grid means are the per-cell means, empty cells (images under 8 px) dropped."""
    rng = np.random.default_rng(size[0])
    rgb = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    slow = np.asarray(Image.fromarray(rgb).filter(ImageFilter.MedianFilter(3)))
    assert np.array_equal(median3(rgb), slow)
    channel = rng.random((size[1], size[0]))
    h, w = channel.shape
    cells = [
        channel[i * h // 8 : (i + 1) * h // 8, j * w // 8 : (j + 1) * w // 8].mean()
        for i in range(8)
        for j in range(8)
        if (i + 1) * h // 8 > i * h // 8 and (j + 1) * w // 8 > j * w // 8
    ]
    assert np.allclose(cell_means(channel, 8), cells)


def test_deterministic():
    assert stats(STYLES / "starry_night.jpg") == stats(STYLES / "starry_night.jpg")


def test_bad_image(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("no")
    with pytest.raises(ImageError, match=r"fake\.png: not an image"):
        compute_stats(path)


def test_report_picture():
    picture = draw_report(stats(STYLES / "starry_night.jpg"), "starry_night.jpg")
    assert picture.width == 480 and picture.height > 300
    pixels = np.asarray(picture)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # histogram, wheel, swatches


def test_store_caches_by_file_hash(tmp_path):
    studio = Studio.init(tmp_path)
    shutil.copy(STYLES / "the_scream.jpg", studio.styles / "scream.jpg")
    shutil.copy(CONTENTS / "coffee.png", studio.contents / "coffee.png")
    (studio.styles / "broken.png").write_text("not an image")
    with StatsStore(studio) as store:
        assert {(p.name, r) for p, r in store.missing()} == {
            ("scream.jpg", "style"), ("coffee.png", "content"), ("broken.png", "style"),
        }  # fmt: skip
        done = dict(store.compute_missing())
        assert "not an image" in done[studio.styles / "broken.png"]
        assert store.missing() == []  # failures are remembered, not retried on every open
        shutil.copy(studio.styles / "scream.jpg", studio.styles / "renamed.jpg")
        assert store.missing() == []  # same bytes, same statistics
        assert store.get(studio.styles / "renamed.jpg", "style")["verdict_grade"] == "good"


def test_stats_cli(tmp_path, capsys):
    report = tmp_path / "report.png"
    args = ["stats", str(STYLES / "shipwreck.jpg"), str(CONTENTS / "coffee.png"), "--json"]
    assert main([*args, "--report", str(report)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["file"].rsplit("/", 1)[1] for r in rows] == ["shipwreck.jpg", "coffee.png"]
    assert Image.open(report).size[0] == 480
    assert main(["stats", str(STYLES / "shipwreck.jpg")]) == 0
    assert "shipwreck.jpg: fair style: some colour blocking" in capsys.readouterr().out
    assert main(["stats", str(tmp_path / "none.png")]) == 2
    assert "none.png: file not found" in capsys.readouterr().err
