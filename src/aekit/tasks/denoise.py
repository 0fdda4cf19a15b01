"""Denoise images or signals with a trained (denoising) autoencoder, side by side with classical
filters.

corrupt() makes noisy copies of clean images (clipped to [0, 1]); denoise() runs the model;
denoise_report() measures PSNR/SSIM of the noisy input, the model and the baselines on the
same images. Signals (N, C, L: time series, audio waveforms) are corrupted in the data's own
units (the run's scaler undone), measured by SNR (metrics.snr) and compared with scipy's
Wiener filter. The model is used as trained: this task never trains.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import plots
from ..checkpoint import save_npy
from ..data.scaler import Scaler
from ..errors import AekitError
from ..imageio import save_images
from ..metrics import psnr, reconstruct, snr, ssim
from ..progress import progress_bar
from ..regularizers import Noise
from .common import output_dir, write_summary

IMAGE_BASELINES = ("gaussian", "median", "nlm", "bm3d")
SIGNAL_BASELINES = ("wiener", "wiener-tuned")
BASELINES = IMAGE_BASELINES + SIGNAL_BASELINES
WIENER_SIZES = (3, 5, 9, 15, 31, 63)  # the windows wiener-tuned picks from
BM3D_MIN_SIZE = 16


def require_denoisable(x: np.ndarray) -> None:
    """AekitError unless x is a batch of images (N, C, H, W) or signals (N, C, L)."""
    if np.asarray(x).ndim not in (3, 4):
        from .common import data_form

        raise AekitError("denoise works on images and signals (time series, audio); "
                         f"this data holds {data_form(x)}")  # fmt: skip


def parse_noise(spec: str) -> Noise:
    noise = Noise.parse(spec)
    if noise is None:
        raise AekitError("give a noise spec such as gaussian:0.3, saltpepper:0.2 or mask:0.3")
    return noise


def corrupt(x: np.ndarray, noise: str | Noise, seed: int = 0, clip: bool = True) -> np.ndarray:
    """Noisy copies of x; the same seed gives the same noise. With `clip` (images in [0, 1])
    the noisy images are clipped to [0, 1]; signals are not clipped."""
    n = parse_noise(noise) if isinstance(noise, str) else noise
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        out = n(xt, (0.0, 1.0) if clip else None)
    return (out.clamp(0.0, 1.0) if clip else out).numpy()


def denoise(
    model, noisy: np.ndarray, batch_size: int = 1024, scaler: Scaler | None = None
) -> np.ndarray:
    """The model's output for noisy inputs: images (N, C, H, W) in [0, 1], clipped; signals
    (N, C, L) given and returned in the data's own units when `scaler` (the run's) is given."""
    model.check_input(noisy.shape[1:])
    if noisy.ndim == 4:
        return np.clip(reconstruct(model, noisy, batch_size), 0.0, 1.0)
    scaler = scaler or Scaler("identity")
    return scaler.inverse_transform(reconstruct(model, scaler.transform(noisy), batch_size))


# -- classical baselines, image by image (N, C, H, W) -> same shape ------------------------------
def _per_channel(img: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.stack([fn(ch) for ch in img])


def _sigma_of(noise: Noise, noisy: np.ndarray) -> float:
    if noise.kind == "gaussian":
        return noise.level
    from skimage.restoration import estimate_sigma

    return float(np.mean([estimate_sigma(im[0]) for im in noisy[:50]]))


def _wiener(noisy: np.ndarray, size: int) -> np.ndarray:
    """scipy.signal.wiener on every signal's every channel; silent stretches (zero local
    variance, e.g. padding) come out as their local mean instead of nan."""
    from scipy.signal import wiener

    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.stack([[wiener(ch, size) for ch in sig] for sig in noisy])
    return np.nan_to_num(out).astype(np.float32)


def signal_baseline(
    name: str, noisy: np.ndarray, clean: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """One classical denoiser on signals (N, C, L): "wiener" is scipy.signal.wiener as shipped
    (3-sample window, noise power estimated from the signal); "wiener-tuned" the best of
    WIENER_SIZES windows on these very signals, picked by SNR against the clean ones (an
    oracle choice that favours the baseline). Returns the output and what was picked."""
    if name == "wiener":
        return _wiener(noisy, 3), {"window": 3}
    if name != "wiener-tuned":
        raise AekitError(
            f"baseline {name!r} is for images; for signals choose from {', '.join(SIGNAL_BASELINES)}"
        )
    outs = {k: _wiener(noisy, k) for k in WIENER_SIZES}
    scores = {k: snr(o, clean) for k, o in outs.items()}
    best = max(scores, key=lambda k: scores[k])
    return outs[best], {"window": best, "snr_by_window": {str(k): v for k, v in scores.items()}}


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
        raise AekitError(
            f"baseline {name!r} is not for images; choose from {', '.join(IMAGE_BASELINES)}"
        )
    it = progress_bar(noisy, show=progress, desc=name, leave=False, unit="img")
    return np.clip(np.stack([_per_channel(im, fn) for im in it]), 0.0, 1.0).astype(np.float32)


def denoise_report(
    model,
    clean: np.ndarray,
    noise: str,
    *,
    seed: int = 0,
    baselines: Sequence[str] | None = None,
    baseline_limit: dict[str, int] | None = None,
    progress: bool = True,
    scaler: Scaler | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Corrupt `clean`, denoise it with the model and each baseline, and measure all of them.

    Images (N, C, H, W) in [0, 1]: PSNR and SSIM; baselines (default IMAGE_BASELINES) are
    capped by `baseline_limit` to their first k images (default bm3d: 200), and the model's
    PSNR on those same images is reported beside them. Signals (N, C, L), scaled by the run's
    `scaler`: noise, SNR and baselines (default SIGNAL_BASELINES) in the data's own units.
    Returns (summary, outputs) with outputs "noisy", "denoised" and each baseline's output
    (signals: in the data's own units, clean included as "clean").
    """
    require_denoisable(clean)
    n = parse_noise(noise)
    if clean.ndim == 3:
        return _signal_report(model, clean, n, seed, baselines, scaler or Scaler("identity"))
    return _image_report(model, clean, n, seed, baselines, baseline_limit, progress)


