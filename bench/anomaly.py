"""Anomaly detection, side by side: aekit's AnomalyDetector (one default configuration) against
PyOD's AutoEncoder and VAE (as shipped), scikit-learn's IsolationForest and PCA reconstruction
error, on every table in ../shared/data/anomaly/ (10 ADBench "classical" sets + the credit-card
sample), in two protocols, 3 seeds each.

Per seed: a stratified 70/30 split (ADBench's). "unsupervised" fits on the whole training
split, anomalies included; "novelty" fits on its normal rows only. Every method sees the same
rows standardized with the fit rows' statistics. Scores are ranked on the test split: ROC-AUC
and PR-AUC (average precision). PCA keeps as many components as aekit's code has (4, capped at
features - 1). PyOD's VAE is run as shipped: its default capacity=0 clamps the KL term to zero.

Also: the credit-card sample with frauds subsampled to 1% of the test rows (novelty, 20
seeds), and scoring throughput of a 30-feature detector on 1,000,000 rows.
Needs PyOD: .venv/bin/pip install -e '.[bench]'
Usage: .venv/bin/python bench/anomaly.py --threads 1           (everything, ~15 min here)
       .venv/bin/python bench/anomaly.py --methods aekit,aekit_recon,aekit_ens5,iforest --tag ensemble
       .venv/bin/python bench/anomaly.py --methods aekit,aekit_e5,aekit_e20,aekit_e30,aekit_code8,iforest --tag variants
       .venv/bin/python bench/anomaly.py --methods aekit,aekit_notrim,aekit_trim1.5,iforest --tag trim
       .venv/bin/python bench/anomaly.py --methods aekit,aekit_notrim,pyod_ae,iforest --seeds 3,4,5,6,7 --tag trim_seeds3-7
       .venv/bin/python bench/anomaly.py --methods aekit,aekit_e20,aekit_e30 --tag trim_epochs
       .venv/bin/python bench/anomaly.py --methods aekit,aekit_ens5 --tag trim_committee
       .venv/bin/python bench/anomaly.py --throughput-only --threads 2   (1 and 2 threads; idle machine)
Writes bench/results/anomaly.json (or anomaly_throughput.json).
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine, parse_args, write_result  # noqa: E402

DATA = Path(__file__).parents[2] / "shared/data/anomaly"
CREDITCARD = DATA / "creditcard_fraud_sample_1722.csv"
SEEDS = (0, 1, 2)
METHODS = ("aekit", "pyod_ae", "pyod_vae", "iforest", "pca")  # default --methods
# also: aekit_recon (scored by reconstruction error alone), and the default with options
# changed: aekit_eN (N epochs), aekit_codeN (code size N), aekit_lrX (learning rate, e.g.
# aekit_lr5e-3), aekit_hN (one hidden layer of N), aekit_ensN (a committee of N, codes
# alternating 4 and 2), aekit_trimK (the training fence at K x IQR, e.g. aekit_trim1.5),
# combined as in aekit_e30_code8 or aekit_ens5_lr5e-3; aekit_notrim trains on every row
VARIANT_OPTIONS = {
    "e": ("epochs", int),
    "code": ("latent", int),
    "lr": ("lr", float),
    "h": ("hidden", lambda v: (int(v),)),
    "ens": ("n_models", int),
    "trim": ("trim", float),
}
VARIANT = rf"_({'|'.join(VARIANT_OPTIONS)})(\d+(?:\.\d+)?(?:e-\d+)?)"


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    import pandas as pd

    out = {}
    for f in sorted(glob.glob(str(DATA / "*.npz")), key=lambda p: int(Path(p).name.split("_")[0])):
        with np.load(f, allow_pickle=False) as z:
            out[Path(f).stem] = (z["X"].astype(np.float64), z["y"].astype(int))
    if CREDITCARD.is_file():
        df = pd.read_csv(CREDITCARD)
        y = df.pop("Class").to_numpy().astype(int)
        df = df.drop(columns=[c for c in df.columns if c.startswith("Unnamed: ")])
        out["creditcard_sample"] = (df.to_numpy(np.float64), y)
    return out


def make(method: str, seed: int, d: int):
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest

    from aekit import AnomalyDetector

    if method == "aekit":
        return AnomalyDetector(random_state=seed)
    if method == "aekit_recon":  # the score before code density joined it
        return AnomalyDetector(random_state=seed, score_by="reconstruction")
    if method == "aekit_notrim":  # training on every row, as before trimming became the default
        return AnomalyDetector(random_state=seed, trim=None)
    options = re.findall(VARIANT, method)  # e.g. aekit_e30_code8: [("e", "30"), ("code", "8")]
    if options and method == "aekit" + "".join(f"_{k}{v}" for k, v in options):
        kw = {VARIANT_OPTIONS[k][0]: VARIANT_OPTIONS[k][1](v) for k, v in options}
        return AnomalyDetector(random_state=seed, **kw)
    if method == "pyod_ae":
        from pyod.models.auto_encoder import AutoEncoder

        return AutoEncoder(random_state=seed, verbose=0, device="cpu")
    if method == "pyod_vae":
        from pyod.models.vae import VAE

        return VAE(random_state=seed, verbose=0, device="cpu")
    if method == "iforest":
        return IsolationForest(random_state=seed)
    if method == "pca":
        return PCA(min(4, d - 1), random_state=seed)
    raise ValueError(method)


def scores(model, method: str, x: np.ndarray) -> np.ndarray:
    if method == "iforest":
        return -model.score_samples(x)
    if method == "pca":
        return ((model.inverse_transform(model.transform(x)) - x) ** 2).sum(1)
    return model.decision_function(x)


def run_one(method: str, seed: int, a: np.ndarray, b: np.ndarray, yb: np.ndarray) -> dict:
    from sklearn.metrics import average_precision_score, roc_auc_score

    torch.manual_seed(seed)
    m = make(method, seed, a.shape[1])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(a)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = scores(m, method, b)
    score_s = time.perf_counter() - t0
    return {"roc_auc": float(roc_auc_score(yb, s)), "pr_auc": float(average_precision_score(yb, s)),
            "fit_seconds": fit_s, "rows_per_second": len(b) / max(score_s, 1e-9)}  # fmt: skip


def split(x, y, seed, protocol):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    xa, xb, ya, yb = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
    if protocol == "novelty":
        xa = xa[ya == 0]
    sc = StandardScaler().fit(xa)
    return np.nan_to_num(sc.transform(xa)), np.nan_to_num(sc.transform(xb)), yb


def fraud_1pct(x, y, methods=METHODS, seeds=20):
    """Novelty on the credit-card sample with frauds at 1% of the test rows."""
    from sklearn.preprocessing import StandardScaler

    res: dict[str, list] = {m: [] for m in methods}
    normal, fraud = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        perm = rng.permutation(normal)
        fit_rows, test_normal = perm[: int(0.7 * len(perm))], perm[int(0.7 * len(perm)) :]
        k = max(1, round(0.01 * len(test_normal) / 0.99))
        test = np.r_[test_normal, rng.choice(fraud, k, replace=False)]
        sc = StandardScaler().fit(x[fit_rows])
        a, b, yb = sc.transform(x[fit_rows]), sc.transform(x[test]), y[test]
        for method in methods:
            res[method].append(run_one(method, seed, a, b, yb))

    def stats(rs: list[dict], key: str) -> dict:
        v = [r[key] for r in rs]
        return {f"{key}_mean": float(np.mean(v)), f"{key}_std": float(np.std(v))}

    return {m: {**stats(rs, "roc_auc"), **stats(rs, "pr_auc"), "seeds": seeds,
                "frauds_per_test_set": k, "normal_test_rows": int(len(test_normal))}
            for m, rs in res.items()}  # fmt: skip


def throughput(n: int = 1_000_000, score_by: str = "reconstruction+density") -> dict:
    """decision_function rows/s of a detector fitted on 30 standardized features."""
    from aekit import AnomalyDetector

    rng = np.random.default_rng(0)
    det = AnomalyDetector(epochs=1, score_by=score_by).fit(rng.normal(size=(2000, 30)))
    x = rng.normal(size=(n, 30))
    det.decision_function(x[:10_000])  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        det.decision_function(x)
        times.append(time.perf_counter() - t0)
    return {"score_by": score_by, "rows": n, "features": 30,
            "seconds_median": float(np.median(times)),
            "rows_per_second": n / float(np.median(times))}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--throughput-only", action="store_true")
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--tag", default="", help="write bench/results/anomaly_TAG.json")
    p.add_argument("--seeds", default=",".join(map(str, SEEDS)),
                   help="split and model seeds (default 0,1,2; others check a choice made on "
                   "those)")  # fmt: skip
    a = parse_args(p, threads=1)
    if a.throughput_only:  # 1 thread, then --threads, in one run; the default score and the
        runs = []  # reconstruction error alone side by side
        for threads in sorted({1, a.threads}):
            torch.set_num_threads(threads)
            for score_by in ("reconstruction+density", "reconstruction"):
                t = {"torch_threads": threads, **throughput(score_by=score_by)}
                print(
                    f"scoring by {score_by}: {t['rows_per_second']:,.0f} rows/s ({threads} threads)"
                )
                runs.append(t)
        write_result("anomaly_throughput", {**machine(a.threads), "runs": runs})
        return
    methods = a.methods.split(",")
    seeds = [int(v) for v in a.seeds.split(",")]
    data = datasets()
    results: dict = {}
    for protocol in ("unsupervised", "novelty"):
        for name, (x, y) in data.items():
            per = {m: [] for m in methods}
            for seed in seeds:
                xa, xb, yb = split(x, y, seed, protocol)
                for m in methods:
                    per[m].append(run_one(m, seed, xa, xb, yb))
            results.setdefault(protocol, {})[name] = {
                m: {k: float(np.mean([r[k] for r in rs])) for k in rs[0]} for m, rs in per.items()
            }
            print(protocol, name, {m: round(v["roc_auc"], 3) for m, v in results[protocol][name].items()},
                  flush=True)  # fmt: skip
    summary = {}
    for protocol, table in results.items():
        means = {m: float(np.mean([t[m]["roc_auc"] for t in table.values()])) for m in methods}
        pr = {m: float(np.mean([t[m]["pr_auc"] for t in table.values()])) for m in methods}
        wins = None
        if "pyod_ae" in methods and "aekit" in methods:
            wins = sum(t["aekit"]["roc_auc"] >= t["pyod_ae"]["roc_auc"] for t in table.values())
        summary[protocol] = {"mean_roc_auc": means, "mean_pr_auc": pr,
                             "aekit_ge_pyod_ae": wins, "datasets": len(table)}  # fmt: skip
        print(
            protocol,
            "mean ROC-AUC",
            {m: round(v, 4) for m, v in means.items()},
            "aekit >= PyOD AE on",
            wins,
        )
    fraud = fraud_1pct(*data["creditcard_sample"], methods) if "creditcard_sample" in data else None
    if fraud:
        print(
            "credit card, frauds at 1%:", {m: round(v["roc_auc_mean"], 3) for m, v in fraud.items()}
        )
    write_result(f"anomaly_{a.tag}" if a.tag else "anomaly", {**machine(a.threads), "seeds": seeds, "methods": methods,
                             "results": results, "summary": summary, "creditcard_1pct": fraud})  # fmt: skip


if __name__ == "__main__":
    main()
