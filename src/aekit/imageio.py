"""Writing image batches for people and programs: a folder of PNGs or one .npy array.

Arrays inside aekit are (N, C, H, W) in [0, 1]; files hold (N, H, W) for gray images and
(N, H, W, C) for colour, in input order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .checkpoint import check_folder, save_npy
from .errors import AekitError


def to_nhwc(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W) for one channel, (N, H, W, C) otherwise; clipped to [0, 1]."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    if x.ndim != 4:
        raise AekitError(f"expected images of shape (N, C, H, W), got {x.shape}")
    return x[:, 0] if x.shape[1] == 1 else x.transpose(0, 2, 3, 1)


def save_images(x: np.ndarray, out: str | Path) -> Path:
    """`out` ending in .npy: one float32 array; otherwise a folder of 000000.png, 000001.png ..."""
    from PIL import Image

    out = Path(out)
    arr = to_nhwc(x)
    if out.suffix.lower() == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        save_npy(out, arr)
        return out
    check_folder(out).mkdir(parents=True, exist_ok=True)
    width = max(6, len(str(len(arr) - 1)))
    for i, img in enumerate(arr):
        Image.fromarray(np.round(img * 255).astype(np.uint8)).save(out / f"{i:0{width}d}.png")
    return out
