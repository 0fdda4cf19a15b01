"""Under- vs overcomplete on Fashion-MNIST: `aekit sweep` with a one-layer MLP autoencoder
(784 -> latent -> 784, so the code is the only bottleneck), latents 2 ... 1024, one run.
Usage: .venv/bin/python bench/sweep.py --threads 2
Writes bench/results/sweep.json and docs/sweep.png.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import DOCS, RUNS, machine, parse_args, write_result  # noqa: E402
from aekit import TrainConfig, load_dataset  # noqa: E402
from aekit.tasks.sweep import sweep_run  # noqa: E402

LATENTS = [2, 4, 8, 16, 32, 64, 128, 256, 784, 1024]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    a = parse_args(p, threads=2)
    ds = load_dataset("fashion-mnist", seed=0)
    cfg = TrainConfig(epochs=a.epochs, batch_size=64, progress=False)
    out = RUNS / "sweep-out"
    s = sweep_run(ds, "mlp", LATENTS, out, cfg, model_config={"hidden": []})
    shutil.copy(out / "sweep.png", DOCS / "sweep.png")
    write_result("sweep", {**machine(a.threads), **s})
    print(f"{'latent':>7} {'train_mse':>10} {'test_mse':>10} {'probe':>7} {'noise_r2':>9}")
    for r in s["rows"]:
        print(f"{r['latent']:>7} {r['train_mse']:>10.5f} {r['test_mse']:>10.5f} "
              f"{r['probe_accuracy']:>7.4f} {r['noise_r2']:>9.3f}")  # fmt: skip
    print(s["note"])


if __name__ == "__main__":
    main()
