"""Exports seen by the applications artists use: GIMP, Krita, exiftool, poppler.

Makes a studio of renders over 2048 px originals, exports picks, and then asks the real
programs (Debian packages gimp, krita, libimage-exiftool-perl, poppler-utils):
- GIMP, headless (gimp -i -b, Script-Fu): opens each PSD, reports its size and layer names;
- Krita, under Xvfb: exports each ORA and PSD to PNG; the PNG must have the original's size;
- exiftool: reads the XMP sidecars' ratings, labels and pick labels;
- pdftoppm: turns a contact sheet PDF into PNG pages.
It also times the export of 50 picks over 2048 px originals and a contact sheet of 500 tiles.

    python bench/apps.py [--picks 50] [--tiles 500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from curator.catalog import Catalog, Rating  # noqa: E402
from curator.export import ExportOptions, export_renders  # noqa: E402
from curator.sheets import SheetOptions, make_sheet  # noqa: E402
from curator.thumbs import ThumbnailCache  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402
from tests.studio_factory import add_renders  # noqa: E402


def big_studio(root: Path, renders: int) -> Studio:
    """The sample photos enlarged to 2048 px on the long side, and `renders` 512 px renders."""
    studio = Studio.init(root)
    for image in sorted((REPO / "samples/contents").iterdir()):
        picture = Image.open(image).convert("RGB")
        scale = 2048 / max(picture.size)
        size = (round(picture.width * scale), round(picture.height * scale))
        picture.resize(size, Image.Resampling.LANCZOS).save(studio.contents / f"{image.stem}.png")
    for image in sorted((REPO / "samples/styles").iterdir()):
        shutil.copy(image, studio.styles / image.name)
    add_renders(studio, renders, size=512)
    return studio


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)


def gimp_layers(psd: Path) -> str:
    script = f"""
    (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "{psd}" "{psd}")))
           (layers (vector->list (cadr (gimp-image-get-layers image))))
           (names (map (lambda (l) (car (gimp-item-get-name l))) layers)))
      (gimp-message (string-append "size " (number->string (car (gimp-image-width image)))
                                   "x" (number->string (car (gimp-image-height image)))
                                   " layers " (number->string (length layers)) ": "
                                   (apply string-append
                                          (map (lambda (n) (string-append n " | ")) names)))))
    """
    done = run(["gimp", "-i", "-c", "-b", script, "-b", "(gimp-quit 0)"])
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "size " in line]
    return (
        lines[-1].split(": ", 1)[-1] if lines else f"GIMP said nothing useful: {done.stderr[-300:]}"
    )


def krita_export(source: Path, target: Path) -> tuple[int, int] | str:
    done = run(
        ["xvfb-run", "-a", "krita", str(source), "--export", "--export-filename", str(target)]
    )
    if not target.exists():
        return f"Krita wrote nothing ({done.returncode}): {done.stderr[-300:]}"
    return Image.open(target).size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--picks", type=int, default=50)
    parser.add_argument("--tiles", type=int, default=500)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-apps-"))
    work.mkdir(parents=True, exist_ok=True)
    studio = big_studio(work / "studio", args.tiles)
    with Catalog(studio) as catalog:
        catalog.scan()
        rows = catalog.all()
        picks = rows[: args.picks]
        catalog.set_ratings(
            {r.id: Rating(5 - i % 3, "pick" if i % 2 else "", "") for i, r in enumerate(picks)}
        )
        picks = [catalog.get(r.id) for r in picks]
        everything = catalog.all()
    print(f"# exports seen by real applications, {date.today()}")
    out = work / "export"
    started = time.perf_counter()
    plan, manifest = export_renders(studio, picks, ExportOptions(out, force=True))
    seconds = time.perf_counter() - started
    photos = len(manifest["contents"])
    print(f"export of {len(picks)} picks over 2048 px originals ({photos} photos,"
          f" {len(plan.files)} files): {seconds:.1f} s")  # fmt: skip

    thumbs = ThumbnailCache(studio.thumbs)
    started = time.perf_counter()
    sheet = make_sheet(
        everything,
        work / "sheet.pdf",
        SheetOptions(columns=5, rows=6, palette=False, title="bench"),
        lambda row: thumbs.get(studio.renders / row.file),
    )  # fmt: skip
    print(f"contact sheet of {sum(sheet.tiles_per_page)} tiles: {sheet.pages} pages in"
          f" {time.perf_counter() - started:.1f} s (thumbnails made on the way)")  # fmt: skip
    thumbs.close()

    for entry in manifest["contents"]:
        original = Image.open(out / entry["original"]).size
        psd, ora = out / entry["psd"], out / entry["ora"]
        expected = 1 + len(entry["renders"])
        if shutil.which("gimp"):
            print(f"GIMP {entry['psd']}: {gimp_layers(psd)} (expected {original[0]}x{original[1]},"
                  f" {expected} layers)")  # fmt: skip
        if shutil.which("krita") and shutil.which("xvfb-run"):
            for source in (ora, psd):
                size = krita_export(source, work / f"krita-{source.stem}-{source.suffix[1:]}.png")
                verdict = "matches" if size == original else "DOES NOT match"
                print(f"Krita {source.name} -> PNG {size}: {verdict} the original {original}")
    if shutil.which("exiftool"):
        sidecars = sorted(out.rglob("*.png.xmp"))[:6]
        done = run(
            ["exiftool", "-j", "-XMP:Rating", "-XMP:Label", "-XMP:PickLabel", *map(str, sidecars)]
        )
        for item in json.loads(done.stdout):
            print(f"exiftool {Path(item['SourceFile']).name}: Rating {item.get('Rating')}"
                  f" PickLabel {item.get('PickLabel')}")  # fmt: skip
    if shutil.which("pdftoppm"):
        run(
            [
                "pdftoppm",
                "-r",
                "40",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(work / "sheet.pdf"),
                str(work / "sheet"),
            ]
        )
        pages = sorted(work.glob("sheet-*.png"))
        print(f"pdftoppm: page 1 of the sheet as {pages[0].name if pages else 'nothing'}"
              f" {Image.open(pages[0]).size if pages else ''}")  # fmt: skip
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
