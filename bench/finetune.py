"""Few labels on Fashion-MNIST: fine-tuned pre-trained encoder vs the same network from scratch
vs a linear probe and an RBF SVM on frozen codes; 1,000 balanced labels, 3 seeds, one run.

Pre-training: the `make demo` recipe (conv AE, latent 32, 8 epochs, batch 32) on the 54,000
training images without their labels. Then `aekit finetune`'s own comparison (its defaults:
30 epochs, batch 32, lr 1e-3, a 256-unit hidden layer with dropout 0.3 in the head), tested on
the 10,000 test images. For scale: logistic regression on raw pixels with the same labels.
Usage: .venv/bin/python bench/finetune.py --threads 2
Writes bench/results/finetune.json and docs/finetune.png.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import DOCS, RUNS, machine, parse_args, trained_run, write_result  # noqa: E402
from aekit import load  # noqa: E402
from aekit.tasks import evaluation_data  # noqa: E402
from aekit.tasks.finetune import FinetuneConfig, balanced_subset, finetune_run  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--labels", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--augment-shift", type=int, default=0)
    a = parse_args(p, threads=2)
    run = trained_run("embed-conv32", "conv", {"latent": 32}, epochs=8, batch_size=32)
    ck = load(run)
    ds = evaluation_data(ck, None)
    cfg = FinetuneConfig(epochs=a.epochs, augment_shift=a.augment_shift)
    out = RUNS / "finetune-out"
    s = finetune_run(ck, ds, out, n_labels=a.labels, seeds=(0, 1, 2), cfg=cfg)
    shutil.copy(
        out / "finetune.png",
        DOCS / ("finetune.png" if not a.augment_shift else f"finetune_shift{a.augment_shift}.png"),
    )

    from sklearn.linear_model import LogisticRegression

    raw = []
    for seed in (0, 1, 2):
        idx = balanced_subset(ds.y_train, a.labels, seed)
        lr = LogisticRegression(max_iter=3000).fit(
            ds.x_train[idx].reshape(len(idx), -1), ds.y_train[idx]
        )
        raw.append(float(lr.score(ds.x_test.reshape(len(ds.x_test), -1), ds.y_test)))
    s["logreg_raw_pixels"] = {
        "mean": float(np.mean(raw)),
        "std": float(np.std(raw)),
        "per_seed": raw,
    }
    result = {**machine(a.threads), **s}
    write_result("finetune" if not a.augment_shift else f"finetune_shift{a.augment_shift}", result)
    for m, v in s["accuracy"].items():
        print(f"{m:<10} {v:.4f} +- {s['accuracy_std'][m]:.4f}")
    print(f"logreg on raw pixels {np.mean(raw):.4f}; finetuned - scratch "
          f"{100 * s['finetuned_minus_scratch']:.2f} points")  # fmt: skip


if __name__ == "__main__":
    main()
