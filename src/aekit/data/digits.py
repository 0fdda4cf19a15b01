"""scikit-learn's bundled 8x8 digits: offline, small, for quick tests and examples."""

from __future__ import annotations

import numpy as np


def load_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(x (1797, 8, 8) float32 in [0, 16], y (1797,) int64)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.float32), d.target.astype(np.int64)
