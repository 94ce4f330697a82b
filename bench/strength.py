"""Stylisation strength: stylecore's starts against neural-style's published outputs.

neural-style's README shows Tübingen in The Starry Night and in The Shipwreck at 512 px (its
defaults: 1000 L-BFGS iterations from noise, TV 1e-3). Its repository is fetched for reading
(`fetch github:jcjohnson/neural-style`; nothing of it is committed here): pass the folder
holding its `tubingen.jpg`, `starry_night.jpg`, `shipwreck.jpg`, `tubingen_starry.png` and
`tubingen_shipwreck.png`. stylecore renders each pair at 512 px with its defaults but each
`--cases` start and padding, as `stylecore render` processes, and every picture is measured:

- photo kept: SSIM of lightness with the photo's (1 = the photo's layout untouched)
- style colours: sliced Wasserstein distance of Lab pixels to the painting's (lower is closer)
- fine texture: the share of lightness variance above a 5x5 box blur (speckle, small strokes)
- border band: delta E between the outer 2 px and the strip 8-16 px in (a photo: about 1)
- dots: isolated colour specks per 10,000 pixels: a pixel whose chroma (Lab a, b) stands more
  than 20 from the median of its eight neighbours' while those neighbours agree (spread under
  6), so a pink or green speck in a flat area counts and a photo's fine detail (mostly
  lightness) or a stroke's edge (neighbours that disagree) does not

    python bench/strength.py NEURAL_STYLE_FOLDER [--cases preview:zeros content:reflect:0:0 ...]
        [--iterations 100] [--keep DIR] [--strip docs/ttq/strength.jpg]
"""

from __future__ import annotations

import argparse
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

from bench.engine import machine  # noqa: E402
from bench.ttq import CHILD_ENV, strip  # noqa: E402
from stylecore.stats.measure import (  # noqa: E402
    box_mean,
    colour_specks,
    linear_to_lab,
    srgb_to_linear,
)

PAIRS = {"starry": "starry_night.jpg", "shipwreck": "shipwreck.jpg"}
SIZE = 512


