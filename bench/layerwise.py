"""Greedy layer-wise pre-training vs end-to-end training of the stacked (tied) autoencoder.

Fashion-MNIST, `stacked` with hidden 512, 256 and latent 32, batch 64, seeds 0-2, side by
side in one run: end to end for --epochs; layer-wise (--layerwise epochs per layer pair, then
--epochs end to end); and end to end for --epochs + --layerwise epochs (about the layer-wise
run's time). Reports test MSE, the linear probe's and kNN's accuracy on the test codes
(`aekit evaluate`'s), and seconds. Usage on an idle machine:
    .venv/bin/python bench/layerwise.py --threads 2
Writes bench/results/layerwise.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from aekit import TrainConfig, build_model, fit, load_dataset
from aekit.tasks.evaluate import evaluate

sys.path.insert(0, str(Path(__file__).parent))
from _common import command, machine, parse_args, write_result  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--layerwise", type=int, default=2, help="epochs per layer pair")
    p.add_argument("--seeds", default="0,1,2")
    a = parse_args(p)
    ds = load_dataset("fashion-mnist", seed=0)
    ways = {
        "end_to_end": (a.epochs, 0),
        "layerwise": (a.epochs, a.layerwise),
        "end_to_end_longer": (a.epochs + a.layerwise, 0),
    }
    runs: dict[str, list[dict]] = {w: [] for w in ways}
    for seed in map(int, a.seeds.split(",")):
        for way, (epochs, layerwise) in ways.items():
            m = build_model("stacked", seed=seed, input_shape=ds.sample_shape, hidden=(512, 256),
                            latent=32, output="sigmoid")  # fmt: skip
            cfg = TrainConfig(epochs=epochs, batch_size=64, seed=seed, progress=False,
                              layerwise_epochs=layerwise)  # fmt: skip
            t = time.perf_counter()
            hist = fit(m, ds, cfg)
            secs = time.perf_counter() - t
            s = evaluate(m, ds, iw_samples=0, generation=False)
            row = {"seed": seed, "epochs": epochs, "layerwise_epochs": layerwise,
                   "test_mse": s["mse"], "probe_accuracy": s["probe_accuracy"],
                   "knn_accuracy": s["knn_accuracy"], "seconds": secs,
                   "layer_pairs": hist.layerwise}  # fmt: skip
            runs[way].append(row)
            print(f"seed {seed} {way:<18} test MSE {s['mse']:.5f}  probe {s['probe_accuracy']:.4f}"
                  f"  kNN {s['knn_accuracy']:.4f}  {secs:.0f} s", flush=True)  # fmt: skip
    summary = {}
    for way, rows in runs.items():
        summary[way] = {k: float(np.mean([r[k] for r in rows]))
                        for k in ("test_mse", "probe_accuracy", "knn_accuracy", "seconds")}  # fmt: skip
        summary[way]["test_mse_std"] = float(np.std([r["test_mse"] for r in rows]))
    base = summary["end_to_end"]
    for way, s in summary.items():
        s["mse_ratio_to_end_to_end"] = s["test_mse"] / base["test_mse"]
        s["seconds_ratio_to_end_to_end"] = s["seconds"] / base["seconds"]
        print(f"{way:<18} test MSE {s['test_mse']:.5f} ± {s['test_mse_std']:.5f} "
              f"({s['mse_ratio_to_end_to_end']:.3f}x)  probe {s['probe_accuracy']:.4f}  "
              f"kNN {s['knn_accuracy']:.4f}  {s['seconds']:.0f} s "
              f"({s['seconds_ratio_to_end_to_end']:.2f}x)")  # fmt: skip
    write_result("layerwise", {"command": command(), **machine(torch.get_num_threads()),
                               "model": {"name": "stacked", "hidden": [512, 256], "latent": 32},
                               "summary": summary, "runs": runs})  # fmt: skip


if __name__ == "__main__":
    main()
