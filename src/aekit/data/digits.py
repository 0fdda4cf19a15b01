"""scikit-learn's bundled 8x8 digits: offline, small, for quick tests and examples."""

from __future__ import annotations

import numpy as np

PIXEL_MAX = 16.0  # scikit-learn's grey levels run 0..16; 8-bit images (PNG files) 0..255


def load_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(x (1797, 8, 8) float32 in [0, 16], y (1797,) int64)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.float32), d.target.astype(np.int64)