def lab(image: Image.Image) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return linear_to_lab(srgb_to_linear(rgb))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two lightness maps (0..100), 7x7 box windows."""

    def blur(x: np.ndarray) -> np.ndarray:
        return box_mean(x.astype(np.float32), 3)

    c1, c2 = (0.01 * 100) ** 2, (0.03 * 100) ** 2
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma**2, blur(b * b) - mb**2, blur(a * b) - ma * mb
    index = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
    return float(index.mean())


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: int = 64) -> float:
    """Mean 1-D Wasserstein distance of Lab pixel clouds along random directions."""
    rng = np.random.default_rng(0)
    pa, pb = a.reshape(-1, 3), b.reshape(-1, 3)
    n = min(len(pa), len(pb), 40_000)
    pa = pa[rng.choice(len(pa), n, replace=False)]
    pb = pb[rng.choice(len(pb), n, replace=False)]
    directions = rng.normal(size=(projections, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return float(np.mean(np.abs(np.sort(pa @ directions.T, 0) - np.sort(pb @ directions.T, 0))))


def fine_texture(lightness: np.ndarray) -> float:
    blurred = box_mean(lightness.astype(np.float32), 2)
    return float(np.var(lightness - blurred) / max(np.var(lightness), 1e-6))


def border_band(image_lab: np.ndarray) -> float:
    """The colour difference (delta E) between the mean of the outer 2 px and the mean of the
    strip 8-16 px in, averaged over the four sides: texture averages out along a side, a band
    does not (a photo scores about 1)."""
    sides = [image_lab, image_lab[::-1], image_lab.swapaxes(0, 1), image_lab.swapaxes(0, 1)[::-1]]
    return float(
        np.mean([np.linalg.norm(s[:2].mean((0, 1)) - s[8:16].mean((0, 1))) for s in sides])
    )


def measure(path: Path, content: Image.Image, style: Image.Image) -> dict[str, float]:
    image = Image.open(path).convert("RGB").resize(content.size, Image.Resampling.LANCZOS)
    image_lab, content_lab = lab(image), lab(content)
    return {
        "photo_kept": ssim(image_lab[..., 0], content_lab[..., 0]),
        "style_colours": sliced_wasserstein(image_lab, lab(style)),
        "fine_texture": fine_texture(image_lab[..., 0]),
        "border": border_band(image_lab),
        "dots": colour_specks(image_lab),
    }


def render(
    content: Path,
    style: Path,
    init: str,
    padding: str,
    smoothing: tuple[str, str],
    iterations: int,
    out: Path,
) -> float:
    command = [
        sys.executable, "-m", "stylecore.cli", "render", str(content), str(style), "-o", str(out),
        "--image-size", str(SIZE), "--num-iterations", str(iterations), "--init", init,
        "--padding", padding,
        "--device", "cpu", "--quiet",
    ]  # fmt: skip
    for flag, value in zip(("--tv-weight", "--chroma-tv-weight"), smoothing, strict=True):
        if value:
            command += [flag, value]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True, env=CHILD_ENV)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("neural_style", type=Path, help="folder with neural-style's images")
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument(
        "--cases", nargs="+", default=["preview:zeros", "content:zeros", "preview:reflect"],
        help="INIT:PADDING[:TV[:CHROMA_TV]] renders of each pair (the defaults' TV unless given)",
    )  # fmt: skip
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--strip", type=Path, help="write the pictures side by side here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-strength-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = args.neural_style
    content_path = source / "tubingen.jpg"
    content = Image.open(content_path).convert("RGB")
    content = content.resize((SIZE, round(content.height * SIZE / content.width)))
    print(f"# stylisation strength, {date.today()}, {machine()}; {SIZE} px")
    print(
        f"{'picture':40} {'photo kept':>10} {'style dist':>10} {'fine tex':>9} {'border':>7}"
        f" {'dots':>6}"
    )
    shown: list[tuple[str, Path]] = []

    def report(label: str, path: Path, style: Image.Image, extra: str = "") -> None:
        m = measure(path, content, style)
        print(
            f"{label:40} {m['photo_kept']:10.3f} {m['style_colours']:10.2f}"
            f" {m['fine_texture']:9.3f} {m['border']:7.2f} {m['dots']:6.2f}{extra}",
            flush=True,
        )

    content_file = folder / "tubingen_512.png"
    content.save(content_file)
    for pair in args.pairs:
        style_path = source / PAIRS[pair]
        style = Image.open(style_path).convert("RGB")
        report(f"photo (tubingen), vs {pair}", content_file, style)
        published = source / f"tubingen_{pair}.png"
        report(f"neural-style {pair} (1000, random)", published, style)
        shown += [("photo", content_file), (f"neural-style {pair}", published)]
        for case in args.cases:
            init, padding, tv, chroma = [*case.split(":"), "", ""][:4]
            tag = f"{init}_{padding}_{args.iterations}" + (f"_tv{tv}" if tv else "")
            tag += f"_chroma{chroma}" if chroma else ""
            out = folder / f"stylecore_{pair}_{tag}.png"
            if not out.exists():  # --keep DIR reuses a render made before
                seconds = render(
                    content_path, style_path, init, padding, (tv, chroma), args.iterations, out
                )
                took = f"  {seconds:.0f} s"
            else:
                took = "  (kept)"
            label = f"stylecore {pair} ({args.iterations}, {init}, {padding}"
            label += (f", tv {tv}" if tv else "") + (f", colour tv {chroma})" if chroma else ")")
            report(label, out, style, took)
            shown.append((tag.replace("_", " "), out))
    if args.strip:
        args.strip.parent.mkdir(parents=True, exist_ok=True)
        strip(shown, args.strip, height=192)
    print(f"(files in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
