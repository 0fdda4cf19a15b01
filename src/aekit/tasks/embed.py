"""Codes to a 2-D map a person can look at: t-SNE, UMAP or PCA, with measures of how good it is.

map_2d(features, method) -> (N, 2); map_quality() -> kNN accuracy of the labels on the map
(5-fold, 5 neighbours) and trustworthiness (scikit-learn; on a seeded subset, it is O(N^2)).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AekitError
from ..metrics import encode, knn_accuracy, trustworthiness

METHODS = ("tsne", "umap", "pca")
EXAGGERATION_ITERATIONS, ITERATIONS = 250, 500  # openTSNE's schedule, the default


def tsne_schedule(
    exaggeration_iterations: int | None = None, iterations: int | None = None
) -> tuple[int, int]:
    """t-SNE's (early exaggeration, further) iterations, openTSNE's where not given; checked."""
    early = EXAGGERATION_ITERATIONS if exaggeration_iterations is None else exaggeration_iterations
    further = ITERATIONS if iterations is None else iterations
    if further < 1 or early < 0:
        raise AekitError(f"t-SNE needs iterations >= 1 and exaggeration iterations >= 0, got "
                         f"{further} and {early}")  # fmt: skip
    return early, further


def tsne(n: int, seed: int = 0, schedule: tuple[int, int] | None = None) -> Any:
    """openTSNE's TSNE as map_2d runs it on n points: FFT-accelerated, one thread, perplexity 30
    (less for fewer than 91 points, as t-SNE needs); `schedule`: (early exaggeration, further)
    iterations, openTSNE's (250, 500) unless given."""
    from openTSNE import TSNE

    early, further = tsne_schedule(*(schedule or ()))
    return TSNE(perplexity=min(30.0, (n - 1) / 3), n_jobs=1, random_state=seed,
                n_iter=further, early_exaggeration_iter=early)  # fmt: skip


def map_2d(
    features: np.ndarray,
    method: str = "tsne",
    seed: int = 0,
    verbose: bool = False,
    schedule: tuple[int, int] | None = None,
) -> np.ndarray:
    """A 2-D map of (N, D) features (`verbose`: a progress bar over t-SNE iterations).
    t-SNE is openTSNE's (FFT-accelerated, one thread), `schedule` its (early exaggeration,
    further) iterations, openTSNE's (250, 500) by default;
    UMAP is umap-learn's; PCA is scikit-learn's."""
    f = np.ascontiguousarray(np.asarray(features, dtype=np.float32).reshape(len(features), -1))
    if len(f) < 5:
        raise AekitError(f"a map needs at least 5 samples, got {len(f)}")
    if schedule is not None and method != "tsne":
        raise AekitError(f"an iteration schedule applies to t-SNE only, not to {method!r}")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(2, random_state=seed).fit_transform(f).astype(np.float32)
    if method == "tsne":
        from ..progress import progress_bar

        every = 25
        est = tsne(len(f), seed, schedule)
        bar = progress_bar(total=est.early_exaggeration_iter + est.n_iter, show=verbose,
                           desc="t-SNE", leave=False, unit="it")  # fmt: skip

        def tick(*_: object) -> bool:
            bar.update(every)
            return False  # keep going

        if verbose:  # openTSNE computes its KL error at each callback: only when shown
            est.callbacks, est.callbacks_every_iters = [tick], every
        emb = est.fit(f)
        bar.close()
        return np.asarray(emb, dtype=np.float32)
    if method == "umap":
        import umap

        reducer = umap.UMAP(n_neighbors=min(15, len(f) - 1), random_state=seed, n_jobs=1)
        return np.asarray(reducer.fit_transform(f), dtype=np.float32)
    raise AekitError(f"unknown map {method!r}; choose one of {', '.join(METHODS)}")


def map_quality(
    features: np.ndarray, coords: np.ndarray, labels: np.ndarray | None, seed: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {"trustworthiness": trustworthiness(features, coords, seed=seed)}
    out["knn_accuracy"] = knn_accuracy(coords, labels, seed=seed) if labels is not None else None
    return out


def embed(
    model,
    x: np.ndarray,
    method: str = "tsne",
    seed: int = 0,
    progress: bool = False,
    schedule: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """(codes, 2-D coordinates, seconds for codes + map); `schedule` as in map_2d."""
    if method not in METHODS:
        raise AekitError(f"unknown map {method!r}; choose one of {', '.join(METHODS)}")
    model.check_input(x.shape[1:])
    t0 = time.perf_counter()
    codes = encode(model, x)
    coords = map_2d(codes, method, seed, verbose=progress, schedule=schedule)
    return codes, coords, time.perf_counter() - t0


def embed_run(
    ck,
    x: np.ndarray,
    labels: np.ndarray | None,
    out: str | Path,
    method: str = "tsne",
    seed: int = 0,
    class_names: list[str] | None = None,
    progress: bool = True,
    schedule: tuple[int, int] | None = None,
    named: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The `aekit embed` task: writes map.csv (x, y[, label][, file, text]), map.png and
    summary.json; `schedule`: t-SNE's (early exaggeration, further) iterations, as in map_2d;
    `named`: columns that name each sample (`sample_columns`: its file, its document)."""
    import pandas as pd

    from .. import plots
    from ..checkpoint import atomic_write_bytes
    from .common import output_dir, write_summary

    if len(x) < 3:
        raise AekitError(f"{len(x)} samples to embed; a map needs at least 3 (the data's test "
                         "split is what gets embedded)")  # fmt: skip
    if method == "tsne":  # resolved once: what the map runs and the summary records
        schedule = tsne_schedule(*(schedule or ()))
    codes, coords, seconds = embed(ck.model, x, method, seed, progress, schedule)
    out = output_dir(out)
    q = map_quality(codes, coords, labels, seed)
    frame = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1]})
    if labels is not None:
        frame["label"] = [class_names[int(v)] if class_names else v for v in labels]
    for name, column in (named or {}).items():
        frame[name] = column
    atomic_write_bytes(out / "map.csv", frame.to_csv(index=False).encode())
    title = f"{method} of {ck.info['model']} codes (latent {codes.shape[1]})"
    if q["knn_accuracy"] is not None:
        title += f"; 5-NN accuracy {q['knn_accuracy']:.3f}"
    plots.scatter_map(coords, labels, out / "map.png", title=title, class_names=class_names)
    summary = {
        "map": method,
        "samples": int(len(x)),
        "latent": int(codes.shape[1]),
        "seconds": seconds,
        **q,
        "trustworthiness_inputs": trustworthiness(x, coords, seed=seed),
        "run": str(ck.path),
    }
    if schedule is not None:
        summary["tsne_iterations"] = dict(zip(("exaggeration", "further"), schedule, strict=True))
    write_summary(out, summary)
    return summary
