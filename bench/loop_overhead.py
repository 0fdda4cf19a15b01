"""Training-loop overhead: aekit's `fit` vs a minimal hand-written PyTorch loop.

Same model, data, batch size, optimizer and number of samples, in one process, interleaved
(fit, hand, fit, hand, ...); median samples per second of each. Usage on an idle machine:
    .venv/bin/python bench/loop_overhead.py --threads 2
Writes bench/results/loop_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from aekit import TrainConfig, build_model, fit, load_dataset

OUT = Path(__file__).parent / "results"


def hand_loop(model, x: torch.Tensor, epochs: int, batch_size: int, lr: float) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    t = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch_size):
            xb = x[perm[i : i + batch_size]]
            loss = F.mse_loss(torch.sigmoid(model.decoder(model.encoder(xb))), xb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return epochs * len(x) / (time.perf_counter() - t)


def aekit_fit(model, x: torch.Tensor, epochs: int, batch_size: int, lr: float) -> float:
    cfg = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, progress=False)
    t = time.perf_counter()
    fit(model, x, cfg)  # no validation split: the same work as the hand loop
    return epochs * len(x) / (time.perf_counter() - t)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ds = load_dataset("fashion-mnist", limit=a.samples, val_fraction=0.0)
    x = torch.from_numpy(ds.x_train)
    results = []
    for name in ("conv", "mlp"):
        rates: dict[str, list[float]] = {"fit": [], "hand": []}
        for r in range(a.repeats + 1):  # the first round warms up and is discarded
            for kind, fn in (("fit", aekit_fit), ("hand", hand_loop)):
                torch.manual_seed(r)
                model = build_model(name, input_shape=ds.sample_shape, latent=32)
                rate = fn(model, x, 1, a.batch_size, 2e-3)
                if r:
                    rates[kind].append(rate)
        fit_rate, hand_rate = statistics.median(rates["fit"]), statistics.median(rates["hand"])
        results.append({"model": name, "fit_samples_per_s": fit_rate, "hand_samples_per_s": hand_rate,
                        "ratio": fit_rate / hand_rate, "all": rates})  # fmt: skip
        print(
            f"{name}: fit {fit_rate:,.0f}/s, hand-written {hand_rate:,.0f}/s, ratio {fit_rate / hand_rate:.3f}"
        )
    OUT.mkdir(exist_ok=True)
    (OUT / "loop_overhead.json").write_text(json.dumps({
        "command": f"python bench/loop_overhead.py --threads {a.threads}",
        "machine": f"{platform.machine()}, {a.threads} torch threads, CPU only",
        "setup": f"{a.samples} Fashion-MNIST images, batch {a.batch_size}, Adam, 1 epoch per "
                 f"measurement, median of {a.repeats} interleaved repeats",
        "results": results,
    }, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
