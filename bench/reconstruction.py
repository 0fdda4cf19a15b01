"""Test reconstruction MSE on Fashion-MNIST: aekit conv AE and MLP AE (latent 32) vs PCA-32.

One process, same split, side by side. Usage (idle machine; threads stated in the output):
    .venv/bin/python bench/reconstruction.py --threads 2
Writes bench/results/reconstruction.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA

from aekit import TrainConfig, build_model, fit, load_dataset
from aekit.metrics import reconstruct

OUT = Path(__file__).parent / "results"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--conv-epochs", type=int, default=30)
    p.add_argument("--mlp-epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--conv-channels", default="48,96")
    p.add_argument("--only", choices=("conv", "mlp"), action="append")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ds = load_dataset("fashion-mnist", seed=0)
    x_test = ds.x_test
    rows = []

    t = time.perf_counter()
    pca = PCA(a.latent, random_state=0).fit(ds.x_train.reshape(len(ds.x_train), -1))
    rec = pca.inverse_transform(pca.transform(x_test.reshape(len(x_test), -1)))
    flat = x_test.reshape(len(x_test), -1)
    pca_raw = float(np.mean((rec - flat) ** 2))
    pca_clip = float(np.mean((np.clip(rec, 0, 1) - flat) ** 2))  # clipping only helps PCA
    secs = time.perf_counter() - t
    rows.append({"method": f"PCA-{a.latent}", "test_mse": pca_raw, "seconds": secs})
    rows.append(
        {"method": f"PCA-{a.latent}, clipped to [0,1]", "test_mse": pca_clip, "seconds": secs}
    )

    for name, epochs in (("conv", a.conv_epochs), ("mlp", a.mlp_epochs)):
        if a.only and name not in a.only:
            continue
        extra = {"channels": [int(c) for c in a.conv_channels.split(",")]} if name == "conv" else {}
        model = build_model(name, input_shape=ds.sample_shape, latent=a.latent, **extra)
        t = time.perf_counter()
        fit(
            model,
            ds,
            TrainConfig(epochs=epochs, seed=0, lr=2e-3, batch_size=a.batch_size, progress=False),
        )
        secs = time.perf_counter() - t
        mse = float(np.mean((reconstruct(model, x_test) - x_test) ** 2))
        rows.append({"method": f"aekit {name} AE, latent {a.latent}", "config": model.config, "test_mse": mse,
                     "epochs": epochs, "parameters": model.num_parameters(), "seconds": secs})  # fmt: skip
        print(rows[-1], flush=True)

    for r in rows:
        r["vs_pca"] = pca_raw / r["test_mse"]
    result = {
        "command": f"python bench/reconstruction.py --threads {a.threads} --batch-size {a.batch_size} "
        f"--conv-epochs {a.conv_epochs} --mlp-epochs {a.mlp_epochs} --conv-channels {a.conv_channels}",
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, CPU only",
        "data": "Fashion-MNIST test split (10,000 images), pixels in [0,1]; trained on 54,000",
        "rows": rows,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "reconstruction.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| method | test MSE | PCA-32 MSE / this | epochs | train s |\n|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['method']} | {r['test_mse']:.5f} | {r['vs_pca']:.2f}x | {r.get('epochs', '')} | {r['seconds']:.0f} |"
        )


if __name__ == "__main__":
    main()
