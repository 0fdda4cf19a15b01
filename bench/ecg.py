"""ECG5000 anomaly detection (issue 7): aekit's detector against IsolationForest and PCA-4
reconstruction error, side by side on the same rows.

Protocol: the UCR archive's own split. Every method is fitted on the normal beats (class 1) of
the 500-beat training file (292 beats) and scores the 4,500 test beats; classes 2-5 are the
anomalies (1,873). Features are the 140 samples as given (each beat is z-normalized already).
aekit runs as `aekit detect fit ECG5000_TRAIN.tsv --normal-class 1 --normal-only` does: its
defaults for time series (a 1-D conv autoencoder, tasks.detect.KIND_DEFAULTS["series"]); the
table default (an MLP) is run beside it. Seeded methods run with 3 seeds; ROC-AUC and PR-AUC
per seed, mean and spread.

Usage: .venv/bin/python bench/ecg.py --threads 2      (about 1 minute)
Writes bench/results/ecg.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import SHARED, machine, parse_args, write_result  # noqa: E402

DATA = SHARED / "timeseries/ecg5000/ECG5000_TRAIN.tsv"
SEEDS = (0, 1, 2)
TARGET = 0.99


def main() -> None:
    a = parse_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score, roc_auc_score

    from aekit import AnomalyDetector
    from aekit.data import load_dataset
    from aekit.tasks.detect import KIND_DEFAULTS

    ds = load_dataset(DATA, val_fraction=0.0)  # raw values: the global scaler is ~identity
    raw = {s: ds.scaler.inverse_transform(getattr(ds, f"x_{s}")) for s in ("train", "test")}
    x_fit = raw["train"][ds.y_train == 0].reshape(-1, 140)
    x_test = raw["test"].reshape(-1, 140)
    y_test = (ds.y_test != 0).astype(int)

    def pca(seed):
        p = PCA(4).fit(x_fit)
        return lambda x: ((p.inverse_transform(p.transform(x)) - x) ** 2).mean(1)

    def iforest(seed):
        f = IsolationForest(random_state=seed).fit(x_fit)
        return lambda x: -f.score_samples(x)

    def detector(options):
        def make(seed):
            d = AnomalyDetector(random_state=seed, **options).fit(x_fit)
            return d.decision_function

        return make

    series = {**KIND_DEFAULTS["series"], "input_shape": (1, 140)}
    methods = {
        "aekit_conv": (detector(series), series),
        "aekit_mlp": (
            detector({"score_by": "reconstruction"}),
            {"table defaults": True, "score_by": "reconstruction"},
        ),
        "iforest": (iforest, {}),
        "pca4": (pca, {}),
    }
    results = {}
    for name, (make, options) in methods.items():
        rows = []
        for seed in SEEDS if name != "pca4" else (0,):
            t0 = time.perf_counter()
            score = make(seed)
            fit_s = time.perf_counter() - t0
            s = score(x_test)
            rows.append({"seed": seed, "roc_auc": float(roc_auc_score(y_test, s)),
                         "pr_auc": float(average_precision_score(y_test, s)),
                         "fit_seconds": fit_s})  # fmt: skip
        auc = [r["roc_auc"] for r in rows]
        results[name] = {"options": {k: list(v) if isinstance(v, tuple) else v
                                     for k, v in options.items()},
                         "roc_auc_mean": float(np.mean(auc)), "roc_auc_std": float(np.std(auc)),
                         "pr_auc_mean": float(np.mean([r["pr_auc"] for r in rows])),
                         "runs": rows}  # fmt: skip
        print(f"{name:<11} ROC-AUC {np.mean(auc):.4f} ± {np.std(auc):.4f}  "
              f"PR-AUC {results[name]['pr_auc_mean']:.4f}")  # fmt: skip
    best = results["aekit_conv"]["roc_auc_mean"]
    out = {
        "benchmark": "ECG5000 anomaly detection, fitted on normal training beats",
        "command": f"python bench/ecg.py --threads {a.threads}",
        **machine(a.threads),
        "n_fit": int(len(x_fit)), "n_test": int(len(x_test)), "n_anomalies": int(y_test.sum()),
        "results": results,
        "target": {"roc_auc": TARGET, "met": bool(best >= TARGET)},
    }  # fmt: skip
    print(f"target ROC-AUC >= {TARGET}: {'MET' if best >= TARGET else 'MISSED'} ({best:.4f})")
    print(write_result("ecg", out))


if __name__ == "__main__":
    main()
