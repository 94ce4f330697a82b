"""A picture of an image's statistics: luminance histogram, hue wheel and palette strip.

Drawn with Pillow alone, for `stylecore stats --report`, the app's loupe, contact sheets and
exports. Colours are fixed (a neutral mid-grey ground) so the hues read true.
"""

from __future__ import annotations

import colorsys
import math
from typing import Any

from PIL import Image, ImageDraw, ImageFont

GROUND = (118, 118, 118)
INK = (235, 235, 235)
FAINT = (150, 150, 150)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def luminance_histogram(stats: dict[str, Any], size: tuple[int, int]) -> Image.Image:
    """Bars of L* from black to white, each bar shaded with its own lightness."""
    width, height = size
    image = Image.new("RGB", size, GROUND)
    draw = ImageDraw.Draw(image)
    bins = stats["luminance_histogram"]
    peak = max(bins) or 1.0
    bar = width / len(bins)
    for index, value in enumerate(bins):
        shade = round(255 * (index + 0.5) / len(bins))
        top = height - 1 - round((height - 2) * value / peak)
        draw.rectangle(
            [round(index * bar), top, round((index + 1) * bar) - 1, height - 1], fill=(shade,) * 3
        )
    return image


def hue_wheel(stats: dict[str, Any], diameter: int) -> Image.Image:
    """A polar histogram: one wedge per 10-degree hue bin, as long as its share, in its hue."""
    image = Image.new("RGB", (diameter, diameter), GROUND)
    draw = ImageDraw.Draw(image)
    centre = diameter / 2
    radius = diameter / 2 - 2
    bins = stats["hue_histogram"]
    peak = max(bins) or 1.0
    draw.ellipse(
        [centre - radius, centre - radius, centre + radius, centre + radius], outline=FAINT
    )
    for index, value in enumerate(bins):
        if value <= 0:
            continue
        length = max(2.0, radius * math.sqrt(value / peak))
        start = 360 * index / len(bins) - 90
        red, green, blue = colorsys.hsv_to_rgb((index + 0.5) / len(bins), 0.85, 0.95)
        box = [centre - length, centre - length, centre + length, centre + length]
        draw.pieslice(
            box,
            start,
            start + 360 / len(bins),
            fill=(int(red * 255), int(green * 255), int(blue * 255)),
        )
    return image


def palette_strip(stats: dict[str, Any], size: tuple[int, int]) -> Image.Image:
    """The palette as a strip, each colour as wide as its share of the image."""
    width, height = size
    image = Image.new("RGB", size, GROUND)
    draw = ImageDraw.Draw(image)
    left = 0.0
    for entry in stats["palette"]:
        right = left + entry["share"] * width
        draw.rectangle(
            [round(left), 0, max(round(left), round(right) - 1), height - 1], fill=entry["hex"]
        )
        left = right
    return image


def draw_report(stats: dict[str, Any], title: str = "", width: int = 480) -> Image.Image:
    """The three panels stacked with their numbers and the verdict, `width` px wide."""
    pad = 10
    font, small = _font(15), _font(12)
    wheel = width // 3
    hist_size = (width - wheel - 3 * pad, wheel)
    height = pad + 20 + wheel + pad + 28 + pad + 86 + pad
    image = Image.new("RGB", (width, height), GROUND)
    draw = ImageDraw.Draw(image)
    draw.text((pad, pad), title or "image statistics", fill=INK, font=font)
    top = pad + 22
    image.paste(luminance_histogram(stats, hist_size), (pad, top))
    draw.text((pad + 4, top + 2), "value (L*)", fill=INK, font=small)
    image.paste(hue_wheel(stats, wheel), (width - wheel - pad, top))
    top += wheel + pad
    image.paste(palette_strip(stats, (width - 2 * pad, 28)), (pad, top))
    top += 28 + pad
    lines = [
        f"value contrast {stats['value_contrast']:.2f}   range {stats['dynamic_range']:.2f}"
        f"   edges {stats['edge_density']:.2f}   noise {stats['noise']:.2f}",
        f"blocking {stats['blocking']:.2f}   hue spread {stats['hue_spread']:.2f}"
        f"   complementary {stats['complementary']:.2f}",
        f"saturation {stats['saturation_mean']:.2f}   subject {stats['subject_strength']:.2f}",
    ]
    for line in lines:
        draw.text((pad, top), line, fill=INK, font=small)
        top += 17
    draw.text((pad, top + 2), _fit(stats["verdict"], 70), fill=INK, font=small)
    return image


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
