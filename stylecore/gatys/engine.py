"""The Gatys et al. optimisation: content, style (Gram) and TV losses on VGG19 features.

A render optimises the pixels of an image so that its VGG19 activations match the content
image's at the content layers and its Gram matrices match the style images' (blended) at the
style layers. This module holds the whole loop: targets, losses, L-BFGS or Adam, colour
preservation, coarse-to-fine levels, and batches of renders that share a content image.

Pixels live in "Caffe space": BGR, 0..255, with the Caffe mean removed, the network's own
input. In luminance mode the optimised image is one channel of luminance (YIQ's Y, 0..255).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from stylecore import __version__
from stylecore.errors import DeviceError, SettingsError
from stylecore.gatys import color
from stylecore.gatys.lbfgs import BatchedLBFGS
from stylecore.gatys.vgg import CAFFE_MEAN_BGR, FeatureNet, build_network
from stylecore.images import load_rgb, resize_longest
from stylecore.rendering import InitPainter, ProgressCallback, RenderRequest
from stylecore.settings import RenderSettings

#: Luminance of the Caffe mean colour: the grey a random init starts from in luminance mode.
_MEAN_LUMA = 0.299 * CAFFE_MEAN_BGR[2] + 0.587 * CAFFE_MEAN_BGR[1] + 0.114 * CAFFE_MEAN_BGR[0]


# --------------------------------------------------------------------------- inputs / outputs


@dataclass
class Progress:
    """Reported after every iteration; `losses` (one per request) syncs the device when read."""

    iteration: int
    total: int
    level: int
    levels: int
    size: tuple[int, int]
    elapsed: float
    _losses: torch.Tensor = field(repr=False)

    @property
    def losses(self) -> list[float]:
        return [float(v) for v in self._losses.tolist()]


@dataclass
class LossReport:
    """Final losses of one render, weighted as in the objective."""

    total: float
    content: dict[str, float]
    style: dict[str, float]
    tv: float

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "content": self.content, "style": self.style, "tv": self.tv}


@dataclass
class RenderResult:
    request: RenderRequest
    image: Image.Image
    losses: LossReport
    initial_loss: float
    seconds: float
    seconds_per_step: float
    device: str
    levels: list[dict[str, Any]]

    def sidecar(self) -> dict[str, Any]:
        """What a render's JSON sidecar records about how it was made."""
        return {
            "engine": "gatys",
            "engine_version": __version__,
            "torch_version": torch.__version__,
            "device": self.device,
            "seconds": round(self.seconds, 3),
            "seconds_per_step": round(self.seconds_per_step, 5),
            "iterations": sum(level["iterations"] for level in self.levels),
            # "automatic": the engine chose the levels (RenderSettings.levels); "given": scales.
            "schedule": "given" if self.request.settings.scales else "automatic",
            "levels": self.levels,
            "size": list(self.image.size),
            "initial_loss": self.initial_loss,
            "losses": self.losses.to_dict(),
        }


SnapshotCallback = Callable[[int, list[Image.Image]], None]


# --------------------------------------------------------------------------- devices


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA, then MPS, then the CPU; an explicit device must exist."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name}: CUDA is not available here; use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise DeviceError(f"device {name}: only {count} CUDA device(s) here")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise DeviceError(f"device {name}: MPS is not available here; use --device cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"unsupported device {name!r}")
    return device


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


# --------------------------------------------------------------------------- tensors


