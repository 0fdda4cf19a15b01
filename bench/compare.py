"""`aekit compare` on real runs: under- vs overcomplete, plain vs denoising vs sparse, and two
VAEs, all trained on Fashion-MNIST with the same schedule, then one table and one plot.

Every run is an MLP with one hidden layer of 512 units (so a 1,024-unit code is overcomplete
for the 784 pixels), except the convolutional VAE. Metrics are those each run recorded at the
end of `train` (VAE iw_nll: 100 importance samples on 1,000 test rows). The report of the
convolutional VAE is opened in headless Chromium and its screenshot saved for the README.
Usage: .venv/bin/python bench/compare.py --threads 2
Writes bench/results/compare.json, docs/compare.png and docs/report.png.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from _common import DOCS, machine, parse_args, trained_run, write_result  # noqa: E402
from aekit.plots import compare_bars  # noqa: E402
from aekit.tasks.compare import KEYS, compare, table  # noqa: E402

RUNS = {  # name: (model, config)
    "under-32": ("mlp", {"latent": 32, "hidden": [512]}),
    "over-1024": ("mlp", {"latent": 1024, "hidden": [512]}),
    "denoising-1024": ("mlp", {"latent": 1024, "hidden": [512], "noise": "gaussian:0.3"}),
    "sparse-kl-1024": ("mlp", {"latent": 1024, "hidden": [512], "sparsity": "kl:0.05"}),
    "vae-32": ("vae", {"latent": 32, "hidden": [512]}),
    "conv-vae-16": ("conv-vae", {"latent": 16}),
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    a = parse_args(p, threads=2)
    paths = []
    for name, (model, cfg) in RUNS.items():
        print(f"training {name} ...", flush=True)
        paths.append(trained_run(f"compare-{name}", model, cfg, epochs=a.epochs, batch_size=64))
    rows = compare(paths)
    for r in rows:
        r["run"] = r["run"].removeprefix("compare-")
        r.pop("path")
    compare_bars(
        rows, list(KEYS), DOCS / "compare.png", title="aekit compare: Fashion-MNIST test split"
    )
    md = table(rows)
    print(md)
    shot = screenshot(paths[-1] / "report.html", DOCS / "report.png")
    activity = code_activity(paths[list(RUNS).index("sparse-kl-1024")])
    print(f"sparse-kl-1024 codes: {activity}")
    write_result("compare", {**machine(a.threads), "epochs": a.epochs, "batch_size": 64,
                             "rows": rows, "table": md, "report_check": shot,
                             "sparse_kl_code_activity": activity})  # fmt: skip


def code_activity(run: Path) -> dict:
    """A KL-sparse run's sigmoid codes of the test images: each unit's mean activation (what
    the KL term pulls towards rho), and the share of activations above 0.1 and above 0.5 (the
    `active_fraction` of the table)."""
    import torch

    from aekit import load
    from aekit.regularizers import active_fraction
    from aekit.tasks import evaluation_data

    ck = load(run)
    with torch.no_grad():
        z = ck.model.encode(torch.from_numpy(evaluation_data(ck, None).x_test))
    unit = z.mean(0)
    return {"rho": ck.model.sparsity.rho, "unit_mean_activation": {
                "min": float(unit.min()), "median": float(unit.median()), "max": float(unit.max())},
            "share_above_0.1": float((z > 0.1).float().mean()),
            "share_above_0.5": active_fraction(z, "sigmoid")}  # fmt: skip


def screenshot(report: Path, out: Path) -> dict:
    from tests.chromium import check_page

    page = check_page(report, width=1100, height=1500)
    out.write_bytes(page.screenshot)
    return {"images": len(page.images), "broken_images": len(page.broken_images),
            "console_errors": page.console_errors}  # fmt: skip


if __name__ == "__main__":
    main()
