"""The validation set of the style statistics: orderings the artists' rules imply.

Each case makes two images, A and B, from the bundled samples or from scratch, and says how
one metric must compare between them. Every transformation works at the analysis size (256
px), where the statistics are measured, so a blur or a noise means the same on every image.
A new measure gets its cases here; `test_stats_validation.py` checks them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from stylecore.images import load_rgb
from stylecore.stats.measure import ANALYSIS_SIZE, analysis_copy

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
STYLE_NAMES = ("shipwreck.jpg", "starry_night.jpg", "the_scream.jpg", "woman-with-hat-matisse.jpg")

Maker = Callable[[], Image.Image]


@dataclass(frozen=True)
class Case:
    """`metric` of `b` must be greater than that of `a` by more than `margin` (a negative
    margin allows B to fall short by that much: "does not lower")."""

    name: str
    metric: str
    a: Maker
    b: Maker
    margin: float = 0.0


def style(name: str) -> Image.Image:
    return analysis_copy(load_rgb(SAMPLES / "styles" / name, ANALYSIS_SIZE))


def blurred(image: Image.Image) -> Image.Image:
    """A Gaussian blur of 1% of the longest side: areas flatten, boundaries go soft."""
    return image.filter(ImageFilter.GaussianBlur(max(image.size) / 100))


def posterised(image: Image.Image) -> Image.Image:
    """2 bits per channel: colour blocking itself."""
    return ImageOps.posterize(image, 2)


def with_fine_noise(image: Image.Image, sigma: float = 25.0) -> Image.Image:
    """Per-pixel Gaussian noise: contrast that averages away when downsized."""
    array = np.asarray(image, dtype=np.float64)
    noise = np.random.default_rng(0).normal(0.0, sigma, array.shape)
    return Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))


def tiled_motif(image: Image.Image, side: int = 16) -> Image.Image:
    """A small high-contrast motif cut from the image, tiled over its whole size."""
    motif = ImageOps.autocontrast(image.crop((0, 0, side, side)))
    out = Image.new("RGB", image.size)
    for y in range(0, image.height, side):
        for x in range(0, image.width, side):
            out.paste(motif, (x, y))
    return out


def mondrian() -> Image.Image:
    """Flat primaries and white butted against black bars."""
    a = np.full((256, 256, 3), 240, np.uint8)
    a[0:100, 0:120] = (200, 30, 30)
    a[150:256, 170:256] = (30, 40, 160)
    a[110:140, :] = 20
    a[:, 128:136] = 20
    a[210:256, 0:90] = (240, 210, 40)
    return Image.fromarray(a)


def two_hues(first: float, second: float) -> Image.Image:
    """Left half one hue, right half another (HSV hue in 0..1, full saturation)."""
    import colorsys

    a = np.zeros((128, 256, 3), np.uint8)
    for half, hue in ((slice(0, 128), first), (slice(128, 256), second)):
        a[:, half] = [round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.8, 0.8)]
    return Image.fromarray(a)


def centred_subject() -> Image.Image:
    """One round red shape on a plain pale ground."""
    a = np.full((192, 256, 3), 225, np.uint8)
    ys, xs = np.mgrid[0:192, 0:256]
    a[((ys - 96) / 50.0) ** 2 + ((xs - 128) / 60.0) ** 2 <= 1] = (180, 40, 30)
    return Image.fromarray(a)


def landscape() -> Image.Image:
    """Horizontal bands of sky, hills and field, detail spread evenly over all of it."""
    rng = np.random.default_rng(1)
    a = np.zeros((192, 256, 3), np.float64)
    a[:70] = (150, 180, 220)
    a[70:120] = (70, 110, 60)
    a[120:] = (150, 140, 70)
    a[70:] += rng.normal(0, 30, a[70:].shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _cases() -> list[Case]:
    cases: list[Case] = []
    for name in STYLE_NAMES:
        stem = Path(name).stem

        def original(name: str = name) -> Image.Image:
            return style(name)

        def blur(name: str = name) -> Image.Image:
            return blurred(style(name))

        def poster(name: str = name) -> Image.Image:
            return posterised(style(name))

        def noisy(name: str = name) -> Image.Image:
            return with_fine_noise(style(name))

        def tiled(name: str = name) -> Image.Image:
            return tiled_motif(style(name))

        cases += [
            Case(f"blur lowers blocking ({stem})", "blocking", blur, original),
            Case(f"blur lowers edge density ({stem})", "edge_density", blur, original),
            Case(f"blur lowers boundary sharpness ({stem})", "boundary_sharpness", blur, original),
            # Starry Night is already nearly all boundary: posterising keeps it level.
            Case(
                f"posterise does not lower blocking ({stem})",
                "blocking",
                original,
                poster,
                margin=-0.01,
            ),
            Case(f"fine noise raises noise ({stem})", "noise", original, noisy),
            Case(
                f"fine noise does not raise blocking ({stem})",
                "blocking",
                noisy,
                original,
                margin=-0.005,
            ),
            Case(f"a tiled motif raises patterning ({stem})", "patterning", original, tiled),
        ]
    cases += [
        Case(
            "posterise raises blocking (shipwreck)",
            "blocking",
            lambda: style("shipwreck.jpg"),
            lambda: posterised(style("shipwreck.jpg")),
            margin=0.03,
        ),
        Case(
            "a Mondrian beats its blurred copy", "blocking", lambda: blurred(mondrian()), mondrian
        ),
        Case(
            "complementary two colours beat one hue",
            "complementary",
            lambda: two_hues(0.02, 0.06),
            lambda: two_hues(0.02, 0.52),
            margin=0.3,
        ),
        Case(
            "a centred subject on a plain ground beats a landscape",
            "subject_strength",
            landscape,
            centred_subject,
            margin=0.3,
        ),
    ]
    return cases


CASES = _cases()