def pil_to_rgb(image: Image.Image, device: torch.device) -> torch.Tensor:
    """(1, 3, H, W) float RGB 0..255."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0).to(device)


def rgb_to_caffe(rgb: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(CAFFE_MEAN_BGR, device=rgb.device, dtype=rgb.dtype).view(1, 3, 1, 1)
    return rgb.flip(1) - mean


def caffe_to_rgb(caffe: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(CAFFE_MEAN_BGR, device=caffe.device, dtype=caffe.dtype).view(1, 3, 1, 1)
    return (caffe + mean).flip(1)


def rgb_to_pil(rgb: torch.Tensor) -> Image.Image:
    """(3, H, W) RGB 0..255 tensor to an 8-bit PIL image."""
    array = rgb.detach().float().clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0)
    return Image.fromarray(array.cpu().numpy(), "RGB")


class _Gram(torch.autograd.Function):
    """G = F F^T / (C H W) per batch row, with a one-matmul backward.

    Autograd's own backward of F F^T does two matmuls (F is used twice); since G is symmetric
    the gradient is (dG + dG^T) F, one matmul. Channels-last features stay channels-last.
    """

    @staticmethod
    def forward(ctx: Any, features: torch.Tensor) -> torch.Tensor:
        b, c, h, w = features.shape
        flat = features.reshape(b, c, h * w)
        ctx.save_for_backward(flat)
        ctx.shape = (b, c, h, w)
        ctx.channels_last = (
            features.is_contiguous(memory_format=torch.channels_last)
            and not features.is_contiguous()
        )
        return torch.bmm(flat, flat.transpose(1, 2)) / (c * h * w)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (flat,) = ctx.saved_tensors
        b, c, h, w = ctx.shape
        sym = (grad + grad.transpose(1, 2)) / (c * h * w)
        if ctx.channels_last:
            out = torch.bmm(flat.transpose(1, 2), sym)  # (B, HW, C): channels-last memory
            return out.view(b, h, w, c).permute(0, 3, 1, 2)
        return torch.bmm(sym, flat).view(b, c, h, w)


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrices (B, C, C) normalised by the number of elements, as neural-style does."""
    return _Gram.apply(features)


