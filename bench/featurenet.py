"""Train the Fashion-MNIST feature network that aekit ships for its generation metrics.

Usage: .venv/bin/python bench/featurenet.py --threads 2
Writes src/aekit/assets/fmnist_featurenet.{safetensors,json} and bench/results/featurenet.json
(test accuracy, recipe, time). Trained once, through aekit's own training loop; the shipped
weights are what `aekit evaluate` measures Fréchet distance and precision/recall with.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _common import machine, parse_args, write_result  # noqa: E402
from aekit import TrainConfig, fit, load_dataset  # noqa: E402
from aekit import featurenet as fn  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--out", default=str(fn.ASSET_DIR))
    a = parse_args(p, threads=2)
    ds = load_dataset("fashion-mnist", seed=0)
    cfg = TrainConfig(epochs=a.epochs, batch_size=64, lr=2e-3, seed=0, progress=False)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = fn.FeatureNet()
    t0 = time.perf_counter()
    fit(net, (ds.x_train, ds.x_val), cfg, targets=(ds.y_train, ds.y_val))
    seconds = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        logits = torch.cat(
            [net(torch.from_numpy(ds.x_test[i : i + 1000])) for i in range(0, len(ds.x_test), 1000)]
        )
    acc = float((logits.argmax(1).numpy() == ds.y_test).mean())
    info = {
        "test_accuracy": acc,
        "trained_on": "Fashion-MNIST train split (54,000 rows; 6,000 held out for validation)",
        "train_config": asdict(cfg),
        "train_seconds": round(seconds, 1),
        "num_parameters": net.num_parameters(),
    }
    fn.save(net, a.out, info)
    write_result("featurenet", {**machine(a.threads), **info})
    print(f"test accuracy {acc:.4f} after {a.epochs} epochs in {seconds:.0f} s")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
