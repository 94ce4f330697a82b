"""Colour preservation, both methods of Gatys et al. 2017, "Controlling Perceptual Factors in
Neural Style Transfer":

- luminance-only transfer: style transfer runs on luminance alone (the style's luminance first
  matched to the content's mean and spread), then the result's luminance is recombined with the
  content's chroma, so the content's colours come back exactly;
- colour histogram matching: the style image's colours are moved, by a linear map, to the
  content's mean and covariance before rendering.

Images here are float tensors (..., 3, H, W) in RGB, 0..255.
"""

from __future__ import annotations

import torch

# NTSC YIQ; Y is the luminance channel Gatys et al. use.
_RGB_TO_YIQ = torch.tensor(
    [
        [0.299, 0.587, 0.114],
        [0.595716, -0.274453, -0.321263],
        [0.211456, -0.522591, 0.311135],
    ]
)
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def _apply(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,...jhw->...ihw", matrix.to(image), image)


def rgb_to_yiq(rgb: torch.Tensor) -> torch.Tensor:
    return _apply(_RGB_TO_YIQ, rgb)


def yiq_to_rgb(yiq: torch.Tensor) -> torch.Tensor:
    return _apply(_YIQ_TO_RGB, yiq)


def luminance(rgb: torch.Tensor) -> torch.Tensor:
    """Y of YIQ, shape (..., 1, H, W), same 0..255 scale as the input."""
    return rgb_to_yiq(rgb)[..., :1, :, :]


def match_luminance(style_y: torch.Tensor, content_y: torch.Tensor) -> torch.Tensor:
    """Shift and scale the style's luminance to the content's mean and standard deviation."""
    s_mean, s_std = style_y.mean(), style_y.std()
    c_mean, c_std = content_y.mean(), content_y.std()
    return (style_y - s_mean) * (c_std / s_std.clamp_min(1e-6)) + c_mean


def recombine_luminance(result_y: torch.Tensor, content_rgb: torch.Tensor) -> torch.Tensor:
    """The result's luminance with the content's I and Q chroma channels, back in RGB."""
    content_yiq = rgb_to_yiq(content_rgb)
    yiq = torch.cat(
        [result_y, content_yiq[..., 1:, :, :].expand_as(content_yiq[..., 1:, :, :])], -3
    )
    return yiq_to_rgb(yiq)


def _sqrt_psd(matrix: torch.Tensor, inverse: bool = False) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    values = values.clamp_min(1e-5)
    root = values.rsqrt() if inverse else values.sqrt()
    return vectors @ torch.diag(root) @ vectors.T


def color_moments(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (3, 1) and covariance (3, 3), in float64, of a (3, H, W) or (1, 3, H, W) image."""
    pixels = rgb.reshape(3, -1).double()
    return pixels.mean(1, keepdim=True), torch.cov(pixels)


def blend_moments(
    parts: list[tuple[float, torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean and covariance of a weighted mixture of colour distributions (weight, mean, cov):
    the palette of a style blend as one distribution."""
    total = sum(weight for weight, _, _ in parts)
    mean = torch.stack([weight * m for weight, m, _ in parts]).sum(0) / total
    second = torch.stack([weight * (c + m @ m.T) for weight, m, c in parts]).sum(0) / total
    return mean, second - mean @ mean.T


def match_color_moments(rgb: torch.Tensor, mean: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
    """Move an image's colours to the given mean and covariance (Gatys 2017, 5.2).

    x' = C^(1/2) C_x^(-1/2) (x - mu_x) + mu, with symmetric matrix square roots; the result is
    clamped to 0..255. Works on (3, H, W) tensors.
    """
    pixels = rgb.reshape(3, -1).double()
    eye = 1e-3 * torch.eye(3, dtype=pixels.dtype, device=pixels.device)
    own_mean, own_cov = color_moments(rgb)
    transform = _sqrt_psd(cov.to(pixels) + eye) @ _sqrt_psd(own_cov + eye, inverse=True)
    moved = transform @ (pixels - own_mean) + mean.to(pixels)
    return moved.clamp(0, 255).reshape(rgb.shape).to(rgb.dtype)


def match_color_histogram(style_rgb: torch.Tensor, content_rgb: torch.Tensor) -> torch.Tensor:
    """Move the style image's colours to the content's mean and covariance (Gatys 2017, 5.2).

    Works on (3, H, W) tensors of possibly different sizes.
    """
    return match_color_moments(style_rgb, *color_moments(content_rgb))
