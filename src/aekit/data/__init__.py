"""Data sources -> Dataset (scaled arrays, splits, scaler). Loaders know nothing of models.

load_dataset("fashion-mnist")           # IDX files; official 10,000-image test split
load_dataset("digits")                  # scikit-learn's bundled 8x8 digits
load_dataset("table.csv", label_column="Class")
load_dataset("x.npz") / ("x.npy") / ("x.mat") / ("folder/of/images")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AekitError
from . import digits, fashion_mnist, images, tables
from .base import Dataset, make_dataset, split_indices
from .scaler import Scaler

BUILTIN = ("fashion-mnist", "digits")

__all__ = ["Dataset", "Scaler", "load_dataset", "split_indices", "BUILTIN"]


def _limit(
    x: np.ndarray, y: np.ndarray | None, n: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    if n is None or n >= len(x):
        return x, y
    idx = np.sort(np.random.default_rng(seed + 1).permutation(len(x))[:n])
    return x[idx], (y[idx] if y is not None else None)


def _array_kind(x: np.ndarray) -> tuple[str, np.ndarray]:
    """2-D arrays are tables; 3-D (N, H, W) and 4-D (N, H, W, C) or (N, C, H, W) are images."""
    if x.ndim == 2:
        return "table", x
    if x.ndim == 3:
        return "image", x[:, None]
    if x.ndim == 4:
        return "image", (x.transpose(0, 3, 1, 2) if x.shape[-1] in (1, 3) else x)
    raise AekitError(f"cannot use an array of shape {x.shape}: expected 2-D, 3-D or 4-D")


def load_dataset(
    source: str | Path,
    *,
    data_dir: str | Path | None = None,
    seed: int = 0,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    label_column: str | None = None,
    image_size: tuple[int, int] | None = None,
    channels: int | None = None,
    limit: int | None = None,
) -> Dataset:
    """Load `source` and split it deterministically for `seed`.

    Sources with an official test split (Fashion-MNIST) keep it; others hold out
    `test_fraction`. The validation split is `val_fraction` of what remains. The scaler is
    fitted on the training split only. `limit` keeps a seeded subset of the samples
    (of the training pool only, for Fashion-MNIST).
    """
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1:
        raise AekitError("val_fraction and test_fraction must be in [0, 1)")
    split: dict[str, Any] = {
        "seed": seed,
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
    }
    name = str(source)
    if name == "fashion-mnist":
        x_all, y_all, xt, yt = fashion_mnist.load_arrays(data_dir)
        x, y = _limit(x_all, y_all, limit, seed)
        return make_dataset(
            name, "image", x[:, None], y, x_test=xt[:, None], y_test=yt,
            class_names=fashion_mnist.CLASS_NAMES, source=str(fashion_mnist.resolve_dir(data_dir)),
            **split,
        )  # fmt: skip
    if name == "digits":
        x, y = _limit(*digits.load_arrays(), limit, seed)
        return make_dataset(
            name, "image", x[:, None], y, class_names=[str(i) for i in range(10)],
            source="sklearn.datasets.load_digits", **split,
        )  # fmt: skip

    path = Path(source)
    if not path.exists():
        raise AekitError(
            f"data {name!r} not found: give 'fashion-mnist', 'digits', or a path to a table "
            f"({', '.join(tables.TABLE_SUFFIXES + tables.ARRAY_SUFFIXES)}) or an image folder"
        )
    if path.is_dir():
        x, y, class_names = images.read_folder(path, image_size, channels)
        x, y = _limit(x, y, limit, seed)
        return make_dataset(
            path.name, "image", x, y, class_names=class_names, source=str(path), **split
        )
    suffix = path.suffix.lower()
    if suffix in tables.TABLE_SUFFIXES:
        x, y, features = tables.read_table(path, label_column)
        x, y = _limit(x, y, limit, seed)
        return make_dataset(
            path.stem, "table", x, y, feature_names=features, source=str(path), **split
        )
    if suffix in tables.ARRAY_SUFFIXES:
        if label_column is not None:
            raise AekitError(f"{path}: --label-column applies to CSV/Parquet tables only")
        x, y = tables.read_array(path)
        x = tables.check_numeric(np.asarray(x), str(path))
        kind, x = _array_kind(x)
        if y is not None and len(y) != len(x):
            raise AekitError(f"{path}: {len(x)} samples but {len(y)} labels")
        x, y = _limit(x, y, limit, seed)
        return make_dataset(path.stem, kind, x, y, source=str(path), **split)
    raise AekitError(
        f"{path}: unsupported file type {suffix!r}; use CSV, TSV, Parquet, .npy, .npz, .mat "
        "or a folder of images"
    )
