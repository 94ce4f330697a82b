"""Contact sheets: the pages and tiles they should have, PDF and PNG."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from curator.catalog import Catalog
from curator.cli import main
from curator.sheets import SheetOptions, default_loader, make_sheet
from stylecore.errors import SettingsError

from .studio_factory import make_studio


@pytest.fixture
def studio(tmp_path):
    return make_studio(tmp_path / "studio", renders=23)


def rows(studio):
    with Catalog(studio) as catalog:
        catalog.scan()
        return catalog.all()


def pdf_pages(path):
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def test_grid_pages_and_tiles(studio, tmp_path):
    result = make_sheet(rows(studio), tmp_path / "s.pdf", SheetOptions(columns=4, rows=5),
                        default_loader(studio.renders))  # fmt: skip
    assert result.pages == 2 and result.tiles_per_page == [20, 3]
    assert pdf_pages(tmp_path / "s.pdf") == 2


def test_png_pages_are_files(studio, tmp_path):
    options = SheetOptions(columns=3, rows=3, dpi=72, settings=True, palette=False)
    result = make_sheet(rows(studio), tmp_path / "s.png", options, default_loader(studio.renders))
    assert [p.name for p in result.files] == [f"s-{n:02d}.png" for n in (1, 2, 3)]
    page = Image.open(result.files[0])
    assert page.size == options.page_pixels()
    # Nine tiles of picture on white: the page is far from blank in each cell.
    pixels = np.asarray(page.convert("L"), dtype=float)
    h, w = pixels.shape
    top = h // 10
    for row in range(3):
        for column in range(3):
            cell = pixels[top + row * (h - top) // 3 : top + (row + 1) * (h - top) // 3,
                          column * w // 3 : (column + 1) * w // 3]  # fmt: skip
            assert cell.std() > 10


def test_matrix_mode(studio, tmp_path):
    options = SheetOptions(matrix="styles", landscape=True)
    result = make_sheet(rows(studio), tmp_path / "m.png", options, default_loader(studio.renders))
    assert result.pages == 1 and result.tiles_per_page == [16]  # 4 styles x 4 contents


def test_bad_options(studio, tmp_path):
    load = default_loader(studio.renders)
    with pytest.raises(SettingsError, match=r"\.pdf or a \.png"):
        make_sheet(rows(studio), tmp_path / "s.jpg", SheetOptions(), load)
    with pytest.raises(SettingsError, match="WIDTHxHEIGHT"):
        make_sheet(rows(studio), tmp_path / "s.pdf", SheetOptions(page="huge"), load)
    assert SheetOptions(page="11x17in", dpi=100).page_pixels() == (1100, 1700)


def test_sheet_cli(studio, tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    assert main(["sheet", str(studio.root), "-o", str(out), "--palette", "--settings"]) == 0
    assert "wrote 2 page(s), 23 tile(s)" in capsys.readouterr().out
    assert main(["sheet", str(studio.root), "-o", str(out), "--picked"]) == 2
    assert "no renders match" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_pdf_opens_in_poppler(studio, tmp_path):
    out = tmp_path / "sheet.pdf"
    make_sheet(rows(studio), out, SheetOptions(dpi=100), default_loader(studio.renders))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    width, height = Image.open(pages[0]).size
    assert abs(width / height - 210 / 297) < 0.01  # A4, as drawn


def test_a_sheet_is_not_overwritten_without_force(studio, tmp_path, capsys):
    out = tmp_path / "sheet.png"
    args = ["sheet", str(studio.root), "-o", str(out), "--rows", "2"]
    assert main(args) == 0
    pages = sorted(tmp_path.glob("sheet-*.png"))
    assert len(pages) > 1 and not out.exists()  # several pages: numbered
    before = [p.stat().st_mtime_ns for p in pages]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "sheet-01.png: exists" in err and "--force" in err
    assert [p.stat().st_mtime_ns for p in pages] == before
    assert main([*args, "--force"]) == 0


def test_matrix_with_settings_is_refused_not_dropped(studio, tmp_path, capsys):
    args = ["sheet", str(studio.root), "-o", str(tmp_path / "m.pdf"), "--matrix", "styles"]
    assert main([*args, "--settings"]) == 2
    assert "a matrix has no captions" in capsys.readouterr().err
    assert main(args) == 0


def test_a_sheet_never_writes_through_a_link(studio, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_text("precious")
    link = tmp_path / "sheets" / "sheet.pdf"
    link.parent.mkdir()
    link.symlink_to(outside)
    with pytest.raises(SettingsError, match="symbolic link"):
        make_sheet(rows(studio), link, SheetOptions(dpi=60), default_loader(studio.renders),
                   force=True)  # fmt: skip
    assert outside.read_text() == "precious"
