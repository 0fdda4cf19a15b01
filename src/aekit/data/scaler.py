"""Scalers fitted on the training split only and saved with the model (as JSON, no pickle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SHIFT_SCALE = ("standard", "global", "rms")  # (x - mean) / std, saved as mean and std


@dataclass
class Scaler:
    """kind "minmax": one global (min, max) to [0, 1] (images); "standard": per-column (tables);
    "global": one mean and std for every value (signals, spectrograms); "rms": divided by the
    root mean square, no shift, so silence stays zero (waveforms); "identity": data used as
    given (TF-IDF vectors)."""

    kind: str = "identity"
    min: float = 0.0
    max: float = 1.0
    mean: np.ndarray | None = field(default=None, repr=False)
    std: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def fit(cls, kind: str, x: np.ndarray) -> Scaler:
        if kind == "minmax":
            lo, hi = float(np.min(x)), float(np.max(x))
            return cls("minmax", lo, hi if hi > lo else lo + 1.0)
        if kind == "standard":
            x = np.asarray(x, dtype=np.float64)
            std = x.std(axis=0)
            return cls("standard", mean=x.mean(axis=0), std=np.where(std > 0, std, 1.0))
        if kind == "global":
            x = np.asarray(x, dtype=np.float64)
            std = float(x.std())
            return cls("global", mean=np.asarray(x.mean()), std=np.asarray(std if std > 0 else 1.0))
        if kind == "rms":
            rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
            return cls("rms", mean=np.asarray(0.0), std=np.asarray(rms if rms > 0 else 1.0))
        if kind == "identity":
            return cls("identity")
        raise ValueError(f"unknown scaler kind {kind!r}")

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self._sparse_as_is(x):
            return x.astype(np.float32, copy=False)
        x = np.asarray(x, dtype=np.float32)
        if self.kind == "minmax":
            return ((x - self.min) / (self.max - self.min)).astype(np.float32)
        if self.kind in SHIFT_SCALE:
            assert self.mean is not None and self.std is not None
            return ((x - self.mean) / self.std).astype(np.float32)
        return x

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        if self._sparse_as_is(x):
            return x.astype(np.float32, copy=False)
        x = np.asarray(x, dtype=np.float32)
        if self.kind == "minmax":
            return (x * (self.max - self.min) + self.min).astype(np.float32)
        if self.kind in SHIFT_SCALE:
            assert self.mean is not None and self.std is not None
            return (x * self.std + self.mean).astype(np.float32)
        return x

    def _sparse_as_is(self, x: Any) -> bool:
        """True for a scipy sparse matrix under "identity" (kept sparse); other kinds would
        make it dense, and are refused."""
        from ..rows import is_sparse

        if not is_sparse(x):
            return False
        if self.kind != "identity":
            raise ValueError(
                f"{self.kind!r} scaling, fitted on dense rows, shifts its values, which would "
                "make sparse rows dense: pass them dense (X.toarray())"
            )
        return True

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.kind == "minmax":
            d.update(min=self.min, max=self.max)
        if self.kind in SHIFT_SCALE:
            assert self.mean is not None and self.std is not None
            d.update(mean=self.mean.tolist(), std=self.std.tolist())
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scaler:
        kind = d["kind"]
        if kind == "minmax":
            return cls("minmax", float(d["min"]), float(d["max"]))
        if kind in SHIFT_SCALE:
            return cls(kind, mean=np.asarray(d["mean"]), std=np.asarray(d["std"]))
        return cls(kind)
