"""Image anomaly detection, one class normal (Fashion-MNIST): aekit's detector with its image
defaults against PCA reconstruction error and IsolationForest, side by side on the same images.

Protocol (the usual one-class setup): for each of the 10 classes in turn, that class is
normal. Every method is fitted on the normal images of the official training split (6,000)
and scores the 10,000 test images; the test images of the 9 other classes are the anomalies.
aekit runs as `aekit detect fit fashion-mnist --normal-class C --normal-only` does (a 2-D conv
autoencoder, tasks.detect.KIND_DEFAULTS["image"]), on the raw pixels in [0, 255]. PCA keeps as
many components as the detector's code (16) and scores by mean squared reconstruction error;
IsolationForest scores the 784 pixels. One seed (0). ROC-AUC per class and the mean.

Usage: .venv/bin/python bench/image_anomaly.py --threads 2      (about 5 minutes)
       .venv/bin/python bench/image_anomaly.py --threads 2 --config JSON --tag TAG  (a variant)
Writes bench/results/image_anomaly.json (image_anomaly_TAG.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import command, machine, parse_args, write_result  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--classes", default="0-9", help="normal classes to run, e.g. 0-9 or 0,3")
    p.add_argument("--config", default="{}", help="JSON: detector options over the defaults")
    p.add_argument("--tag", help="write image_anomaly_TAG.json (a variant)")
    a = parse_args(p)
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    from aekit import AnomalyDetector
    from aekit.data import fashion_mnist
    from aekit.tasks.detect import KIND_DEFAULTS

    x_all, y_all, x_test, y_test = fashion_mnist.load_arrays(None)
    x_all, x_test = x_all.reshape(len(x_all), -1), x_test.reshape(len(x_test), -1)
    first, _, last = a.classes.partition("-")
    classes = range(int(first), int(last) + 1) if last else [int(c) for c in a.classes.split(",")]
    options = {**KIND_DEFAULTS["image"], "input_shape": (1, 28, 28), **json.loads(a.config)}
    k = int(options["latent"])
    rows = []
    for c in classes:
        x_fit = x_all[y_all == c].astype(np.float32)
        y = (y_test != c).astype(int)  # 1 = anomaly: every other class
        row: dict = {"normal_class": int(c), "class_name": fashion_mnist.CLASS_NAMES[c],
                     "n_fit": int(len(x_fit)), "n_test": int(len(y)),
                     "n_anomalies": int(y.sum())}  # fmt: skip
        t0 = time.perf_counter()
        det = AnomalyDetector(random_state=0, **options).fit(x_fit)
        row["aekit_seconds"] = time.perf_counter() - t0
        row["aekit"] = float(roc_auc_score(y, det.decision_function(x_test)))
        t0 = time.perf_counter()
        pca = PCA(k, random_state=0).fit(x_fit)
        err = ((pca.inverse_transform(pca.transform(x_test)) - x_test) ** 2).mean(1)
        row["pca_seconds"] = time.perf_counter() - t0
        row["pca"] = float(roc_auc_score(y, err))
        t0 = time.perf_counter()
        forest = IsolationForest(random_state=0).fit(x_fit)
        row["iforest"] = float(roc_auc_score(y, -forest.score_samples(x_test)))
        row["iforest_seconds"] = time.perf_counter() - t0
        rows.append(row)
        print(f"class {c} ({row['class_name']}): aekit {row['aekit']:.4f} "
              f"({row['aekit_seconds']:.0f} s), PCA-{k} {row['pca']:.4f}, "
              f"IsolationForest {row['iforest']:.4f}", flush=True)  # fmt: skip
    means = {m: float(np.mean([r[m] for r in rows])) for m in ("aekit", "pca", "iforest")}
    print("mean ROC-AUC: " + ", ".join(f"{m} {v:.4f}" for m, v in means.items()))
    out = {
        "benchmark": "Fashion-MNIST one class normal: ROC-AUC on the 10,000 test images",
        "command": command(), **machine(a.threads),
        "detector": {k2: (list(v) if isinstance(v, tuple) else v) for k2, v in options.items()},
        "pca_components": k, "seed": 0, "rows": rows, "mean_roc_auc": means,
    }  # fmt: skip
    print(write_result("image_anomaly" + (f"_{a.tag}" if a.tag else ""), out))


if __name__ == "__main__":
    main()
