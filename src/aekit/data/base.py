"""Dataset: arrays for train / validation / test, their labels, and the fitted scaler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .scaler import Scaler


@dataclass
class Dataset:
    """Scaled float32 arrays; images are (N, C, H, W), tables (N, D)."""

    name: str
    kind: str  # "image" | "table"
    x_train: np.ndarray
    x_val: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray | None = None
    y_val: np.ndarray | None = None
    y_test: np.ndarray | None = None
    scaler: Scaler = field(default_factory=Scaler)
    feature_names: list[str] | None = None
    class_names: list[str] | None = None
    source: str = ""

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def describe(self) -> dict[str, Any]:
        """What a checkpoint records about its data (enough to check new inputs against)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "sample_shape": list(self.sample_shape),
            "n_train": len(self.x_train),
            "n_val": len(self.x_val),
            "n_test": len(self.x_test),
            "feature_names": self.feature_names,
            "class_names": self.class_names,
        }


def split_indices(
    n: int, seed: int, val_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deterministic (train, val, test) index arrays for a seed."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    n_val = int(round((n - n_test) * val_fraction))
    test, val, train = perm[:n_test], perm[n_test : n_test + n_val], perm[n_test + n_val :]
    return np.sort(train), np.sort(val), np.sort(test)


def make_dataset(
    name: str,
    kind: str,
    x: np.ndarray,
    y: np.ndarray | None,
    *,
    seed: int,
    val_fraction: float,
    test_fraction: float,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    feature_names: list[str] | None = None,
    class_names: list[str] | None = None,
    source: str = "",
) -> Dataset:
    """Split (unless an official test split is given), fit the scaler on train only, scale all."""
    if x_test is None:
        tr, va, te = split_indices(len(x), seed, val_fraction, test_fraction)
        x_test, y_test = x[te], (y[te] if y is not None else None)
    else:
        tr, va, _ = split_indices(len(x), seed, val_fraction, 0.0)
    x_train, x_val = x[tr], x[va]
    y_train = y[tr] if y is not None else None
    y_val = y[va] if y is not None else None
    scaler = Scaler.fit("minmax" if kind == "image" else "standard", x_train)
    return Dataset(
        name=name,
        kind=kind,
        x_train=scaler.transform(x_train),
        x_val=scaler.transform(x_val),
        x_test=scaler.transform(x_test),
        y_train=y_train,
        y_val=y_val,
        y_test=y_test,
        scaler=scaler,
        feature_names=feature_names,
        class_names=class_names,
        source=source,
    )
