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


def match_color_histogram(style_rgb: torch.Tensor, content_rgb: torch.Tensor) -> torch.Tensor:
    """Move the style image's colours to the content's mean and covariance (Gatys 2017, 5.2).

    x' = C_c^(1/2) C_s^(-1/2) (x - mu_s) + mu_c, with symmetric matrix square roots; the result
    is clamped to 0..255. Works on (3, H, W) tensors of possibly different sizes.
    """
    style = style_rgb.reshape(3, -1).double()
    content = content_rgb.reshape(3, -1).double()
    mu_s, mu_c = style.mean(1, keepdim=True), content.mean(1, keepdim=True)
    cov_s = torch.cov(style) + 1e-3 * torch.eye(3, dtype=style.dtype)
    cov_c = torch.cov(content) + 1e-3 * torch.eye(3, dtype=style.dtype)
    transform = _sqrt_psd(cov_c) @ _sqrt_psd(cov_s, inverse=True)
    moved = transform @ (style - mu_s) + mu_c
    return moved.clamp(0, 255).reshape(style_rgb.shape).to(style_rgb.dtype)
