"""Reconstruction metrics: MSE, PSNR, SSIM (pixels in [0, 1] for images)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F


def _t(x: Any) -> torch.Tensor:
    return (
        x.detach().float().cpu()
        if isinstance(x, torch.Tensor)
        else torch.as_tensor(np.asarray(x, dtype=np.float32))
    )


def mse(a: Any, b: Any) -> float:
    """Mean squared error over every element."""
    return float(F.mse_loss(_t(a), _t(b)))


def psnr(a: Any, b: Any, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, computed per sample and averaged over samples."""
    a, b = _t(a), _t(b)
    per = (a - b).flatten(1).pow(2).mean(1).clamp_min(1e-12)
    return float((10 * torch.log10(data_range**2 / per)).mean())


def _gaussian_window(size: int, sigma: float) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    return g / g.sum()


def ssim(a: Any, b: Any, data_range: float = 1.0, win_size: int = 11, sigma: float = 1.5) -> float:
    """Structural similarity (Wang et al. 2004) of images (N, C, H, W) or (N, H, W), averaged.

    Gaussian window (11x11, sigma 1.5; shrunk to the image for small images), K1 = 0.01,
    K2 = 0.03, population covariances, valid region only: the settings of scikit-image's
    structural_similarity(gaussian_weights=True, use_sample_covariance=False).
    """
    a, b = _t(a), _t(b)
    if a.ndim == 3:
        a, b = a[:, None], b[:, None]
    n, c, h, w = a.shape
    win = min(win_size, h, w)
    win -= 1 - win % 2  # odd
    g = _gaussian_window(win, sigma)
    kernel = (g[:, None] * g[None, :]).expand(c, 1, win, win).contiguous()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    total = 0.0
    for i in range(0, n, 512):
        x, y = a[i : i + 512], b[i : i + 512]

        def filt(t: torch.Tensor) -> torch.Tensor:
            return F.conv2d(t, kernel, groups=c)

        mx, my = filt(x), filt(y)
        sxx = filt(x * x) - mx * mx
        syy = filt(y * y) - my * my
        sxy = filt(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        total += float(s.flatten(1).mean(1).sum())
    return total / n


@torch.no_grad()
def _batched(model, fn, x: Any, batch_size: int) -> np.ndarray:
    """fn applied to x in batches on the model's device, in eval mode, as a float32 array."""
    model.eval()
    device = next(model.parameters()).device
    xt = _t(x)
    outs = [fn(xt[i : i + batch_size].to(device)).cpu() for i in range(0, len(xt), batch_size)]
    return torch.cat(outs).numpy()


def reconstruct(model, x: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's reconstructions of x (in scaled data space), as a float32 array."""
    return _batched(model, model, x, batch_size)


def encode(model, x: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's codes for x, as a float32 array (N, latent)."""
    return _batched(model, model.encode, x, batch_size)


def decode(model, z: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for codes z (N, latent), as a float32 array (N, *input_shape)."""
    return _batched(model, model.decode, z, batch_size)


def reconstruction_metrics(x: np.ndarray, recon: np.ndarray, kind: str) -> dict[str, float | None]:
    """mse always; psnr and ssim for images (data range 1); None where they do not apply."""
    out: dict[str, float | None] = {"mse": mse(recon, x), "psnr": None, "ssim": None}
    if kind == "image":
        out["psnr"] = psnr(recon, x)
        out["ssim"] = ssim(recon, x)
    if not math.isfinite(out["mse"] or 0.0):
        out["mse"] = None
    return out
