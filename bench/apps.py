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

import numpy as np
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
    """GIMP's own reading of a PSD: its size, every layer (inside groups too, top first as
    GIMP lists them), and how many carry a layer mask (gimp-layer-get-mask)."""
    script = f"""
    (define (walk items)
      (apply append
        (map (lambda (l)
               (if (= 1 (car (gimp-item-is-group l)))
                   (cons l (walk (vector->list (cadr (gimp-item-get-children l)))))
                   (list l)))
             items)))
    (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "{psd}" "{psd}")))
           (layers (walk (vector->list (cadr (gimp-image-get-layers image)))))
           (masked (length (filter (lambda (l) (not (= -1 (car (gimp-layer-get-mask l)))))
                                   layers)))
           (names (map (lambda (l) (car (gimp-item-get-name l))) layers)))
      (gimp-message (string-append "size " (number->string (car (gimp-image-width image)))
                                   "x" (number->string (car (gimp-image-height image)))
                                   " layers " (number->string (length layers))
                                   " masks " (number->string masked) ": "
                                   (apply string-append
                                          (map (lambda (n) (string-append n " | ")) names)))))
    """
    done = run(["gimp", "-i", "-c", "-b", script, "-b", "(gimp-quit 0)"])
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "size " in line]
    return lines[-1].split("size ", 1)[-1] if lines else f"GIMP said nothing: {done.stderr[-300:]}"


def composite_against_preview(studio: Studio, row, work: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Export one render alone (top masks, then subject masks), flatten each PSD with Krita
    and with psd-tools, and compare both with the loupe's stack preview at the render's size:
    mean absolute difference in 8-bit levels."""
    from psd_tools import PSDImage

    from curator.export import stack_preview

    lines = []
    render = Image.open(studio.renders / row.file).convert("RGB")
    photo = Image.open(studio.resolve(row.content)).convert("RGB")
    for masks in ("top", "subject"):
        out = work / f"alone-{masks}"
        options = ExportOptions(out, ora=False, xmp=False, masks=masks, force=True)
        _, manifest = export_renders(studio, [row], options)
        psd = out / manifest["contents"][0]["psd"]
        preview = np.asarray(stack_preview(photo, render, options), dtype=float)
        flattened = {"psd-tools": PSDImage.open(psd).composite().convert("RGB")}
        if shutil.which("krita") and shutil.which("xvfb-run"):
            target = work / f"krita-alone-{masks}.png"
            if isinstance(krita_export(psd, target), tuple):
                flattened["Krita"] = Image.open(target).convert("RGB")
        for who, image in flattened.items():
            small = np.asarray(image.resize(render.size, Image.Resampling.BOX), dtype=float)
            lines.append(
                f"stack preview vs {who}'s composite of the PSD (--masks {masks}): mean"
                f" absolute difference {np.abs(small - preview).mean():.2f} levels of 255"
            )
    return lines


def waifu2x_times(studio: Studio, row, work: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """waifu2x (the extra) 2x of one 512 px render, and Lanczos for scale."""
    from curator.upscale import Waifu2x, waifu2x_available

    if not waifu2x_available():
        return ["waifu2x: the extra is not installed (pip install 'style-curator[upscale]')"]
    render = Image.open(studio.renders / row.file).convert("RGB")
    size = (render.width * 2, render.height * 2)
    with Waifu2x() as upscaler:
        started = time.perf_counter()
        upscaler.enlarge(render, size)
        first = time.perf_counter() - started  # with the worker's start and model load
        started = time.perf_counter()
        enlarged = upscaler.enlarge(render, size)
        second = time.perf_counter() - started
    enlarged.save(work / "waifu2x-2x.png")
    started = time.perf_counter()
    render.resize(size, Image.Resampling.LANCZOS).save(work / "lanczos-2x.png")
    lanczos = time.perf_counter() - started
    return [
        f"waifu2x 2x of a {render.width}x{render.height} render: {second:.1f} s"
        f" ({first:.1f} s for the first, with the worker's start); Lanczos {lanczos:.2f} s"
    ]


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
        groups = {layer["group"] for layer in entry["stack"] if layer["group"]}
        expected = len(entry["stack"]) + len(groups)
        if shutil.which("gimp"):
            print(f"GIMP {entry['psd']}: {gimp_layers(psd)} (expected {original[0]}x{original[1]},"
                  f" {expected} layers and groups, masks on the renders and the base)")  # fmt: skip
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
    for line in composite_against_preview(studio, picks[0], work):
        print(line)
    for line in waifu2x_times(studio, picks[0], work):
        print(line)
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