def _signal_report(
    model, clean: np.ndarray, n: Noise, seed: int, baselines: Sequence[str] | None,
    scaler: Scaler,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:  # fmt: skip
    raw = scaler.inverse_transform(clean)
    noisy = corrupt(raw, n, seed, clip=False)
    t0 = time.perf_counter()
    den = denoise(model, noisy, scaler=scaler)
    seconds = time.perf_counter() - t0
    summary: dict[str, Any] = {
        "noise": str(n),
        "signals": int(len(clean)),
        "snr_noisy": snr(noisy, raw),
        "snr_denoised": snr(den, raw),
        "seconds_model": seconds,
        "baselines": {},
        "baseline_settings": {},
        "seconds_baselines": {},
    }
    outputs = {"clean": raw, "noisy": noisy, "denoised": den}
    for name in SIGNAL_BASELINES if baselines is None else baselines:
        t0 = time.perf_counter()
        out, settings = signal_baseline(name, noisy, raw)
        summary["seconds_baselines"][name] = time.perf_counter() - t0
        summary["baselines"][name] = snr(out, raw)
        summary["baseline_settings"][name] = settings
        outputs[name] = out
    summary["gain_over_noisy_db"] = summary["snr_denoised"] - summary["snr_noisy"]
    if summary["baselines"]:
        best = max(summary["baselines"], key=summary["baselines"].get)
        summary["best_baseline"] = best
        summary["gain_over_best_baseline_db"] = summary["snr_denoised"] - summary["baselines"][best]
    return summary, outputs


def _image_report(
    model, clean: np.ndarray, n: Noise, seed: int, baselines: Sequence[str] | None,
    baseline_limit: dict[str, int] | None, progress: bool,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:  # fmt: skip
    baselines = list(IMAGE_BASELINES if baselines is None else baselines)
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


def check_denoisable_run(ck) -> None:
    """AekitError unless the run's data can be denoised: images, series or audio waveforms."""
    kind = ck.data.get("kind")
    features = ck.data.get("features") or {}
    if kind == "text":
        raise AekitError("denoise works on images and signals (time series, audio); "
                         "this run holds text")  # fmt: skip
    if kind == "audio" and features.get("kind") != "waveform":
        raise AekitError(
            "denoise on audio needs a waveform model: this run was trained on log-mel "
            "spectrograms, which cannot be turned back into sound (train with "
            "--audio-features waveform, e.g. --model spectral)"
        )


def default_noise(ck) -> str:
    """The noise the run was trained with; else gaussian:0.3 for images, snr:5 for signals."""
    trained = (ck.model.config or {}).get("noise")
    if trained:
        return str(trained)
    return "gaussian:0.3" if len(ck.model.input_shape) == 3 else "snr:5"


def denoise_run(
    ck,
    x: np.ndarray,
    out,
    noise: str | None,
    *,
    seed: int = 0,
    baselines: Sequence[str] | None = None,
    baseline_limit: dict[str, int] | None = None,
    progress: bool = True,
    files: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The `aekit denoise` task: writes denoised.npy (and noisy.npy when `noise` corrupts clean
    inputs), denoise.png (noisy / model / baselines / clean) and summary.json into `out`; for
    audio also WAV files of the first clips (wav/). With noise None, x is taken as already
    noisy: no reference, so no PSNR or SNR. Signals are written in the data's own units.
    `files` (with noise None: x read from a folder of images or WAV files, `Dataset.files`)
    also writes every denoised sample as a file named after its input, in denoised/ (PNG
    images at the model's size; WAV clips of the model's length)."""
    require_denoisable(x)
    check_denoisable_run(ck)
    ck.model.check_input(x.shape[1:])
    if files is not None and (noise is not None or len(files) != len(x)):
        raise AekitError("file names go with already-noisy inputs (noise None), one per sample")
    out = output_dir(out)
    if x.ndim == 3:
        summary = _signal_outputs(ck, x, out, noise, seed, baselines, files)
    elif noise is None:
        den = denoise(ck.model, x)
        save_images(den, out / "denoised.npy")
        plots.image_rows([x[:10], den[:10]], ["input", "denoised"], out / "denoise.png")
        summary = {"noise": None, "images": int(len(x))}
        if files is not None:
            save_images(den, out / DENOISED_FILES, files)
            summary["files"] = f"{DENOISED_FILES}/"
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


SIGNAL_FIGURE = 4  # signals in denoise.png
WAV_EXAMPLES = 5  # clips written as WAV files


DENOISED_FILES = "denoised"  # the folder of denoised files named after their inputs


def _signal_outputs(
    ck, x: np.ndarray, out: Path, noise: str | None, seed: int, baselines: Sequence[str] | None,
    files: Sequence[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    audio = ck.data.get("kind") == "audio"
    if noise is None:
        raw = ck.scaler.inverse_transform(x)
        outputs = {"input": raw, "denoised": denoise(ck.model, raw, scaler=ck.scaler)}
        summary: dict[str, Any] = {"noise": None, "signals": int(len(x))}
        rows, labels, title = ["input", "denoised"], ["input", "aekit"], "denoised"
    else:
        summary, outputs = denoise_report(ck.model, x, noise, seed=seed, baselines=baselines,
                                          scaler=ck.scaler)  # fmt: skip
        save_npy(out / "noisy.npy", outputs["noisy"])
        rows = ["noisy", "denoised", *summary["baselines"], "clean"]
        labels = [f"noisy ({summary['snr_noisy']:.1f} dB)",
                  f"aekit ({summary['snr_denoised']:.1f} dB)",
                  *(f"{b} ({v:.1f} dB)" for b, v in summary["baselines"].items()), "clean"]  # fmt: skip
        title = f"{noise}: SNR of each signal over its extent, mean over {len(x)}"
    save_npy(out / "denoised.npy", outputs["denoised"])
    plots.signal_rows([outputs[r][:SIGNAL_FIGURE] for r in rows], labels, out / "denoise.png",
                      title=title, spectrogram=audio)  # fmt: skip
    if audio:
        from ..data.audio import write_wav

        rate = int(ck.data["features"]["sample_rate"])
        (out / "wav").mkdir(exist_ok=True)
        for i in range(min(WAV_EXAMPLES, len(x))):
            for r in rows:
                write_wav(out / "wav" / f"{i:03d}_{r}.wav", outputs[r][i, 0], rate)
        summary["wav_files"] = len(list((out / "wav").glob("*.wav")))
        if files is not None:
            for name, signal in zip(files, outputs["denoised"]):
                (out / DENOISED_FILES / name).parent.mkdir(parents=True, exist_ok=True)
                write_wav(out / DENOISED_FILES / name, signal[0], rate)
            summary["files"] = f"{DENOISED_FILES}/"
    return summary
