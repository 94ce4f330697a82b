"""The exported stack of one photo, layer by layer, as a picture for docs/base/.

Makes a studio of one bundled photo and the four bundled paintings, renders the four pairs
with the preview engine (real stylisations, a second each), rates them, exports with
`--masks subject`, reads the PSD back with psd-tools and draws each layer (bottom to top) with
its mask beside it, then the composite the PSD opens as.

    python bench/stack_layers.py [--photo chelsea] [--out docs/base/stack-chelsea.jpg]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from curator.catalog import Catalog, Rating  # noqa: E402
from curator.export import ExportOptions, export_renders  # noqa: E402
from stylecore.studio.folder import Studio  # noqa: E402

CELL = 220  # the width of one picture in the strip


def curator(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "curator.cli", *args], check=True, timeout=900)


def thumb(image: Image.Image) -> Image.Image:
    image = image.convert("RGB")
    return image.resize((CELL, round(image.height * CELL / image.width)), Image.Resampling.BOX)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", default="chelsea")
    parser.add_argument("--out", type=Path, default=REPO / "docs/base/stack-chelsea.jpg")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stack-layers-"))
    studio = Studio.init(work / "studio")
    photo = next(p for p in (REPO / "samples/contents").iterdir() if p.stem == args.photo)
    shutil.copy(photo, studio.contents / photo.name)
    for style in (REPO / "samples/styles").iterdir():
        shutil.copy(style, studio.styles / style.name)
    root = str(studio.root)
    curator("preview", root, "--contents", str(studio.contents / photo.name), "--size", "512")
    curator("render", root, "--until-idle", "--quiet")
    with Catalog(studio) as catalog:
        catalog.scan()
        rows = catalog.all()
        catalog.set_ratings({row.id: Rating(4, "pick", "") for row in rows})
        rows = [catalog.get(row.id) for row in rows]
    out = work / "export"
    _, manifest = export_renders(studio, rows, ExportOptions(out, ora=False, masks="subject"))
    from psd_tools import PSDImage

    psd = PSDImage.open(out / manifest["contents"][0]["psd"])
    layers = [layer for layer in psd.descendants() if not layer.is_group()]
    height = thumb(psd.composite()).height
    rows_needed = len(layers) + 1
    sheet = Image.new("RGB", (2 * CELL + 30, rows_needed * (height + 28) + 10), "white")
    draw = ImageDraw.Draw(sheet)
    for index, layer in enumerate(layers):  # bottom to top
        y = 10 + index * (height + 28)
        draw.text((10, y), f"{index + 1}. {layer.name}"[:60], fill="black")
        sheet.paste(thumb(layer.topil()), (10, y + 14))
        if layer.mask is not None:
            mask = layer.mask.topil()
            full = Image.new("L", psd.size, layer.mask.background_color)
            full.paste(mask, (layer.mask.left, layer.mask.top))
            sheet.paste(thumb(full), (20 + CELL, y + 14))
            draw.text((20 + CELL, y), "its mask (white reveals)", fill="black")
        else:
            draw.text((20 + CELL, y), "no mask", fill="black")
    y = 10 + len(layers) * (height + 28)
    draw.text((10, y), "the composite: what the PSD opens as", fill="black")
    sheet.paste(thumb(psd.composite()), (10, y + 14))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=85)
    names = ", ".join(layer.name for layer in layers)
    print(f"{args.out}: {len(layers)} layers, bottom to top: {names}")
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
