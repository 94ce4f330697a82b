"""Job ids are stable, content-addressed hashes of what decides the pixels; settings validate."""

from __future__ import annotations

import shutil

import pytest

from stylecore.errors import SettingsError
from stylecore.settings import RenderSettings, parse_scales
from stylecore.spec import ImageRef, RenderSpec


def spec(content, *styles, weights=None, **settings):
    weights = weights or [1.0] * len(styles)
    return RenderSpec(
        content=ImageRef.of(content),
        styles=tuple(ImageRef.of(s, w) for s, w in zip(styles, weights, strict=True)),
        settings=RenderSettings(**settings),
    )


def test_same_spec_same_id(cat, starry):
    assert spec(cat, starry).job_id() == spec(cat, starry).job_id()
    assert len(spec(cat, starry).job_id()) == 12


def test_renamed_file_same_id(cat, starry, tmp_path):
    copy = tmp_path / "renamed.png"
    shutil.copy(cat, copy)
    assert spec(copy, starry).job_id() == spec(cat, starry).job_id()


def test_settings_and_images_change_the_id(cat, starry, scream):
    base = spec(cat, starry).job_id()
    assert spec(cat, scream).job_id() != base
    assert spec(cat, starry, seed=1).job_id() != base
    assert spec(cat, starry, style_weight=200).job_id() != base


def test_blend_is_order_and_scale_free(cat, starry, scream):
    a = spec(cat, starry, scream, weights=[1, 3]).job_id()
    assert spec(cat, scream, starry, weights=[3, 1]).job_id() == a
    assert spec(cat, starry, scream, weights=[2, 6]).job_id() == a
    assert spec(cat, starry, scream, weights=[1, 1]).job_id() != a


def test_round_trip(cat, starry):
    original = spec(cat, starry, image_size=256, scales="128:10,256:5")
    again = RenderSpec.from_dict(original.to_dict())
    assert again == original and again.job_id() == original.job_id()


def test_malformed_spec():
    with pytest.raises(SettingsError, match="malformed render spec"):
        RenderSpec.from_dict({"styles": []})


def test_settings_from_strings():
    settings = RenderSettings().replace(
        image_size="256", style_layers="relu1_1,relu3_1", style_layer_weights="1,0.5", scales="auto"
    )
    assert settings.image_size == 256
    assert settings.style_layers == ("relu1_1", "relu3_1")
    assert settings.style_layer_weights == (1.0, 0.5)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"image_size": 4}, "image_size must be"),
        ({"optimizer": "sgd"}, "optimizer must be one of"),
        ({"style_layers": ("relu9_1",)}, "unknown VGG19 layer"),
        ({"style_layer_weights": (1.0,)}, "has 1 values for 5 layers"),
        ({"content_weight": -1.0}, "content_weight must be"),
        ({"original_colors": "sepia"}, "original_colors must be"),
    ],
)
def test_invalid_settings(changes, message):
    with pytest.raises(SettingsError, match=message):
        RenderSettings(**changes)


def test_bad_values_from_strings():
    with pytest.raises(SettingsError, match="image_size: cannot read 'big'"):
        RenderSettings().replace(image_size="big")
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        RenderSettings().replace(colour="red")


def test_parse_scales():
    assert parse_scales("256:300, 362:150") == ((256, 300), (362, 150))
    assert parse_scales("auto") == ()
    with pytest.raises(SettingsError, match="not SIZE:ITERATIONS"):
        parse_scales("256")


def test_a_setting_at_its_default_does_not_change_the_id(cat, starry):
    """Ids hash only non-default settings: new settings, added later at their defaults,
    keep existing jobs' ids (and so queueing the same job after an upgrade adds nothing)."""
    plain = spec(cat, starry)
    assert "style_strength" not in plain.identity()["settings"]
    assert spec(cat, starry, style_strength=1.0).job_id() == plain.job_id()
    assert spec(cat, starry, style_strength=0.5).job_id() != plain.job_id()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"seed": 1e400}, "seed: cannot read inf as a whole number"),
        ({"seed": 2**63}, r"seed must be 0\.\.9223372036854775807"),
        ({"seed": -1}, "seed must be"),
        ({"seed": True}, "seed: cannot read True"),
        ({"num_iterations": float("inf")}, "num_iterations: cannot read inf"),
        ({"num_iterations": 10**7}, r"num_iterations must be 0\.\.1000000"),
        ({"image_size": 64.5}, r"image_size: cannot read 64\.5 as a whole number"),
        ({"image_size": "64.5"}, r"image_size: cannot read '64\.5'"),
        ({"style_weight": float("nan")}, "style_weight: cannot read nan as a finite number"),
        ({"tv_weight": "inf"}, "tv_weight: cannot read 'inf'"),
        ({"style_layer_weights": "1,inf,1,1,1"}, "style_layer_weights: cannot read"),
        ({"scales": "256:1e9"}, "scales"),
        ({"padding": "mirror"}, r"padding must be one of \('zeros', 'reflect'\)"),
        ({"scales": "single,512:10"}, "scales: 'single' is not SIZE:ITERATIONS"),
    ],
)
def test_numbers_must_be_finite_and_whole_where_whole_is_meant(changes, message):
    with pytest.raises(SettingsError, match=message):
        RenderSettings().replace(**changes)


def test_whole_numbers_may_come_as_floats_or_text():
    settings = RenderSettings().replace(image_size=512.0, seed="1_000", num_iterations="300")
    assert (settings.image_size, settings.seed, settings.num_iterations) == (512, 1000, 300)


def test_a_huge_seed_on_the_command_line_is_one_line(tmp_path, capsys):
    from stylecore.cli import main

    from .conftest import CONTENTS, STYLES

    code = main(["render", str(CONTENTS / "chelsea.png"), str(STYLES / "shipwreck.jpg"), "-o",
                 str(tmp_path / "x.png"), "--seed", "99999999999999999999"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "seed must be 0..9223372036854775807" in err
