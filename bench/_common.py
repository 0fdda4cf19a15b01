"""What the task benchmarks share: machine facts, trained runs kept in bench/runs/, results."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).parent
RESULTS = ROOT / "results"
RUNS = ROOT / "runs"  # trained models, reused between benchmark runs (git-ignored)
DOCS = ROOT.parent / "docs"
SHARED = ROOT.parents[1] / "shared" / "data"  # the real data sets beside the repository


def parse_args(p: argparse.ArgumentParser, threads: int = 2) -> argparse.Namespace:
    """Parse a bench script's arguments, adding --threads (torch threads; default `threads`)
    and applying it."""
    p.add_argument("--threads", type=int, default=threads, help="torch threads")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    return a


def cpu_model() -> str:
    """The CPU as /proc/cpuinfo names it, with its model number (machines of the same name
    differ: two epochs of one GAN took 401 s on one 2-core machine here and 158 s on another)."""
    try:
        info = dict(
            line.split(":", 1)
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if ":" in line
        )
    except OSError:
        return platform.processor() or "unknown"
    info = {k.strip(): v.strip() for k, v in info.items()}
    return f"{info.get('model name', 'unknown')} (family {info.get('cpu family', '?')}, model {info.get('model', '?')})"


def command() -> str:
    """The command line this bench script was run with, as result files record it."""
    return " ".join([f"python bench/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def machine(threads: int) -> dict[str, Any]:
    return {
        "machine": platform.machine(),
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "torch_threads": threads,
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def add_recipe_args(p: argparse.ArgumentParser, name: str, model: str, config: str,
                    latent: int, epochs: int) -> None:  # fmt: skip
    """The options of a bench script that trains one model recipe: --model, --config (model
    options as JSON), --latent, --epochs, --batch-size, and --tag (write NAME_TAG.json)."""
    p.add_argument("--model", default=model)
    p.add_argument("--config", default=config, help="model options as JSON")
    p.add_argument("--latent", type=int, default=latent)
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--tag", help=f"write {name}_TAG.json (a variant)")


def recipe_config(a: argparse.Namespace) -> dict[str, Any]:
    """The model options add_recipe_args' --latent and --config give."""
    return {"latent": a.latent, **json.loads(a.config)}


# the source files whose change can change what a recipe trains into
TRAINING_CODE = (
    "training.py",
    "engine.py",
    "regularizers.py",
    "runs.py",
    "models/*.py",
    "data/*.py",
)


def training_code_digest() -> str:
    """SHA-256 over this checkout's model, training and data code (TRAINING_CODE)."""
    import hashlib

    src = ROOT.parent / "src" / "aekit"
    h = hashlib.sha256()
    for f in sorted({f for pattern in TRAINING_CODE for f in src.glob(pattern)}):
        h.update(f.relative_to(src).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def trained_run(name: str, model: str, model_config: dict[str, Any], epochs: int,
                batch_size: int = 64, retrain: bool = False, **train_options: Any) -> Path:  # fmt: skip
    """bench/runs/NAME: trained on Fashion-MNIST with this recipe unless it is already there
    (recipe.json records the recipe; a different recipe is retrained). `train_options` go to
    TrainConfig (e.g. lr). recipe.json also records `training_code_digest()`: a run kept from
    other model or training code is reused, with a note on stderr saying so."""
    from aekit import TrainConfig, train_run

    out = RUNS / name
    recipe = {"model": model, "config": model_config, "epochs": epochs, "batch_size": batch_size}
    if train_options:
        recipe["train_options"] = train_options
    done = out / "metrics.json"
    code = training_code_digest()
    if done.is_file() and not retrain:
        saved = (
            json.loads((out / "recipe.json").read_text())
            if (out / "recipe.json").is_file()
            else None
        )
        trained_by = saved.pop("training_code_sha256", None) if saved else None
        if saved == recipe:
            if trained_by != code:
                print(f"note: {out} was trained by other model/training code than this "
                      f"checkout's ({'not recorded' if trained_by is None else trained_by[:12]} "
                      f"vs {code[:12]}); it is reused as it is: delete it to retrain",
                      file=sys.stderr)  # fmt: skip
            return out
    t0 = time.perf_counter()
    train_run("fashion-mnist", model, out, model_config=model_config,
              train_config=TrainConfig(epochs=epochs, batch_size=batch_size, progress=True,
                                       **train_options),
              overwrite=True)  # fmt: skip
    (out / "recipe.json").write_text(json.dumps({**recipe, "training_code_sha256": code}, indent=2))
    (out / "train_seconds.txt").write_text(f"{time.perf_counter() - t0:.1f}\n")
    return out


def write_result(name: str, obj: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    p = RESULTS / f"{name}.json"
    p.write_text(json.dumps(obj, indent=2) + "\n")
    return p


def summarize(runs: dict[str, list[dict[str, Any]]], metric: str = "accuracy",
              width: int = 10) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Per method, the mean and spread of `metric` over its per-seed rows, with the rows:
    {name: {METRIC_mean, METRIC_std, runs}}; printed one line per method."""
    import numpy as np

    results = {}
    for name, rows in runs.items():
        values = [r[metric] for r in rows]
        results[name] = {f"{metric}_mean": float(np.mean(values)),
                         f"{metric}_std": float(np.std(values)), "runs": rows}  # fmt: skip
        print(f"{name:<{width}} {metric} {np.mean(values):.4f} ± {np.std(values):.4f}")
    return results


def fresh_process_runs(script: str, ways: tuple[str, ...], repeats: int,
                       *args: str) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Each way `repeats` times, alternating, each in a fresh process (peak memory is per
    process; one timing is noisy): `script --one WAY *args`, whose last stdout line is one
    JSON object. Returns {way: [that object per run]}."""
    import subprocess

    runs: dict[str, list[dict[str, Any]]] = {way: [] for way in ways}
    for _ in range(repeats):
        for way in ways:
            out = subprocess.run([sys.executable, script, "--one", way, *args],
                                 check=True, capture_output=True, text=True).stdout  # fmt: skip
            runs[way].append(json.loads(out.strip().splitlines()[-1]))
    return runs


def median_row(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """The first run's fields, with each of `keys` replaced by its median over the runs."""
    import numpy as np

    return {**runs[0], **{k: float(np.median([m[k] for m in runs])) for k in keys}}
