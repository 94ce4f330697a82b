"""`stylecore render`: the files it writes, and one-line errors with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

from PIL import Image

from stylecore.cli import main
from stylecore.images import read_png_spec


def test_render_writes_png_sidecar_and_text_chunk(tmp_path, cat, starry, capsys):
    out = tmp_path / "renders" / "cat.png"
    code = main(
        ["render", str(cat), str(starry), "-o", str(out), "--image-size", "64",
         "--num-iterations", "8", "--device", "cpu", "--quiet", "--tv-weight", "0.01",
         "--chroma-tv-weight", "0"]
    )  # fmt: skip
    assert code == 0
    assert Image.open(out).size == (64, 43)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["spec"]["settings"]["tv_weight"] == 0.01
    assert sidecar["spec"]["settings"]["chroma_tv_weight"] == 0
    assert sidecar["spec"]["content"]["path"] == str(cat)
    assert sidecar["iterations"] == 8 and sidecar["device"] == "cpu"
    assert set(sidecar["losses"]["style"]) == {
        "relu1_1",
        "relu2_1",
        "relu3_1",
        "relu4_1",
        "relu5_1",
    }
    assert sidecar["losses"]["total"] < sidecar["initial_loss"]
    chunk = read_png_spec(out)
    assert chunk is not None and chunk["job_id"] == sidecar["job_id"]
    assert chunk["spec"] == sidecar["spec"]
    assert "wrote" in capsys.readouterr().out


def test_save_iter_writes_snapshots(tmp_path, cat, starry):
    out = tmp_path / "cat.png"
    args = ["render", str(cat), str(starry), "-o", str(out), "--image-size", "32"]
    assert main([*args, "--num-iterations", "4", "--save-iter", "2", "--quiet"]) == 0
    assert (tmp_path / "cat_2.png").exists() and not (tmp_path / "cat_4.png").exists()


def _error(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_missing_content(tmp_path, starry, capsys):
    assert (
        main(["render", str(tmp_path / "gone.png"), str(starry), "-o", str(tmp_path / "o.png")])
        == 2
    )
    assert "gone.png: file not found" in _error(capsys)


def test_text_file_as_style(tmp_path, cat, capsys):
    fake = tmp_path / "painting.jpg"
    fake.write_text("hello")
    args = ["render", str(cat), str(fake), "-o", str(tmp_path / "o.png"), "--quiet"]
    assert main([*args, "--image-size", "32", "--num-iterations", "1"]) == 2
    assert "painting.jpg: not an image file" in _error(capsys)
    assert not (tmp_path / "o.png").exists()


def test_output_must_be_png(tmp_path, cat, starry, capsys):
    assert main(["render", str(cat), str(starry), "-o", str(tmp_path / "o.jpg")]) == 2
    assert "must be a .png file" in _error(capsys)


def test_out_of_range_setting(tmp_path, cat, starry, capsys):
    args = ["render", str(cat), str(starry), "-o", str(tmp_path / "o.png"), "--style-scale", "99"]
    assert main(args) == 2
    assert "style_scale must be" in _error(capsys)


def test_blend_weight_count(tmp_path, cat, starry, scream, capsys):
    args = ["render", str(cat), str(starry), str(scream), "-o", str(tmp_path / "o.png")]
    assert main([*args, "--style-blend-weights", "1,2,3"]) == 2
    assert "3 values for 2 style images" in _error(capsys)


def test_console_script_runs(tmp_path, cat, starry):
    """The installed entry point, as a person types it."""
    script = [sys.executable, "-m", "stylecore.cli"]
    done = subprocess.run(
        [*script, "render", str(cat), str(starry), "-o", str(tmp_path / "o.png"),
         "--image-size", "32", "--num-iterations", "2", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o.json").exists()
