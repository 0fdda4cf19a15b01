"""The under- vs overcomplete study: one model per latent size, trained and measured alike.

For each latent size: train and test reconstruction MSE, a linear probe's test accuracy on the
codes (when labels exist), and how well the model reconstructs inputs it has never seen the
like of -- uniform noise. An autoencoder that learned the data's structure reconstructs noise
badly (noise R^2 near 0 or below); one that learned to copy its input reconstructs noise too
(R^2 towards 1). The note names the first latent size where copying sets in.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import metrics
from ..data.base import require_test_split
from ..errors import AekitError
from ..metrics import encode, reconstruction_mse
from ..progress import progress_bar
from ..registry import build_model
from ..runs import model_defaults
from ..training import TrainConfig, fit

COPY_R2 = 0.5  # noise R^2 above this: the model reconstructs arbitrary inputs (copies)
PROBE_SAMPLES = 10_000  # the probe is fitted on at most this many training codes


def noise_r2(model, shape: tuple[int, ...], kind: str, n: int = 1000, seed: int = 0) -> float:
    """1 - MSE(recon(noise), noise) / Var(noise) for uniform noise in the data's range
    ([0, 1] for images, N(0, 1) for standardized tables)."""
    g = torch.Generator().manual_seed(seed)
    noise = (
        torch.rand(n, *shape, generator=g)
        if kind == "image"
        else torch.randn(n, *shape, generator=g)
    )
    x = noise.numpy()
    return float(1.0 - reconstruction_mse(model, x) / float(x.var()))


def probe_accuracy(model, ds, seed: int = 0) -> float | None:
    """Logistic regression on standardized codes: fit on (at most PROBE_SAMPLES) training
    codes, scored on test codes; None without labels."""
    if ds.y_train is None or ds.y_test is None:
        return None
    return metrics.probe_accuracy(encode(model, ds.x_train), ds.y_train, encode(model, ds.x_test),
                                  ds.y_test, max_train=PROBE_SAMPLES, seed=seed, max_iter=500)  # fmt: skip


def sweep(
    ds,
    model: str,
    latents: list[int],
    train_config: TrainConfig,
    out: str | Path | None = None,
    model_config: dict[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train one `model` per latent size on `ds`; returns the rows and the copying note."""
    if not latents or any(k < 1 for k in latents):
        raise AekitError("latents must be positive integers, e.g. 2,4,8,16,32")
    require_test_split(ds)
    input_dim = int(np.prod(ds.sample_shape))
    rows = []
    bar = progress_bar(latents, show=progress, desc="sweep", unit="model")
    for k in bar:
        bar.set_postfix(latent=k)
        net = build_model(model, seed=train_config.seed,
                          **{**model_defaults(ds, model_config), **(model_config or {}), "latent": k})  # fmt: skip
        t0 = time.perf_counter()
        run_dir = Path(out) / f"latent-{k}" if out is not None else None
        fit(net, ds, train_config, out_dir=run_dir)
        net.to("cpu").eval()
        rows.append({
            "latent": k,
            "overcomplete": k >= input_dim,
            "parameters": net.num_parameters(),
            "train_mse": reconstruction_mse(net, ds.x_train),
            "test_mse": reconstruction_mse(net, ds.x_test),
            "probe_accuracy": probe_accuracy(net, ds, train_config.seed),
            "noise_r2": noise_r2(net, ds.sample_shape, ds.kind, seed=train_config.seed),
            "seconds": time.perf_counter() - t0,
        })  # fmt: skip
    bar.close()
    for r in rows:
        r["gap"] = r["test_mse"] - r["train_mse"]
    copying = next((r["latent"] for r in rows if r["noise_r2"] > COPY_R2), None)
    best = min(rows, key=lambda r: r["test_mse"])
    note = f"input dimension {input_dim}; lowest test MSE at latent {best['latent']}. " + (
        f"From latent {copying} on, the model reconstructs uniform noise with R^2 > "
        f"{COPY_R2}: it copies its input rather than modelling the data."
        if copying is not None
        else f"No latent size reconstructs uniform noise with R^2 > {COPY_R2}: "
        "none of these models simply copies its input."
    )
    return {"model": model, "input_dim": input_dim, "rows": rows, "copying_from": copying,
            "note": note, "train_config": train_config.__dict__}  # fmt: skip


def sweep_run(ds, model: str, latents: list[int], out: str | Path, train_config: TrainConfig,
              model_config: dict[str, Any] | None = None, progress: bool = True) -> dict[str, Any]:  # fmt: skip
    """The `aekit sweep` task: one run folder per latent, sweep.png, sweep.csv, summary.json."""
    import pandas as pd

    from .. import plots
    from ..checkpoint import atomic_write_bytes, check_folder
    from .common import output_dir, write_summary

    out = check_folder(out)  # made with the first result: bad input leaves nothing behind
    summary = sweep(ds, model, latents, train_config, out, model_config, progress)
    out = output_dir(out)
    summary["data"] = ds.name
    table = pd.DataFrame(summary["rows"])
    atomic_write_bytes(out / "sweep.csv", table.to_csv(index=False).encode())
    plots.sweep_plot(summary["rows"], summary["input_dim"], out / "sweep.png",
                     title=f"{model} on {ds.name}: under- vs overcomplete")  # fmt: skip
    write_summary(out, summary)
    return summary
