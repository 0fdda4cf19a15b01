"""The same metrics across runs, side by side: one row per run, read from its model.json.

No model is loaded or run: the numbers are the test-split metrics each run recorded when it was
trained (`aekit evaluate` recomputes them for one run). They compare only between runs tested on
the same samples, scaled the same way (MSE and PSNR are in the model's input units);
`mismatch` says where the runs differ.
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
            "data": _test_split(info),
            "test_sha256": (info.get("data") or {}).get("test_sha256"),
            "scaler": (info.get("scaler") or {}).get("kind"),
        }
        row.update({k: m.get(f"test_{k}") for k in KEYS})
        rows.append(row)
    return rows


def _test_split(info: dict[str, Any]) -> str | None:
    """What the run was tested on, as one string: the data's name and sample shape, and the
    test split's size and how it was drawn. None for a folder that records no data (one saved
    by an estimator)."""
    d = info.get("data") or {}
    args = d.get("load_args")
    if not args:  # an estimator's folder records its columns, not the data it was fitted on
        return None
    shape = "x".join(str(v) for v in d.get("sample_shape") or [])
    limit = f", limit {args['limit']}" if args.get("limit") is not None else ""
    return f"{d.get('name')} {shape}, test {d.get('n_test')} (seed {args.get('seed')}{limit})"


def mismatch(rows: list[dict[str, Any]]) -> str | None:
    """One line saying which runs were not tested on the same samples scaled the same way, so
    that their metrics do not compare; None when they all were (or only one run is given).
    Runs are told apart by the digest of their test samples where every run records one
    (`Dataset.test_sha256`), else by their data's description."""
    by_digest = all(r.get("test_sha256") for r in rows)
    notes = []
    for key, what in (("test_sha256" if by_digest else "data", "test data"), ("scaler", "scaler")):
        kinds = {r[key] for r in rows}
        if len(kinds) > 1:
            shown = "data" if key == "test_sha256" else key
            groups = "; ".join(
                f"{', '.join(r['run'] for r in rows if r[key] == k)}: "
                f"{next(r[shown] for r in rows if r[key] == k) or 'not recorded'}"
                for k in sorted(kinds, key=str)
            )
            notes.append(f"{what} differs ({groups})")
    if not notes:
        return None
    return "these runs do not compare like for like: " + "; ".join(notes)


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
