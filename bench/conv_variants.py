"""Which conv AE settings train best in a fixed budget: batch size, learning rate, BatchNorm, width.

Fashion-MNIST, latent 32, 8 epochs each, seed 0, 2 torch threads; test MSE and train MSE (first
10,000 training images) per variant. Usage on an idle machine:
    .venv/bin/python bench/conv_variants.py base,bs64,bs32,bnbs64,w48bs32
Writes bench/results/conv_variants.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from aekit import TrainConfig, build_model, fit, load_dataset
from aekit.metrics import reconstruct

VARIANTS = {  # name: (model options, training options)
    "base": ({}, {"batch_size": 128}),
    "bs64": ({}, {"batch_size": 64}),
    "bs32": ({}, {"batch_size": 32}),
    "lr5": ({}, {"batch_size": 128, "lr": 5e-3}),
    "bs32lr3": ({}, {"batch_size": 32, "lr": 3e-3}),
    "bn": ({"batch_norm": True}, {"batch_size": 128}),
    "bnbs64": ({"batch_norm": True}, {"batch_size": 64}),
    "gelu": ({"activation": "gelu"}, {"batch_size": 128}),
    "3stage": ({"channels": [32, 64, 128]}, {"batch_size": 128}),
    "w48bs32": ({"channels": [48, 96]}, {"batch_size": 32}),
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("variants", help=f"comma-separated, from: {', '.join(VARIANTS)}")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ds = load_dataset("fashion-mnist", seed=0)
    rows = []
    for name in a.variants.split(","):
        mc, tc = VARIANTS[name]
        torch.manual_seed(0)  # the same initial-weight seed for every variant, whatever the order
        m = build_model("conv", input_shape=ds.sample_shape, latent=32, **mc)
        t = time.perf_counter()
        fit(m, ds, TrainConfig(epochs=a.epochs, seed=0, progress=False, **tc))
        secs = time.perf_counter() - t
        test = float(np.mean((reconstruct(m, ds.x_test) - ds.x_test) ** 2))
        train = float(np.mean((reconstruct(m, ds.x_train[:10000]) - ds.x_train[:10000]) ** 2))
        rows.append({"variant": name, "model": mc, "train": tc, "test_mse": test,
                     "train_mse": train, "seconds": secs})  # fmt: skip
        print(f"{name:10s} test MSE {test:.5f}  train MSE {train:.5f}  {secs:.0f} s", flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "conv_variants.json").write_text(json.dumps({
        "command": f"python bench/conv_variants.py {a.variants} --epochs {a.epochs} --threads {a.threads}",
        "rows": rows}, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
