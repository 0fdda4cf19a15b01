"""Fine-tuning variants on Fashion-MNIST with 1,000 labels: what we tried before settling the
defaults of `aekit finetune`. One seed (0), the same labels and the same pre-trained run (the
`make demo` recipe) for every variant; each variant also trains the same network from scratch.
Usage: .venv/bin/python bench/finetune_variants.py --threads 1
Writes bench/results/finetune_variants.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine, parse_args, trained_run, write_result  # noqa: E402
from aekit import TrainConfig, build_model, fit, load  # noqa: E402
from aekit.tasks import evaluation_data  # noqa: E402
from aekit.tasks.finetune import balanced_subset  # noqa: E402

VARIANTS = {  # name: (classifier options, epochs, lr)
    "linear head": ({}, 30, 1e-3),
    "hidden head 256 + dropout 0.3 (the default)": ({"head_hidden": 256, "dropout": 0.3}, 30, 1e-3),
    "encoder at 0.1x the head's lr": (
        {"head_hidden": 256, "dropout": 0.3, "encoder_lr_scale": 0.1},
        30,
        1e-3,
    ),
    "random shifts of 2 px, 60 epochs": (
        {"head_hidden": 256, "dropout": 0.3, "augment_shift": 2},
        60,
        1e-3,
    ),
    "label smoothing 0.1": ({"head_hidden": 256, "dropout": 0.3, "label_smoothing": 0.1}, 30, 1e-3),
}


def accuracy(clf, x, y) -> float:
    return float((clf.predict_proba(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--labels", type=int, default=1000)
    a = parse_args(p, threads=1)
    ck = load(trained_run("embed-conv32", "conv", {"latent": 32}, epochs=8, batch_size=32))
    ds = evaluation_data(ck, None)
    idx = balanced_subset(ds.y_train, a.labels, 0)
    xl, yl = ds.x_train[idx], ds.y_train[idx]
    rows = []
    for name, (opts, epochs, lr) in VARIANTS.items():
        row = {"variant": name, "options": opts, "epochs": epochs, "lr": lr}
        for method, pretrained in (("finetuned", True), ("scratch", False)):
            clf = build_model("classifier", seed=0, input_shape=ds.sample_shape, n_classes=10,
                              backbone="conv", backbone_config=ck.model.config, **opts)  # fmt: skip
            if pretrained:
                clf.load_backbone(ck.model)
            t0 = time.perf_counter()
            fit(clf, xl, TrainConfig(epochs=epochs, batch_size=32, lr=lr, progress=False),
                targets=(yl, None))  # fmt: skip
            row[f"{method}_seconds"] = time.perf_counter() - t0
            row[method] = accuracy(clf, ds.x_test, ds.y_test)
        rows.append(row)
        print(
            f"{name:<48} fine-tuned {row['finetuned']:.4f}  scratch {row['scratch']:.4f}",
            flush=True,
        )

    # linear probe first (encoder frozen), then everything at a lower rate
    clf = build_model("classifier", seed=0, input_shape=ds.sample_shape, n_classes=10,
                      backbone="conv", backbone_config=ck.model.config, head_hidden=256,
                      dropout=0.3, encoder_lr_scale=0.0)  # fmt: skip
    clf.load_backbone(ck.model)
    fit(clf, xl, TrainConfig(epochs=30, batch_size=32, lr=1e-3, progress=False), targets=(yl, None))
    clf.encoder_lr_scale = 1.0
    fit(clf, xl, TrainConfig(epochs=30, batch_size=32, lr=3e-4, progress=False), targets=(yl, None))
    rows.append({"variant": "head first (encoder frozen), then all at lr 3e-4",
                 "finetuned": accuracy(clf, ds.x_test, ds.y_test)})  # fmt: skip
    print(f"{rows[-1]['variant']:<48} fine-tuned {rows[-1]['finetuned']:.4f}", flush=True)

    # semi-supervised: cross-entropy on the labels + reconstruction on every training image
    unl = np.setdiff1d(np.arange(len(ds.x_train)), idx)
    reps = len(unl) // len(idx)  # labelled rows repeated so that half of each batch is labelled
    x = np.concatenate([ds.x_train[unl], np.tile(xl, (reps, 1, 1, 1))])
    y = np.concatenate([np.full(len(unl), -1), np.tile(yl, reps)])
    clf = build_model("classifier", seed=0, input_shape=ds.sample_shape, n_classes=10,
                      backbone="conv", backbone_config=ck.model.config, recon_weight=1.0)  # fmt: skip
    clf.load_backbone(ck.model)
    fit(clf, x, TrainConfig(epochs=2, batch_size=64, lr=1e-3, progress=False), targets=(y, None))
    rows.append({"variant": "joint cross-entropy + reconstruction of all images, 2 epochs",
                 "finetuned": accuracy(clf, ds.x_test, ds.y_test)})  # fmt: skip
    print(f"{rows[-1]['variant']:<48} fine-tuned {rows[-1]['finetuned']:.4f}", flush=True)
    write_result(
        "finetune_variants", {**machine(a.threads), "labels": a.labels, "seed": 0, "rows": rows}
    )


if __name__ == "__main__":
    main()
