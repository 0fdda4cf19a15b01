"""scikit-learn text pipelines on sparse TF-IDF rows: aekit's estimators after TfidfVectorizer,
each beside the plain scikit-learn way on the same documents and labels.

AG News (the 7,600 documents of ../shared/data/text/ag_news_test, title and description), per
seed (3 seeds), a stratified split into 3,000 training and 1,000 test documents;
TfidfVectorizer(min_df=2, sublinear_tf=True) is fitted on the training documents.
- codes: AutoencoderTransformer (tied linear encoder, 32-d code, masking noise 0.5, the
  multinomial-binary loss, 10 epochs at lr 0.01) -> standardized codes -> logistic regression
  with every training label, against TruncatedSVD-32 codes through the same probe.
- few labels: 50 labelled documents per topic (200), the other 2,800 unlabelled (y = -1).
  AutoencoderClassifier pre-trains on all 3,000 (the same recipe) and fine-tunes on the 200
  (30 epochs at lr 0.01), against logistic regression on the 200 labelled TF-IDF rows.
These are the settings of tests/test_estimators.py, which assert the same comparisons on seed 0.

Usage: .venv/bin/python bench/sklearn_text.py --threads 1     (about a minute)
Writes bench/results/sklearn_text.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import SHARED, command, machine, parse_args, summarize, write_result  # noqa: E402

DATA = SHARED / "text/ag_news_test/test.csv"
SEEDS = (0, 1, 2)
RECIPE = dict(model="stacked", hidden=(), latent=32, noise="mask:0.5",
              recon_loss="multinomial-binary")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a = parse_args(p, threads=1)
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from aekit import AutoencoderClassifier, AutoencoderTransformer
    from aekit.data.text import read_text

    docs, y, classes = read_text(DATA, "1,2", "0")
    assert y is not None
    runs: dict[str, list] = {m: [] for m in ("codes", "svd32", "few_labels", "logreg_labelled")}
    for seed in SEEDS:
        tr, te = train_test_split(np.arange(len(docs)), train_size=3000, test_size=1000,
                                  stratify=y, random_state=seed)  # fmt: skip
        vec = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(docs[tr])
        x_tr, x_te = vec.transform(docs[tr]), vec.transform(docs[te])
        y_tr, y_te = y[tr], y[te]

        def probe(z_tr, z_te):  # noqa: B023
            pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            return float(pipe.fit(z_tr, y_tr).score(z_te, y_te))  # noqa: B023

        t0 = time.perf_counter()
        ae = AutoencoderTransformer(epochs=10, lr=1e-2, random_state=seed, **RECIPE).fit(x_tr)
        fit_s = time.perf_counter() - t0
        runs["codes"].append({"seed": seed, "accuracy": probe(ae.transform(x_tr), ae.transform(x_te)),
                              "fit_seconds": fit_s})  # fmt: skip
        svd = TruncatedSVD(32, random_state=seed).fit(x_tr)
        runs["svd32"].append({"seed": seed,
                              "accuracy": probe(svd.transform(x_tr), svd.transform(x_te))})  # fmt: skip
        rng = np.random.default_rng(seed)
        lab = np.concatenate([rng.choice(np.flatnonzero(y_tr == c), 50, replace=False)
                              for c in range(len(classes))])  # fmt: skip
        y_semi = np.full(len(tr), -1)
        y_semi[lab] = y_tr[lab]
        t0 = time.perf_counter()
        clf = AutoencoderClassifier(pretrain_epochs=10, lr=1e-2, finetune_epochs=30,
                                    finetune_lr=1e-2, random_state=seed, **RECIPE).fit(x_tr, y_semi)  # fmt: skip
        fit_s = time.perf_counter() - t0
        runs["few_labels"].append({"seed": seed, "accuracy": float(clf.score(x_te, y_te)),
                                   "labels": int(len(lab)), "fit_seconds": fit_s})  # fmt: skip
        lr = LogisticRegression(max_iter=1000).fit(x_tr[lab], y_tr[lab])
        runs["logreg_labelled"].append({"seed": seed, "accuracy": float(lr.score(x_te, y_te))})
        print(f"seed {seed}: " + ", ".join(f"{m} {r[-1]['accuracy']:.4f}" for m, r in runs.items()))
    results = summarize(runs, width=16)
    out = {"benchmark": "scikit-learn pipelines on sparse TF-IDF rows (AG News, 3,000 / 1,000)",
           "command": command(), **machine(a.threads), "recipe": {**RECIPE, "hidden": []},
           "vocabulary": "TfidfVectorizer(min_df=2, sublinear_tf=True) on the training documents",
           "results": results}  # fmt: skip
    print(write_result("sklearn_text", out))


if __name__ == "__main__":
    main()
