"""Denoising on the Fashion-MNIST test images: aekit denoising autoencoders vs classical filters.

One denoising conv AE per noise (trained with that noise), then `aekit denoise`'s own report:
the first 1,000 test images, clipped noise (seed 0), PSNR/SSIM of the noisy input, the model,
Gaussian blur, 3x3 median, non-local means (scikit-image) and BM3D (first 200 images; the model's
PSNR on those same 200 is reported beside it).
Usage (idle machine): .venv/bin/python bench/denoise.py --threads 2
Variants: --recon-loss psnr, --epochs N, --latent N, --channels A,B, --batch-norm,
--activation, --depth N, --only gaussian, --tag T (runs denoise-KEY-T, writes denoise_T.json).
Writes bench/results/denoise.json and docs/denoise_gaussian.png, docs/denoise_saltpepper.png.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import DOCS, command, machine, parse_args, trained_run, write_result  # noqa: E402
from aekit import load  # noqa: E402
from aekit.tasks import evaluation_data  # noqa: E402
from aekit.tasks.denoise import denoise_run  # noqa: E402

NOISES = {"gaussian": "gaussian:0.3", "saltpepper": "saltpepper:0.2"}
# conv AE, latent 256, 15 epochs, batch 64; Gaussian noise gets the wider encoder/decoder
CHANNELS = {"gaussian": [64, 128], "saltpepper": [32, 64]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--latent", type=int, default=256)
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--bm3d-images", type=int, default=200)
    p.add_argument("--only", choices=tuple(NOISES), action="append")
    p.add_argument("--recon-loss", choices=("mse", "psnr"), default="mse")
    p.add_argument("--batch-norm", action="store_true", help="BatchNorm after each hidden conv")
    p.add_argument("--depth", type=int, help="convs per resolution (default 1)")
    p.add_argument("--channels", help="conv channels for every noise, e.g. 96,192")
    p.add_argument("--activation", help="the conv AE's activation (default relu), e.g. silu")
    p.add_argument("--tag", help="a variant: runs denoise-KEY-TAG, writes denoise_TAG.json")
    a = parse_args(p, threads=2)
    results = {
        "command": command(),
        **machine(a.threads),
        "images": a.images,
        "bm3d_images": a.bm3d_images,
        "runs": {},
    }
    for key, noise in NOISES.items():
        if a.only and key not in a.only:
            continue
        channels = [int(c) for c in a.channels.split(",")] if a.channels else CHANNELS[key]
        cfg = {"latent": a.latent, "channels": channels, "noise": noise}
        if a.recon_loss != "mse":
            cfg["recon_loss"] = a.recon_loss
        if a.batch_norm:
            cfg["batch_norm"] = True
        if a.activation:
            cfg["activation"] = a.activation
        if a.depth is not None:  # so --depth 0 reaches the model's check instead of meaning 1
            cfg["depth"] = a.depth
        suffix = f"-{a.tag}" if a.tag else ""
        run = trained_run(f"denoise-{key}{suffix}", "conv", cfg, a.epochs)
        ck = load(run)
        x = evaluation_data(ck, None).x_test[: a.images]
        out = Path(__file__).parent / "runs" / f"denoise-{key}{suffix}-out"
        s = denoise_run(ck, x, out, noise, baseline_limit={"bm3d": a.bm3d_images}, progress=True)
        if not a.tag:
            shutil.copy(out / "denoise.png", DOCS / f"denoise_{key}.png")
        best = s["best_baseline"]
        s["targets"] = {
            "gain_over_noisy_db": s["psnr_denoised"] - s["psnr_noisy"],
            "gain_over_best_baseline_db": s["gain_over_best_baseline_db"],
            "best_baseline": best,
            "gain_over_median_db": s["psnr_denoised"] - s["baselines"]["median"],
        }
        s["recipe"] = {"model": "conv", **cfg, "epochs": a.epochs, "batch_size": 64}
        secs = run / "train_seconds.txt"  # absent for runs trained before it was recorded
        s["train_seconds"] = float(secs.read_text()) if secs.is_file() else None
        trained = ck.info.get("metrics", {})  # what train_run recorded in model.json
        # the training's threads (None for runs trained before they were recorded), not this
        # scoring's `torch_threads`; best_epoch counts from 0, as in metrics.json
        s["train_threads"] = trained.get("torch_threads")
        s["epochs_run"], s["best_epoch"] = trained.get("epochs_run"), trained.get("best_epoch")
        results["runs"][key] = s
        print(f"{noise}: noisy {s['psnr_noisy']:.2f} dB, aekit {s['psnr_denoised']:.2f} dB "
              f"(SSIM {s['ssim_denoised']:.3f}); " + ", ".join(
                  f"{n} {v:.2f}" for n, v in s["baselines"].items())
              + f"; on BM3D's images aekit {s['psnr_denoised_on_baseline_images'].get('bm3d', float('nan')):.2f}")  # fmt: skip
    name = f"denoise_{a.tag}" if a.tag else "denoise"
    write_result(name if a.tag or not a.only else f"denoise_{'_'.join(a.only)}", results)


if __name__ == "__main__":
    main()