def smoothness(image: torch.Tensor, weight: float, chroma_weight: float = 0.0) -> torch.Tensor:
    """Per-row TV from one set of right and down neighbour differences.

    `weight` times half their summed squares (neural-style's TVLoss), plus `chroma_weight` times
    the same of each difference less its mean over the channels: a change of lightness (equal in
    B, G and R) costs nothing there and a change of colour costs as in the plain term.
    """
    x_diff = image[:, :, :-1, 1:] - image[:, :, :-1, :-1]
    y_diff = image[:, :, 1:, :-1] - image[:, :, :-1, :-1]

    def half_squares(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return 0.5 * (x.square().sum((1, 2, 3)) + y.square().sum((1, 2, 3)))

    total = torch.zeros(image.shape[0], device=image.device, dtype=image.dtype)
    if weight > 0:
        total = total + half_squares(x_diff, y_diff) * weight
    if chroma_weight > 0:
        chroma_x = x_diff - x_diff.mean(1, keepdim=True)
        chroma_y = y_diff - y_diff.mean(1, keepdim=True)
        total = total + half_squares(chroma_x, chroma_y) * chroma_weight
    return total


# --------------------------------------------------------------------------- the objective


@dataclass
class Objective:
    """Content, style and TV losses of a batch against fixed targets, one total per row."""

    net: FeatureNet
    settings: RenderSettings
    content_targets: dict[str, torch.Tensor]  # layer -> (1, C, H, W)
    style_targets: dict[str, torch.Tensor]  # layer -> (B, C, C)
    luminance: bool
    autocast_dtype: torch.dtype | None = None
    channels_last: bool = True

    def bounds(self, param: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The parameter's displayable range, (low, high) broadcastable to it.

        Pixels that run free during optimisation are clipped at save, and the saved PNG then
        scores well above the engine's own final loss (1.2-1.9x on held-out pairs, 17% from
        clamping alone at 128 px): the engine keeps every step inside this range instead.
        """
        if self.luminance:
            low = torch.zeros(1, 1, 1, 1, device=param.device, dtype=param.dtype)
            return low, low + 255.0
        mean = torch.tensor(CAFFE_MEAN_BGR, device=param.device, dtype=param.dtype)
        low = -mean.view(1, 3, 1, 1)
        return low, low + 255.0

    def quantised(self, param: torch.Tensor) -> torch.Tensor:
        """`param` as the saved 8-bit image holds it (rounded to whole levels)."""
        with torch.no_grad():
            if self.luminance:
                return param.clamp(0, 255).round()
            rgb = caffe_to_rgb(param).clamp(0, 255).round()
            return rgb_to_caffe(rgb)

    def network_input(self, param: torch.Tensor) -> torch.Tensor:
        """Caffe-space BGR input for the network from the optimised parameter."""
        if self.luminance:
            mean = torch.tensor(CAFFE_MEAN_BGR, device=param.device, dtype=param.dtype)
            x = param.expand(-1, 3, -1, -1) - mean.view(1, 3, 1, 1)
        else:
            x = param
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.autocast_dtype is None:
            return self.net(x)
        with torch.autocast(x.device.type, dtype=self.autocast_dtype):
            feats = self.net(x)
        return {name: f.float() for name, f in feats.items()}

    def breakdown(
        self, param: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor]:
        """(total, content per layer, style per layer, tv), each per row (B,)."""
        s = self.settings
        feats = self.features(self.network_input(param))
        total = torch.zeros(param.shape[0], device=param.device)
        content: dict[str, torch.Tensor] = {}
        for layer, weight in zip(s.content_layers, s.layer_weights("content"), strict=True):
            diff = feats[layer] - self.content_targets[layer]
            content[layer] = diff.square().mean((1, 2, 3)) * (s.content_weight * weight)
            total = total + content[layer]
        style: dict[str, torch.Tensor] = {}
        for layer, weight in zip(s.style_layers, s.layer_weights("style"), strict=True):
            diff = gram(feats[layer]) - self.style_targets[layer]
            style[layer] = diff.square().mean((1, 2)) * (s.style_weight * weight)
            total = total + style[layer]
        channels = 3.0 if self.luminance else 1.0
        chroma = 0.0 if self.luminance else s.chroma_tv_weight  # one channel has no colour
        tv = smoothness(param, s.tv_weight * channels, chroma)
        total = total + tv
        return total, content, style, tv

    def report(self, param: torch.Tensor) -> list[LossReport]:
        """Per-row losses at `param`, as plain numbers."""
        with torch.no_grad():
            total, content, style, tv = self.breakdown(param)
        return [
            LossReport(
                total=float(total[row]),
                content={k: float(v[row]) for k, v in content.items()},
                style={k: float(v[row]) for k, v in style.items()},
                tv=float(tv[row]),
            )
            for row in range(param.shape[0])
        ]


# --------------------------------------------------------------------------- the renderer


class Renderer:
    """The Gatys engine on one device (a `RenderEngine`); networks and weights are loaded once
    and reused."""

    def __init__(
        self,
        device: str | torch.device = "auto",
        channels_last: bool = True,
        init_painter: InitPainter | None = None,
    ) -> None:
        """`init_painter`: what paints the start of an `init = "preview"` render."""
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.init_painter = init_painter
        # channels_last helps oneDNN (CPU) and cuDNN; MPS gains nothing from it.
        self.channels_last = channels_last and self.device.type in ("cpu", "cuda")
        self._networks: dict[tuple[str, str, str, tuple[str, ...]], FeatureNet] = {}
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True

    def network(self, settings: RenderSettings) -> FeatureNet:
        key = (settings.weights, settings.pooling, settings.padding, settings.capture_layers())
        net = self._networks.get(key)
        if net is None:
            net = build_network(
                settings.weights,
                settings.capture_layers(),
                pooling=settings.pooling,
                device=self.device,
                channels_last=self.channels_last,
                padding=settings.padding,
            )
            self._networks[key] = net
        return net

    def render(
        self,
        request: RenderRequest,
        on_progress: ProgressCallback | None = None,
        *,
        save_every: int = 0,
        on_snapshot: SnapshotCallback | None = None,
    ) -> RenderResult:
        return self.render_batch(
            [request], on_progress, save_every=save_every, on_snapshot=on_snapshot
        )[0]

    def render_batch(
        self,
        requests: Sequence[RenderRequest],
        on_progress: ProgressCallback | None = None,
        *,
        save_every: int = 0,
        on_snapshot: SnapshotCallback | None = None,
    ) -> list[RenderResult]:
        """Render several requests that share content, settings and init in one batch.

        Each row has its own style targets, its own seed and (with L-BFGS) its own history, so
        a request renders the same in a batch as alone.
        """
        if not requests:
            return []
        first = requests[0]
        settings = first.settings
        for other in requests[1:]:
            if (
                other.content != first.content
                or other.init_image != first.init_image
                or other.settings.replace(seed=settings.seed) != settings
            ):
                raise SettingsError("a batch must share content, init image and settings")
        started = time.perf_counter()
        largest = max(size for size, _ in settings.levels())
        style_largest = max(16, round(largest * settings.style_scale))
        content_image = load_rgb(first.content, largest)
        style_images = {s.path: load_rgb(s.path, style_largest) for r in requests for s in r.styles}
        init_source = load_rgb(first.init_image, largest) if first.init_image else None
        painted: list[Image.Image] = []
        if settings.init == "preview":
            if self.init_painter is None:
                raise SettingsError(
                    "init 'preview' needs the preview engine; this renderer was made without it"
                )
            painted = [
                self._in_style_colours(
                    self.init_painter(request, levels_first_size(settings)), request, style_images
                )
                for request in requests
            ]
        torch.manual_seed(settings.seed)

        net = self.network(settings)
        levels = settings.levels()
        total_iterations = sum(iterations for _, iterations in levels)
        autocast = _autocast_dtype(settings.precision, self.device)
        luminance = settings.original_colors == "luminance"
        done = 0
        param: torch.Tensor | None = None
        level_log: list[dict[str, Any]] = []
        initial_losses: list[float] = []
        optimise_seconds = 0.0
        objective: Objective | None = None
        content_rgb = torch.empty(0)
        for level_index, (size, iterations) in enumerate(levels):
            level_started = time.perf_counter()
            content_rgb = pil_to_rgb(
                resize_longest(content_image, size, path=first.content), self.device
            )
            objective = self._objective(
                net, settings, requests, content_rgb, style_images, size, luminance, autocast
            )
            height, width = content_rgb.shape[-2:]
            if param is None:
                param = self._initial(requests, content_rgb, init_source, luminance, painted)
            else:
                param = torch.nn.functional.interpolate(
                    param, size=(height, width), mode="bicubic", align_corners=False
                )
            param = param.detach().contiguous().requires_grad_(True)
            if level_index == 0:
                initial_losses = [r.total for r in objective.report(param)]
            optimise_started = time.perf_counter()
            done = self._optimise(
                objective,
                param,
                settings,
                iterations,
                done,
                total_iterations,
                level_index,
                len(levels),
                started,
                on_progress,
                save_every,
                on_snapshot,
                content_rgb,
            )
            optimise_seconds += time.perf_counter() - optimise_started
            level_log.append(
                {
                    "size": [width, height],
                    "iterations": iterations,
                    "seconds": round(time.perf_counter() - level_started, 3),
                }
            )
        assert param is not None and objective is not None
        # The loss of what is saved: 8-bit pixels (the optimisation kept them in range).
        reports = objective.report(objective.quantised(param))
        images = self._to_images(param, content_rgb, luminance)
        elapsed = time.perf_counter() - started
        per_step = optimise_seconds / max(1, total_iterations) / len(requests)
        device_name = describe_device(self.device)
        return [
            RenderResult(
                request=request,
                image=images[row],
                losses=reports[row],
                initial_loss=initial_losses[row],
                seconds=elapsed / len(requests),
                seconds_per_step=per_step,
                device=device_name,
                levels=level_log,
            )
            for row, request in enumerate(requests)
        ]

    # ----------------------------------------------------------------- steps of a render

    def _objective(
        self,
        net: FeatureNet,
        settings: RenderSettings,
        requests: Sequence[RenderRequest],
        content_rgb: torch.Tensor,
        style_images: dict[Path, Image.Image],
        size: int,
        luminance: bool,
        autocast: torch.dtype | None,
    ) -> Objective:
        """Content and blended style targets for one level, computed without gradients."""
        probe = Objective(net, settings, {}, {}, luminance, autocast, self.channels_last)
        content_y = color.luminance(content_rgb)
        with torch.no_grad():
            content_param = content_y if luminance else rgb_to_caffe(content_rgb)
            feats = probe.features(probe.network_input(content_param))
            content_targets = {k: feats[k].float().clone() for k in settings.content_layers}
            style_size = max(16, round(size * settings.style_scale))
            grams: dict[Path, dict[str, torch.Tensor]] = {}
            rows: list[dict[str, torch.Tensor]] = []
            for request in requests:
                blend: dict[str, torch.Tensor] = {}
                norm = sum(s.weight for s in request.styles)
                for style in request.styles:
                    if style.path not in grams:
                        image = resize_longest(
                            style_images[style.path], style_size, path=style.path
                        )
                        style_rgb = pil_to_rgb(image, self.device)
                        if settings.original_colors == "histogram":
                            style_rgb = color.match_color_histogram(
                                style_rgb[0], content_rgb[0]
                            ).unsqueeze(0)
                        if luminance:
                            style_param = color.match_luminance(
                                color.luminance(style_rgb), content_y
                            )
                        else:
                            style_param = rgb_to_caffe(style_rgb)
                        sfeats = probe.features(probe.network_input(style_param))
                        grams[style.path] = {
                            k: gram(sfeats[k].float())[0] for k in settings.style_layers
                        }
                    for layer, g in grams[style.path].items():
                        part = g * (style.weight / norm)
                        blend[layer] = blend[layer] + part if layer in blend else part
                rows.append(blend)
            style_targets = {
                layer: torch.stack([row[layer] for row in rows]).clone()
                for layer in settings.style_layers
            }
        return Objective(
            net, settings, content_targets, style_targets, luminance, autocast, self.channels_last
        )

    def _in_style_colours(
        self, painted: Image.Image, request: RenderRequest, style_images: dict[Path, Image.Image]
    ) -> Image.Image:
        """The preview's start with its colours moved to the paintings' mean and covariance.

        The preview network has a palette of its own (Tubingen x The Starry Night: a teal sky),
        which 100 iterations do not undo: at 512 px the render sat at 7.0 from the painting's
        colours against 4.4 from the photo's start and 3.7 for neural-style's output. Moved to the
        painting's colour moments first, the same render is at 6.0 and keeps the preview's
        head start (bench/RESULTS.md, "Stylisation strength"). Only where the render takes the
        painting's colours (`original_colors = "none"`); a blend's palette is the weighted
        mixture of its styles'.
        """
        if request.settings.original_colors != "none":
            return painted
        parts = [
            (s.weight, *color.color_moments(pil_to_rgb(style_images[s.path], self.device)))
            for s in request.styles
            if s.weight > 0
        ]
        if not parts:
            return painted
        start = pil_to_rgb(painted, self.device)[0]
        return rgb_to_pil(color.match_color_moments(start, *color.blend_moments(parts)))

    def _initial(
        self,
        requests: Sequence[RenderRequest],
        content_rgb: torch.Tensor,
        init_source: Image.Image | None,
        luminance: bool,
        painted: Sequence[Image.Image] = (),
    ) -> torch.Tensor:
        settings = requests[0].settings
        batch = len(requests)
        height, width = content_rgb.shape[-2:]
        channels = 1 if luminance else 3
        if settings.init == "random":
            rows = []
            for request in requests:
                generator = torch.Generator().manual_seed(request.settings.seed)
                rows.append(torch.randn(channels, height, width, generator=generator) * 0.001)
            noise = torch.stack(rows).to(self.device)
            return noise + _MEAN_LUMA if luminance else noise
        if settings.init == "preview":
            start_rgb = torch.cat(
                [
                    pil_to_rgb(p.resize((width, height), Image.Resampling.LANCZOS), self.device)
                    for p in painted
                ]
            )
        elif settings.init == "image":
            assert init_source is not None
            resized = init_source.resize((width, height), Image.Resampling.LANCZOS)
            start_rgb = pil_to_rgb(resized, self.device)
        else:
            start_rgb = content_rgb
        start = color.luminance(start_rgb) if luminance else rgb_to_caffe(start_rgb)
        start = start.expand(batch, -1, -1, -1).clone()
        if settings.init_noise > 0:
            for row, request in enumerate(requests):
                generator = torch.Generator().manual_seed(request.settings.seed)
                noise = torch.randn(start.shape[1:], generator=generator) * settings.init_noise
                start[row] += noise.to(self.device)
        return start

    def _optimise(
        self,
        objective: Objective,
        param: torch.Tensor,
        settings: RenderSettings,
        iterations: int,
        done: int,
        total: int,
        level: int,
        levels: int,
        started: float,
        on_progress: ProgressCallback | None,
        save_every: int,
        on_snapshot: SnapshotCallback | None,
        content_rgb: torch.Tensor,
    ) -> int:
        # fp16 activations would underflow the tiny per-pixel gradients: scale the loss up for
        # the backward pass and the gradient back down (a static scale is enough here).
        grad_scale = 1024.0 if objective.autocast_dtype == torch.float16 else 1.0

        def closure() -> torch.Tensor:
            param.grad = None
            losses = objective.breakdown(param)[0]
            (losses.sum() * grad_scale).backward()
            if grad_scale != 1.0 and param.grad is not None:
                param.grad.div_(grad_scale)
            return losses.detach()

        size = (int(param.shape[-1]), int(param.shape[-2]))
        step: Callable[[], torch.Tensor]
        low, high = objective.bounds(param)
        if settings.optimizer == "lbfgs":
            lbfgs = BatchedLBFGS(
                param, history_size=settings.lbfgs_history, lr=1.0, bounds=(low, high)
            )

            def evaluate(trial: torch.Tensor) -> torch.Tensor:
                with torch.no_grad():
                    return objective.breakdown(trial)[0]

            def step() -> torch.Tensor:
                return lbfgs.step(closure, evaluate)
        else:
            adam = torch.optim.Adam([param], lr=settings.learning_rate)

            def step() -> torch.Tensor:
                losses = closure()
                adam.step()
                with torch.no_grad():
                    param.clamp_(low, high)
                return losses

        for _ in range(iterations):
            losses = step()
            done += 1
            if on_progress is not None:
                on_progress(
                    Progress(
                        done, total, level, levels, size, time.perf_counter() - started, losses
                    )
                )
            if save_every and on_snapshot is not None and done % save_every == 0 and done < total:
                on_snapshot(done, self._to_images(param, content_rgb, objective.luminance))
        return done

    def _to_images(
        self, param: torch.Tensor, content_rgb: torch.Tensor, luminance: bool
    ) -> list[Image.Image]:
        with torch.no_grad():
            if luminance:
                rgb = color.recombine_luminance(param.detach(), content_rgb)
            else:
                rgb = caffe_to_rgb(param.detach())
        return [rgb_to_pil(row) for row in rgb]


def levels_first_size(settings: RenderSettings) -> int:
    """The longest side of a render's first (smallest) level: where its start is painted."""
    return settings.levels()[0][0]


def _autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    if precision == "fp32":
        return None
    if device.type == "mps":
        raise SettingsError(f"precision {precision} is supported on CUDA and the CPU, not MPS")
    return torch.bfloat16 if precision == "bf16" else torch.float16
