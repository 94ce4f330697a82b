"""Export's upscaling (Lanczos or waifu2x, the optional extra), cancelling an export, and the
studio.toml [export] table that sets an export's defaults."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from PIL import Image

from curator.catalog import Catalog, Rating
from curator.cli import main
from curator.export import MANIFEST, ExportCancelled, ExportOptions, export_renders, run_export
from curator.export import plan_export as plan
from curator.upscale import UpscaleCancelled, Waifu2x, waifu2x_available
from stylecore.studio.folder import StudioError, load_config

from .studio_factory import make_studio

needs_waifu2x = pytest.mark.skipif(
    not waifu2x_available(),
    reason="waifu2x tests need the optional extra: pip install 'style-curator[upscale]'",
)


@pytest.fixture
def studio(tmp_path):
    studio = make_studio(tmp_path / "studio", renders=12)
    with Catalog(studio) as catalog:
        catalog.scan()
        chelsea = [r for r in catalog.all() if r.content_name == "chelsea"]
        catalog.set_ratings({row.id: Rating(4, "pick", "") for row in chelsea})
    return studio


def chelsea_rows(studio):
    with Catalog(studio) as catalog:
        return [catalog.get(r.id) for r in catalog.all() if r.content_name == "chelsea"]


def exported_renders(folder):
    return sorted(p for p in folder.glob("*.png") if "__" in p.name)


@needs_waifu2x
@pytest.mark.timeout(180)
def test_waifu2x_enlarges_renders_faithfully_and_differs_from_lanczos(studio, tmp_path, capfd):
    rows = chelsea_rows(studio)[:1]
    options = dict(psd=False, ora=False, xmp=False, base="none")
    export_renders(studio, rows, ExportOptions(tmp_path / "w", upscale="waifu2x", **options))
    export_renders(studio, rows, ExportOptions(tmp_path / "l", **options))
    size = Image.open(studio.contents / "chelsea.png").size
    (waifu,) = exported_renders(tmp_path / "w" / "chelsea")
    (plain,) = exported_renders(tmp_path / "l" / "chelsea")
    a = np.asarray(Image.open(waifu).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(plain).convert("RGB"), dtype=float)
    assert Image.open(waifu).size == size
    difference = np.abs(a - b).mean()
    assert 0.2 < difference < 12  # another enlargement of the same picture, not a copy
    manifest = json.loads((tmp_path / "w" / MANIFEST).read_text())
    assert manifest["upscale"] == "waifu2x" and manifest["complete"]
    assert "dlopen" not in capfd.readouterr().err  # the library's noise stays in its worker


@needs_waifu2x
@pytest.mark.timeout(120)
def test_a_cancelled_waifu2x_enlargement_stops_its_worker_at_once(tmp_path):
    cancel = threading.Event()
    upscaler = Waifu2x(cancel)
    picture = Image.open(make_studio(tmp_path / "s", renders=0).contents / "coffee.png")
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    with pytest.raises(UpscaleCancelled):
        upscaler.enlarge(picture, (picture.width * 4, picture.height * 4))
    assert upscaler._process is None  # killed, not left running
    upscaler.close()


def test_waifu2x_without_the_extra_is_one_line_before_anything_is_written(
    studio, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr("curator.export.waifu2x_available", lambda: False)
    out = tmp_path / "out"
    code = main(["export", str(studio.root), "-o", str(out), "--upscale", "waifu2x"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert "pip install 'style-curator[upscale]'" in err
    assert not out.exists()


def test_cancel_stops_between_photos_with_what_was_written_recorded(studio, tmp_path):
    with Catalog(studio) as catalog:
        rows = [catalog.get(r.id) for r in catalog.all()]
    options = ExportOptions(tmp_path / "out", psd=False, ora=False, base="none")
    export_plan = plan(studio, rows, options)
    cancel = threading.Event()
    photos: list[str] = []

    def progress(done: int, total: int, message: str) -> None:
        if message.startswith("layers for"):
            photos.append(message)
            cancel.set()  # the artist presses cancel while the first photo's layers are made

    with pytest.raises(ExportCancelled, match="after 1 photo"):
        run_export(export_plan, studio, progress, cancel)
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert not manifest["complete"] and len(manifest["contents"]) == 1
    for name in manifest["files"]:  # every file listed is whole on disk
        assert (tmp_path / "out" / name).stat().st_size == manifest["files"][name]["bytes"]
    assert len(photos) == 1
    # A rerun finishes it without --force: the files are ours.
    manifest = export_renders(studio, rows, options)[1]
    assert manifest["complete"] and len(manifest["contents"]) == len(export_plan.groups)


def test_studio_toml_sets_the_export_defaults_and_flags_win(studio, tmp_path, capsys):
    studio.toml.write_text(
        studio.toml.read_text().replace(
            "# base_colours = 24   # the base", 'base_colours = 4\norder = "rating"\n# the base'
        )
    )
    config = load_config(studio.toml)
    assert config.export == {"base_colours": 4, "order": "rating"}
    out = tmp_path / "out"
    code = main(["export", str(studio.root), "-o", str(out), "--no-ora", "--no-xmp",
                 "--order", "detail"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    from psd_tools import PSDImage

    psd = PSDImage.open(out / "chelsea" / "chelsea.psd")
    base = next(layer for layer in psd if layer.name == "base (painterly)")
    colours = base.topil().convert("RGB").getcolors(1 << 20)  # pixels, not the masked view
    assert len(colours) <= 4  # the studio's base_colours
    manifest = json.loads((out / MANIFEST).read_text())
    details = [layer["detail"] for layer in manifest["contents"][0]["stack"][2:]]
    assert details == sorted(details)  # --order detail beat the studio's "rating"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('upscale = "bicubic"', "[export] upscale must be one of lanczos, waifu2x"),
        ("base_colours = 1", "[export] base_colours must be a whole number of colours"),
        ("base_brush = 0.5", "[export] base_brush must be a share"),
        ("colours = 8", "unknown key 'colours' in [export]"),
    ],
)
def test_a_bad_export_setting_names_its_line(studio, line, message):
    lines = studio.toml.read_text().splitlines()
    header = next(i for i, text in enumerate(lines) if text.startswith("[export]"))
    lines.insert(header + 1, line)
    text = "\n".join(lines) + "\n"
    studio.toml.write_text(text)
    number = text.splitlines().index(line) + 1
    with pytest.raises(StudioError) as error:
        load_config(studio.toml)
    assert message in str(error.value) and f"line {number}" in str(error.value)
