"""Denoise images with a trained (denoising) autoencoder, side by side with classical filters.

corrupt() makes noisy copies of clean images (clipped to [0, 1]); denoise() runs the model;
denoise_report() measures PSNR/SSIM of the noisy input, the model and the baselines on the
same images. The model is used as trained: this task never trains.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..errors import AekitError
from ..metrics import psnr, reconstruct, ssim
from ..regularizers import Noise
from .common import require_images

BASELINES = ("gaussian", "median", "nlm", "bm3d")
BM3D_MIN_SIZE = 16


def parse_noise(spec: str) -> Noise:
    noise = Noise.parse(spec)
    if noise is None:
        raise AekitError("give a noise spec such as gaussian:0.3, saltpepper:0.2 or mask:0.3")
    return noise


def corrupt(x: np.ndarray, noise: str | Noise, seed: int = 0) -> np.ndarray:
    """Noisy copies of images x in [0, 1], clipped to [0, 1]; the same seed gives the same noise."""
    n = parse_noise(noise) if isinstance(noise, str) else noise
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        out = n(xt, (0.0, 1.0))
    return out.clamp(0.0, 1.0).numpy()


def denoise(model, noisy: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's output for noisy inputs (N, C, H, W)."""
    model.check_input(noisy.shape[1:])
    return np.clip(reconstruct(model, noisy, batch_size), 0.0, 1.0)


