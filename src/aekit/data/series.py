"""Time series in the UCR archive's text format: one series per line, the label first.

    1	-0.11	-2.83	-3.77 ...        (UCR 2018 .tsv; .txt with spaces or commas also read)

A file named NAME_TRAIN.tsv with a NAME_TEST.tsv beside it (or a folder holding the pair) keeps
that official split. Every row must have the same length: ragged rows are refused, naming the
line. Series come out as (N, 1, L): one channel, for the 1-D convolutional models.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import AekitError

SERIES_SUFFIXES = (".tsv", ".txt")
_SPLIT = re.compile(r"[\t, ]+")


def _fields(line: str) -> list[str]:
    return [f for f in _SPLIT.split(line.strip()) if f]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def looks_like_series(path: Path) -> bool:
    """A .tsv/.txt file whose first line is all numbers (no header): the UCR layout."""
    if path.suffix.lower() not in SERIES_SUFFIXES or not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline()
    fields = _fields(first)
    return len(fields) >= 3 and all(_is_number(v) for v in fields)


def read_series(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Series (N, 1, L) float32 and labels (N,) from one UCR-format file."""
    rows: list[list[float]] = []
    width = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f, 1):
            fields = _fields(line)
            if not fields:
                continue
            if width is None:
                width = len(fields)
            if len(fields) != width:
                raise AekitError(
                    f"{path}: line {i} has {len(fields) - 1} values, the first line "
                    f"{width - 1}; every series must have the same length"
                )
            try:
                rows.append([float(v) for v in fields])
            except ValueError:
                bad = next(v for v in fields if not _is_number(v))
                raise AekitError(f"{path}: line {i}: {bad!r} is not a number") from None
    if not rows or width is None or width < 3:
        raise AekitError(f"{path}: no series (expected a label and at least 2 values per line)")
    a = np.asarray(rows, dtype=np.float64)
    if not np.isfinite(a).all():
        raise AekitError(f"{path}: contains NaN or infinite values (variable-length series?)")
    labels = a[:, 0]
    y = labels.astype(np.int64) if np.all(labels == np.round(labels)) else labels
    return a[:, None, 1:].astype(np.float32), y


def train_test_files(path: Path) -> tuple[Path, Path | None]:
    """(train file, official test file or None) for a file or a folder holding NAME_TRAIN/TEST."""
    if path.is_dir():
        trains = sorted(p for s in SERIES_SUFFIXES for p in path.glob(f"*_TRAIN{s}"))
        if len(trains) != 1:
            raise AekitError(
                f"{path}: expected one NAME_TRAIN.tsv file in the folder, found {len(trains)}"
            )
        path = trains[0]
    m = re.match(r"(.*)_TRAIN$", path.stem)
    if m:
        test = path.with_name(f"{m.group(1)}_TEST{path.suffix}")
        return path, (test if test.is_file() else None)
    return path, None


def is_series_folder(path: Path) -> bool:
    return path.is_dir() and any(any(path.glob(f"*_TRAIN{s}")) for s in SERIES_SUFFIXES)


def load_series(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """x, y and the official test split's x, y (None when there is none)."""
    train, test = train_test_files(path)
    x, y = read_series(train)
    if test is None:
        return x, y, None, None
    xt, yt = read_series(test)
    if xt.shape[1:] != x.shape[1:]:
        raise AekitError(
            f"{test}: series of length {xt.shape[-1]}, but {train.name} has {x.shape[-1]}"
        )
    return x, y, xt, yt
