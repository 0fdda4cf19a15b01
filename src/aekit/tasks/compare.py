"""The same metrics across runs, side by side: one row per run, read from its model.json.

No model is loaded or run: the numbers are the test-split metrics each run recorded when it was
trained (`aekit evaluate` recomputes them for one run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..checkpoint import read_info
from ..errors import AekitError

KEYS = (
    "mse", "psnr", "ssim", "probe_accuracy", "knn_accuracy", "silhouette", "trustworthiness",
    "active_fraction", "effective_dims", "elbo", "iw_nll", "frechet_distance", "frechet_floor",
    "precision", "recall", "class_coverage", "max_class_share",
)  # fmt: skip


def compare(runs: list[str | Path]) -> list[dict[str, Any]]:
    """One row per run: name, model, latent, parameters and the metrics in KEYS (None where a
    run did not record one)."""
    if not runs:
        raise AekitError("give at least one run folder")
    rows = []
    for run in runs:
        info, d = read_info(run)
        m = info.get("metrics", {})
        row: dict[str, Any] = {
            "run": d.name or str(d),
            "path": str(d),
            "model": info.get("model"),
            "latent": info.get("config", {}).get("latent"),
            "noise": info.get("config", {}).get("noise"),
            "sparsity": info.get("config", {}).get("sparsity"),
            "parameters": info.get("num_parameters"),
        }
        row.update({k: m.get(f"test_{k}") for k in KEYS})
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the rows (columns that no run has are left out)."""
    cols = ["run", "model", "latent", "noise", "sparsity", "parameters"]
    cols += [k for k in KEYS if any(r.get(k) is not None for r in rows)]

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)
