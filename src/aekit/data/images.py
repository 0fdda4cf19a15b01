"""Image folders: PNG/JPEG files, grayscale or RGB, resized to one size with Pillow.

Images in sub-folders are labelled by the sub-folder's name (the ImageFolder convention).
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import AekitError, AekitNote
from .base import relative_names

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SIXTEEN_BIT = ("I", "I;16", "I;16B", "I;16L", "I;16N")  # Pillow's modes for 16-bit gray PNGs


def list_images(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
    )


def read_folder(
    folder: Path, image_size: tuple[int, int] | None = None, channels: int | None = None
) -> tuple[np.ndarray, np.ndarray | None, list[str] | None, np.ndarray]:
    """(x (N, C, H, W) float32 in [0, 255], labels or None, class names or None, each image's
    path relative to the folder, with / between its parts)."""
    from PIL import Image, UnidentifiedImageError

    paths = list_images(folder)
    if not paths:
        raise AekitError(f"{folder}: no PNG or JPEG images found")
    opened = []
    for p in paths:
        try:
            im = Image.open(p)
            im.load()
        except (UnidentifiedImageError, OSError) as e:
            raise AekitError(f"{p}: cannot read image ({e})") from None
        opened.append(im)
    if channels is None:
        channels = 1 if all(im.mode in ("L", "1", "LA", *SIXTEEN_BIT) for im in opened) else 3
    if channels not in (1, 3):
        raise AekitError(f"channels must be 1 or 3, got {channels}")
    if image_size is None:
        image_size = (opened[0].height, opened[0].width)
        sizes = Counter(f"{im.height}x{im.width}" for im in opened)
        if len(sizes) > 1:
            seen = ", ".join(f"{n} of {s}" for s, n in sizes.most_common(3))
            warnings.warn(AekitNote(
                f"{folder}: the images come in {len(sizes)} sizes ({seen}"
                f"{', ...' if len(sizes) > 3 else ''}); all are resized to {image_size[0]}x"
                f"{image_size[1]}, the first image's (--image-size HxW chooses)"
            ), stacklevel=2)  # fmt: skip
    h, w = image_size
    mode = "L" if channels == 1 else "RGB"
    arrays = []
    for original in opened:
        if original.mode in SIXTEEN_BIT:  # 0..65535 to 0..255 as floats: convert("L") clips
            img = Image.fromarray(np.asarray(original, dtype=np.float32) / 257.0)
        else:
            img = original.convert(mode)
        if img.size != (w, h):
            img = img.resize((w, h), Image.Resampling.BILINEAR)
        a = np.asarray(img, dtype=np.float32)
        if a.ndim == 2:  # gray: one channel, or three alike beside colour images
            arrays.append(np.repeat(a[None], channels, axis=0))
        else:
            arrays.append(a.transpose(2, 0, 1))
    x = np.stack(arrays)  # (N, C, H, W)
    files = relative_names(folder, paths)
    parents = [p.parent.relative_to(folder) for p in paths]
    if all(str(par) != "." for par in parents):
        names = sorted({str(par) for par in parents})
        y = np.array([names.index(str(par)) for par in parents], dtype=np.int64)
        return x, y, names, files
    return x, None, None, files
