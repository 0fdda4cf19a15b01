"""Spoken digits (FSDD, issue 7): denoising white noise at 5 dB SNR with the `spectral`
autoencoder, against scipy's Wiener filter, on FSDD's official test split.

Protocol: recordings 0-4 of every digit and speaker are the test set (300 clips), the rest
(2,700) the training pool, of which 10% is held out for validation while training. Every
clip is read at 8 kHz and zero-padded (or cut) to 1 s, as `aekit train recordings/
--audio-features waveform` does; FSDD recordings fill 43.6% of a clip on average (printed,
and saved as recorded_share_of_clips), so more than half of a clip is padding. The noise
(`snr:5`, aekit.regularizers.Noise) is white Gaussian noise 5 dB below each recording's mean
power over its own samples; the zero padding after it gets no noise, and the SNR
(aekit.metrics.snr) is measured over each recording's own samples and
averaged over clips, so padding neither helps nor hurts any method. The noise of the test
clips is drawn with seeds 0, 1 and 2 (each model is measured on all three).

Models: `spectral` (STFT n_fft 256 / hop 64, log magnitudes -> conv code -> a gain per
time-frequency cell -> inverse STFT with the noisy phase), trained on the training pool with
fresh snr:5 noise per batch, loss = mean per-clip 10 log10 MSE; 3 training seeds.
Baselines on the same noisy clips: scipy.signal.wiener as shipped (3-sample window, noise
estimated by scipy) and "wiener-tuned", the best window of 3..63 samples picked on these very
clips by their clean SNR (an oracle pick that favours the baseline). For scale, the oracle
ideal ratio mask with the noisy phase (needs the clean signal; same STFT) is reported too.

Usage (idle machine): .venv/bin/python bench/fsdd_denoise.py --threads 2 [--epochs 30]
Writes bench/results/fsdd_denoise.json (or fsdd_denoise_TAG.json) and docs/fsdd_denoise.png.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    DOCS,
    SHARED,
    add_recipe_args,
    command,
    machine,
    parse_args,
    recipe_config,
    write_result,
)

DATA = SHARED / "audio/fsdd/recordings"
SEEDS = (0, 1, 2)
NOISE_SEEDS = (0, 1, 2)
NOISE = "snr:5"


def oracle_mask_snr(clean: np.ndarray, noisy: np.ndarray, n_fft: int, hop: int) -> float:
    """SNR of the ideal ratio mask min(|clean| / |noisy|, 1) applied to the noisy STFT."""
    import torch

    from aekit.metrics import snr

    w = torch.hann_window(n_fft)
    c = torch.stft(torch.from_numpy(clean[:, 0]), n_fft, hop, window=w, return_complex=True)
    s = torch.stft(torch.from_numpy(noisy[:, 0]), n_fft, hop, window=w, return_complex=True)
    mask = (c.abs() / s.abs().clamp_min(1e-12)).clamp(max=1.0)
    out = torch.istft(s * mask, n_fft, hop, window=w, length=clean.shape[-1])
    return snr(out[:, None].numpy(), clean)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_recipe_args(p, "fsdd_denoise", "spectral", '{"channels": [256, 256]}', latent=64,
                    epochs=30)  # fmt: skip
    p.add_argument("--lr", type=float, help="peak lr (default: the model's)")
    p.add_argument("--warmup-fraction", type=float, default=0.02, help="of all steps")
    p.add_argument("--seeds", type=int, default=len(SEEDS), help="training seeds (0, 1, ...)")
    a = parse_args(p)
    import torch

    from aekit import TrainConfig, build_model, fit, load, load_dataset
    from aekit.checkpoint import save_model
    from aekit.regularizers import signal_extent
    from aekit.tasks.denoise import denoise_report, denoise_run

    ds = load_dataset(DATA, audio_features="waveform", val_fraction=0.1, seed=0)
    clips = torch.from_numpy(np.concatenate([ds.x_train, ds.x_val, ds.x_test]))
    recorded = float(signal_extent(clips)[:, 0].mean())  # the share of a clip before its padding
    print(f"recordings fill {recorded:.1%} of their 1-s clips on average", flush=True)
    config = {**recipe_config(a), "noise": NOISE}
    runs = []
    for seed in range(a.seeds):
        t0 = time.perf_counter()
        net = build_model(a.model, seed=seed, input_shape=ds.sample_shape, output="linear",
                          **config)  # fmt: skip
        history = fit(net, ds, TrainConfig(epochs=a.epochs, batch_size=a.batch_size, seed=seed,
                                           lr=a.lr, warmup_fraction=a.warmup_fraction,
                                           progress=False))  # fmt: skip
        net.to("cpu").eval()
        train_s = time.perf_counter() - t0
        per_noise = []
        for ns in NOISE_SEEDS:
            s, outs = denoise_report(net, ds.x_test, NOISE, seed=ns, scaler=ds.scaler)
            s["oracle_irm"] = oracle_mask_snr(outs["clean"], outs["noisy"], net.n_fft, net.hop)
            per_noise.append(s)
        run = {
            "seed": seed, "train_seconds": train_s, "epochs_run": len(history.rows), "best_epoch": history.best_epoch,
            "snr_denoised": float(np.mean([s["snr_denoised"] for s in per_noise])),
            "per_noise_seed": per_noise,
        }  # fmt: skip
        runs.append(run)
        print(f"seed {seed}: aekit {run['snr_denoised']:.2f} dB ({train_s:.0f} s); "
              + ", ".join(f"{b} {np.mean([s['baselines'][b] for s in per_noise]):.2f}"
                          for b in per_noise[0]["baselines"]), flush=True)  # fmt: skip
        # the figure and example WAV files, through `aekit denoise` itself (not for variants)
        if seed == 0 and not a.tag:
            with tempfile.TemporaryDirectory() as tmp:
                run_dir = Path(tmp) / "run"
                save_model(run_dir, net, data=ds.describe(), scaler=ds.scaler)
                out = Path(tmp) / "den"
                denoise_run(load(run_dir), ds.x_test, out, NOISE, seed=0)
                shutil.copy(out / "denoise.png", DOCS / "fsdd_denoise.png")
    first = runs[0]["per_noise_seed"]
    mean = lambda key: float(np.mean([s[key] for r in runs for s in r["per_noise_seed"]]))  # noqa: E731
    base = {b: float(np.mean([s["baselines"][b] for r in runs for s in r["per_noise_seed"]]))
            for b in first[0]["baselines"]}  # fmt: skip
    ours = [r["snr_denoised"] for r in runs]
    noisy = mean("snr_noisy")
    res = {
        "noisy": noisy,
        "aekit": {"snr_mean": float(np.mean(ours)), "snr_std_over_seeds": float(np.std(ours)),
                  "runs": runs},
        "baselines": base,
        "wiener_tuned_windows": [s["baseline_settings"]["wiener-tuned"]["window"] for s in first],
        "oracle_irm": mean("oracle_irm"),
    }  # fmt: skip
    gains = {k: v - noisy for k, v in {"aekit": float(np.mean(ours)), **base}.items()}
    met = {b: gains["aekit"] >= gains[b] + 3.0 for b in base}
    print(f"noisy {noisy:.2f} dB; aekit {np.mean(ours):.2f} ± {np.std(ours):.2f}; "
          + ", ".join(f"{b} {v:.2f}" for b, v in base.items())
          + f"; oracle IRM {res['oracle_irm']:.2f}")  # fmt: skip
    for b, ok in met.items():
        print(f"target SNR gain >= {b}'s + 3 dB: {'MET' if ok else 'MISSED'} "
              f"({gains['aekit']:.2f} vs {gains[b]:.2f} + 3)")  # fmt: skip
    out = {
        "benchmark": "FSDD: denoising white noise at 5 dB SNR, spectral autoencoder vs Wiener",
        "command": command(),
        **machine(a.threads), "model": a.model, "config": config, "epochs": a.epochs,
        "batch_size": a.batch_size, "lr": a.lr, "warmup_fraction": a.warmup_fraction,
        "n_train": int(len(ds.x_train)), "n_val": int(len(ds.x_val)),
        "n_test": int(len(ds.x_test)), "recorded_share_of_clips": recorded, "results": res,
        "snr_gain_db": gains,
        "target": {"rule": "SNR gain >= Wiener's gain + 3 dB", "met": met},
    }  # fmt: skip
    print(write_result("fsdd_denoise" + (f"_{a.tag}" if a.tag else ""), out))


if __name__ == "__main__":
    main()
