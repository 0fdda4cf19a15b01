"""Writing image batches for people and programs: a folder of PNGs or one .npy array.

Arrays inside aekit are (N, C, H, W) in [0, 1]; files hold (N, H, W) for gray images and
(N, H, W, C) for colour, in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from .checkpoint import check_folder, save_npy
from .errors import AekitError


def to_nhwc(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W) for one channel, (N, H, W, C) otherwise; clipped to [0, 1]."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    if x.ndim != 4:
        raise AekitError(f"expected images of shape (N, C, H, W), got {x.shape}")
    return x[:, 0] if x.shape[1] == 1 else x.transpose(0, 2, 3, 1)


def save_images(x: np.ndarray, out: str | Path, names: Sequence[str] | None = None) -> Path:
    """`out` ending in .npy: one float32 array; otherwise a folder of 000000.png, 000001.png ...
    or, given `names` (paths relative to the folder, as `Dataset.files` holds them), of
    PNG files named after them, sub-folders kept (`png_names`)."""
    from PIL import Image

    out = Path(out)
    arr = to_nhwc(x)
    if out.suffix.lower() == ".npy":
        out.parent.mkdir(parents=True, exist_ok=True)
        save_npy(out, arr)
        return out
    if names is None:
        width = max(6, len(str(len(arr) - 1)))
        files = [f"{i:0{width}d}.png" for i in range(len(arr))]
    else:
        if len(names) != len(arr):
            raise AekitError(f"{len(names)} names for {len(arr)} images")
        files = png_names(names)  # checked before anything is written
    check_folder(out).mkdir(parents=True, exist_ok=True)
    for name, img in zip(files, arr):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(img * 255).astype(np.uint8)).save(out / name)
    return out


def png_names(names: Sequence[str]) -> list[str]:
    """Image files' relative paths as PNG names: `a/x.jpg` -> `a/x.png`; where two would meet
    (`x.jpg` beside `x.png`), every name keeps its own suffix before `.png` (`x.jpg.png`).
    A name that would leave the folder (absolute, or with a `..` part: a crafted compressed
    file) is refused."""
    for n in names:
        p = PurePosixPath(n)
        if not n or p.is_absolute() or ".." in p.parts or "\\" in n:
            raise AekitError(f"file name {n!r} would be written outside the output folder")
    renamed = [str(PurePosixPath(n).with_suffix(".png")) for n in names]
    if len(set(renamed)) == len(renamed):
        return renamed
    return [n if n.lower().endswith(".png") else f"{n}.png" for n in names]