# -- classical baselines, image by image (N, C, H, W) -> same shape ------------------------------
def _per_channel(img: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.stack([fn(ch) for ch in img])


def _sigma_of(noise: Noise, noisy: np.ndarray) -> float:
    if noise.kind == "gaussian":
        return noise.level
    from skimage.restoration import estimate_sigma

    return float(np.mean([estimate_sigma(im[0]) for im in noisy[:50]]))


def baseline(name: str, noisy: np.ndarray, noise: Noise, progress: bool = False) -> np.ndarray:
    """One classical denoiser applied to every image: gaussian (blur, sigma 1 px), median (3x3),
    nlm (scikit-image non-local means, h = 0.8 sigma), bm3d (the bm3d package, sigma_psd = sigma);
    sigma is the noise's own for Gaussian noise, else estimated from the images."""
    from scipy import ndimage

    sigma = _sigma_of(noise, noisy)
    fn: Callable[[np.ndarray], np.ndarray]
    if name == "gaussian":
        return ndimage.gaussian_filter(noisy, sigma=(0, 0, 1.0, 1.0))
    if name == "median":
        return ndimage.median_filter(noisy, size=(1, 1, 3, 3))
    if name == "nlm":
        from skimage.restoration import denoise_nl_means

        def fn(ch: np.ndarray) -> np.ndarray:
            return denoise_nl_means(ch, h=0.8 * sigma, sigma=sigma, patch_size=5,
                                    patch_distance=6, fast_mode=True)  # fmt: skip
    elif name == "bm3d":
        import bm3d

        if min(noisy.shape[-2:]) < BM3D_MIN_SIZE:
            raise AekitError(
                f"bm3d needs images of at least {BM3D_MIN_SIZE}x{BM3D_MIN_SIZE} pixels"
            )

        def fn(ch: np.ndarray) -> np.ndarray:
            return np.asarray(bm3d.bm3d(ch, sigma_psd=sigma), dtype=np.float32)
    else:
        raise AekitError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
    it = tqdm(noisy, desc=name, disable=not progress, leave=False, unit="img")
    return np.clip(np.stack([_per_channel(im, fn) for im in it]), 0.0, 1.0).astype(np.float32)


def denoise_report(
    model,
    clean: np.ndarray,
    noise: str,
    *,
    seed: int = 0,
    baselines: Sequence[str] = BASELINES,
    baseline_limit: dict[str, int] | None = None,
    progress: bool = True,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Corrupt `clean`, denoise it with the model and each baseline, and measure all of them.

    `baseline_limit` caps slow baselines to their first k images (default bm3d: 200); the
    model's PSNR on those same images is reported beside them. Returns (summary, images) with
    images "noisy", "denoised" and each baseline's output.
    """
    require_images(clean, "denoise")
    n = parse_noise(noise)
    limits = {"bm3d": 200, **(baseline_limit or {})}
    noisy = corrupt(clean, n, seed)
    t0 = time.perf_counter()
    den = denoise(model, noisy)
    seconds = time.perf_counter() - t0
    summary: dict[str, Any] = {
        "noise": str(n),
        "images": int(len(clean)),
        "psnr_noisy": psnr(noisy, clean),
        "ssim_noisy": ssim(noisy, clean),
        "psnr_denoised": psnr(den, clean),
        "ssim_denoised": ssim(den, clean),
        "seconds_model": seconds,
        "baselines": {},
        "baselines_ssim": {},
        "baseline_images": {},
        "psnr_denoised_on_baseline_images": {},
        "seconds_baselines": {},
    }
    outputs = {"noisy": noisy, "denoised": den}
    skipped = {}
    if "bm3d" in baselines and min(clean.shape[-2:]) < BM3D_MIN_SIZE:  # it crashes on tiny images
        skipped["bm3d"] = f"needs images of at least {BM3D_MIN_SIZE}x{BM3D_MIN_SIZE} pixels"
        baselines = [b for b in baselines if b != "bm3d"]
    if skipped:
        summary["baselines_skipped"] = skipped
    for name in baselines:
        k = min(len(clean), limits.get(name, len(clean)))
        t0 = time.perf_counter()
        out = baseline(name, noisy[:k], n, progress=progress)
        summary["seconds_baselines"][name] = time.perf_counter() - t0
        summary["baselines"][name] = psnr(out, clean[:k])
        summary["baselines_ssim"][name] = ssim(out, clean[:k])
        summary["baseline_images"][name] = k
        summary["psnr_denoised_on_baseline_images"][name] = psnr(den[:k], clean[:k])
        outputs[name] = out
    if summary["baselines"]:
        best = max(summary["baselines"], key=summary["baselines"].get)
        summary["best_baseline"] = best
        summary["gain_over_noisy_db"] = summary["psnr_denoised"] - summary["psnr_noisy"]
        summary["gain_over_best_baseline_db"] = (
            summary["psnr_denoised_on_baseline_images"][best] - summary["baselines"][best]
        )
    return summary, outputs


def denoise_run(
    ck,
    x: np.ndarray,
    out,
    noise: str | None,
    *,
    seed: int = 0,
    baselines: Sequence[str] = BASELINES,
    baseline_limit: dict[str, int] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The `aekit denoise` task: writes denoised.npy (and noisy.npy when `noise` corrupts clean
    inputs), denoise.png (noisy / model / baselines / clean) and summary.json into `out`.
    With noise None, x is taken as already noisy: no reference, so no PSNR."""
    from .. import plots
    from ..imageio import save_images
    from .common import output_dir, write_summary

    require_images(x, "denoise")
    ck.model.check_input(x.shape[1:])
    out = output_dir(out)
    if noise is None:
        den = denoise(ck.model, x)
        save_images(den, out / "denoised.npy")
        plots.image_rows([x[:10], den[:10]], ["input", "denoised"], out / "denoise.png")
        summary: dict[str, Any] = {"noise": None, "images": int(len(x))}
    else:
        summary, imgs = denoise_report(
            ck.model, x, noise, seed=seed, baselines=baselines,
            baseline_limit=baseline_limit, progress=progress,
        )  # fmt: skip
        save_images(imgs["noisy"], out / "noisy.npy")
        save_images(imgs["denoised"], out / "denoised.npy")
        rows = [imgs["noisy"][:10], imgs["denoised"][:10]]
        labels = ["noisy", f"aekit ({summary['psnr_denoised']:.1f} dB)"]
        for name in summary["baselines"]:
            rows.append(imgs[name][:10])
            labels.append(f"{name} ({summary['baselines'][name]:.1f} dB)")
        rows.append(x[:10])
        labels.append("clean")
        plots.image_rows(rows, labels, out / "denoise.png",
                         title=f"{noise}: noisy {summary['psnr_noisy']:.1f} dB")  # fmt: skip
    summary["run"] = str(ck.path)
    write_summary(out, summary)
    return summary
