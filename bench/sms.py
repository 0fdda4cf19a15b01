"""SMS spam as anomalies (issue 7): aekit's detector on TF-IDF vectors against TruncatedSVD-64
reconstruction error and IsolationForest, side by side on the same features.

Protocol, per seed (3 seeds): a stratified 70/30 split of the 5,574 messages. The TF-IDF
vocabulary (aekit.data.text.TextFeatures, at most 10,000 words) is fitted on the training
split's texts, as `aekit detect fit` does; labels are not used for it. Every method is then
fitted on the training split's ham only and scores the test split; spam is the anomaly. aekit
runs with its defaults for text (tasks.detect.KIND_DEFAULTS["text"]: an MLP on the raw TF-IDF
weights, with a 128-d code). SVD with a 128-d code runs beside the target's SVD-64, so the
comparison at equal code size is on record too. ROC-AUC and PR-AUC per seed, mean and spread.

Usage: .venv/bin/python bench/sms.py --threads 2      (about 3 minutes)
Writes bench/results/sms.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import SHARED, machine, parse_args, write_result  # noqa: E402

DATA = SHARED / "text/sms_spam_collection/SMSSpamCollection"
SEEDS = (0, 1, 2)
MARGIN = 0.05  # target: aekit >= TruncatedSVD-64 + MARGIN, and > IsolationForest


def main() -> None:
    a = parse_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    from sklearn.decomposition import TruncatedSVD
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    from aekit import AnomalyDetector
    from aekit.data.text import TextFeatures, read_text
    from aekit.tasks.detect import KIND_DEFAULTS

    docs, y, classes = read_text(DATA, "1", "0")
    assert classes == ["ham", "spam"] and y is not None
    options = KIND_DEFAULTS["text"]

    def svd(k):
        def make(x_fit, seed):
            s = TruncatedSVD(k, random_state=seed).fit(x_fit)
            return lambda x: ((s.inverse_transform(s.transform(x)) - x) ** 2).sum(1)

        return make

    def iforest(x_fit, seed):
        f = IsolationForest(random_state=seed).fit(x_fit)
        return lambda x: -f.score_samples(x)

    def aekit(x_fit, seed):
        return AnomalyDetector(random_state=seed, **options).fit(x_fit).decision_function

    # svd128: the same code size as aekit's default for text, beside the target's SVD-64
    methods = {"aekit": aekit, "svd64": svd(64), "svd128": svd(128), "iforest": iforest}
    runs: dict[str, list] = {m: [] for m in methods}
    for seed in SEEDS:
        idx = np.arange(len(docs))
        tr, te = train_test_split(idx, test_size=0.3, stratify=y, random_state=seed)
        feats = TextFeatures.fit(docs[tr])
        x_fit = feats.transform(docs[tr][y[tr] == 0])
        x_test, y_test = feats.transform(docs[te]), y[te]
        for name, make in methods.items():
            t0 = time.perf_counter()
            score = make(x_fit, seed)
            fit_s = time.perf_counter() - t0
            s = score(x_test)
            runs[name].append({"seed": seed, "roc_auc": float(roc_auc_score(y_test, s)),
                               "pr_auc": float(average_precision_score(y_test, s)),
                               "fit_seconds": fit_s, "vocabulary": len(feats.vocabulary)})  # fmt: skip
            print(f"seed {seed} {name:<8} ROC-AUC {runs[name][-1]['roc_auc']:.4f} ({fit_s:.0f} s)")
    results = {}
    for name, rows in runs.items():
        auc = [r["roc_auc"] for r in rows]
        results[name] = {"roc_auc_mean": float(np.mean(auc)), "roc_auc_std": float(np.std(auc)),
                         "pr_auc_mean": float(np.mean([r["pr_auc"] for r in rows])),
                         "runs": rows}  # fmt: skip
        print(f"{name:<8} ROC-AUC {np.mean(auc):.4f} ± {np.std(auc):.4f}  "
              f"PR-AUC {results[name]['pr_auc_mean']:.4f}")  # fmt: skip
    ours, svd_auc, if_auc = (results[m]["roc_auc_mean"] for m in ("aekit", "svd64", "iforest"))
    met = ours >= svd_auc + MARGIN and ours > if_auc
    out = {
        "benchmark": "SMS Spam Collection, spam as anomalies, fitted on training ham",
        "command": f"python bench/sms.py --threads {a.threads}", **machine(a.threads),
        "aekit_options": {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()},
        "n_messages": int(len(docs)), "n_spam": int(y.sum()), "results": results,
        "target": {"rule": f"aekit >= svd64 + {MARGIN} and > iforest", "met": bool(met)},
    }  # fmt: skip
    print(f"target: {'MET' if met else 'MISSED'} (aekit {ours:.4f}, SVD-64 {svd_auc:.4f}, "
          f"IsolationForest {if_auc:.4f})")  # fmt: skip
    print(write_result("sms", out))


if __name__ == "__main__":
    main()
