"""The painterly base layer of an export, and the masks of its layer stack.

The artists build this layer by hand in Photoshop (Facet, then Dry Brush): the photo with its
noise and fine texture gone, flat areas of colour with crisp edges between them, and the
photo's own detail masked back in where it matters. Here: a Kuwahara filter (each pixel takes
the mean of whichever of its four neighbouring quadrants is calmest, so areas flatten while
edges stay sharp; applied twice, the Facet look), then the colours reduced to a small palette
(median cut: the Dry Brush posterised look). A bilateral filter keeps more texture and a
mean-shift is far slower for the same look; Kuwahara's flat, edge-hugging patches are the
nearest to the filters the artists name (looked at on the bundled photos: docs/base/).

Everything is numpy on summed-area tables, O(pixels): about a second for a 2048 px photo.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from stylecore.stats.measure import box_mean, linear_to_lab, sobel, srgb_to_linear

#: Kuwahara radius as a share of the photo's longest side (5 px at 1024 px).
RADIUS_SHARE = 1 / 200
#: Colours the base keeps.
PALETTE = 24


def kuwahara(rgb: np.ndarray, radius: int) -> np.ndarray:
    """Kuwahara filter of an (H, W, 3) float image: every pixel becomes the mean of the
    (r+1)x(r+1) quadrant around it, of four, with the least luminance variance."""
    luma = rgb @ np.array([0.299, 0.587, 0.114], dtype=rgb.dtype)
    half = radius // 2 + (radius % 2)
    # Means over (2*half+1)^2 windows, then shifted to the four quadrant centres.
    means = [box_mean(rgb[..., c], half) for c in range(3)]
    luma_mean = box_mean(luma, half)
    luma_var = box_mean(luma * luma, half) - luma_mean**2
    best_var = np.full(luma.shape, np.inf, dtype=rgb.dtype)
    out = np.empty_like(rgb)
    for dy in (-half, half):
        for dx in (-half, half):
            var = _shift(luma_var, dy, dx)
            better = var < best_var
            best_var = np.where(better, var, best_var)
            for c in range(3):
                out[..., c] = np.where(better, _shift(means[c], dy, dx), out[..., c])
    return out


def _shift(array: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """`array` read at (y + dy, x + dx), edges replicated."""
    h, w = array.shape
    pad = max(abs(dy), abs(dx))
    padded = np.pad(array, pad, mode="edge")
    return padded[pad + dy : pad + dy + h, pad + dx : pad + dx + w]


def painterly(
    photo: Image.Image, colours: int = PALETTE, brush: float = RADIUS_SHARE
) -> Image.Image:
    """The base layer: the photo flattened (Kuwahara twice, radius `brush` x its longest
    side) and posterised to `colours` colours."""
    rgb = np.asarray(photo.convert("RGB"), dtype=np.float32) / 255.0
    radius = max(2, round(max(photo.size) * brush))
    flat = kuwahara(kuwahara(rgb, radius), radius)
    image = Image.fromarray((np.clip(flat, 0, 1) * 255 + 0.5).astype(np.uint8))
    return image.quantize(colours, method=Image.Quantize.MEDIANCUT).convert("RGB")


def _working_lab(photo: Image.Image, longest: int) -> np.ndarray:
    """The photo at a working size, in CIELAB / 100 (the statistics' colour space)."""
    small = photo.convert("RGB")
    small.thumbnail((longest, longest), Image.Resampling.BOX)
    rgb = np.asarray(small, dtype=np.float64) / 255.0
    return linear_to_lab(srgb_to_linear(rgb)) / 100.0


def detail_map(photo: Image.Image, longest: int = 512) -> np.ndarray:
    """Where the photo's detail matters, 0..1 at a working size: strong edges of value and
    colour, spread softly (the photo shows through there; elsewhere the base covers it)."""
    lab = _working_lab(photo, longest)
    gradient = np.sqrt(sum(sobel(lab[..., c]) ** 2 for c in range(3)))
    spread = box_mean(box_mean(gradient, 3), 3)
    top = float(np.percentile(spread, 98)) or 1.0
    return np.clip(spread / top, 0.0, 1.0)


def subject_map(photo: Image.Image, longest: int = 512) -> np.ndarray:
    """How much each part of the photo is its subject, 0..1 at a working size: colour
    distinct from the frame's median plus detail, weighted towards the centre (the same cues
    as the statistics' subject strength), softened."""
    lab = _working_lab(photo, longest)
    h, w, _ = lab.shape
    blurred = np.stack([box_mean(lab[..., c], 4) for c in range(3)], axis=-1)
    ys, xs = np.mgrid[0:h, 0:w]
    ny, nx = (ys + 0.5) / h - 0.5, (xs + 0.5) / w - 0.5
    border = (np.abs(ny) > 0.4) | (np.abs(nx) > 0.4)
    distinct = np.linalg.norm(blurred - np.median(blurred[border], axis=0), axis=-1)
    detail = box_mean(sobel(lab[..., 0]), 6)
    saliency = sum(part / max(float(part.max()), 1e-6) for part in (distinct, detail))
    centred = saliency * np.exp(-((nx / 0.35) ** 2 + (ny / 0.35) ** 2))
    soft = box_mean(box_mean(centred, 8), 8)
    top = float(np.percentile(soft, 99)) or 1.0
    return np.clip(soft / top, 0.0, 1.0)


def mask_image(values: np.ndarray, size: tuple[int, int], feather: float = 0.01) -> Image.Image:
    """A 0..1 map as a layer mask of `size` (white reveals), soft-edged."""
    mask = Image.fromarray((np.clip(values, 0, 1) * 255 + 0.5).astype(np.uint8), "L")
    mask = mask.resize(size, Image.Resampling.BILINEAR)
    return mask.filter(ImageFilter.GaussianBlur(max(1.0, max(size) * feather)))


def base_mask(photo: Image.Image) -> Image.Image:
    """The base layer's mask: the base everywhere, the photo through it on strong detail."""
    return mask_image(1.0 - detail_map(photo), photo.size)
