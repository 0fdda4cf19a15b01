"""Data sources -> Dataset (scaled arrays, splits, scaler). Loaders know nothing of models.

load_dataset("fashion-mnist")           # IDX files; official 10,000-image test split
load_dataset("digits")                  # scikit-learn's bundled 8x8 digits
load_dataset("table.csv", label_column="Class")  # text columns: categories, one-hot encoded
load_dataset("x.npz") / ("x.npy") / ("x.mat") / ("folder/of/images")
load_dataset("ECG5000_TRAIN.tsv")       # UCR time series (the _TEST file beside it is the test)
load_dataset("recordings/")             # a folder of WAV files: log-mel spectrograms
load_dataset("sms.tsv", text_column="1", label_column="0")   # TF-IDF vectors of a text column
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AekitError
from . import audio, digits, fashion_mnist, images, series, tables, text
from .base import Dataset, make_dataset, split_indices
from .scaler import Scaler
from .table_features import TableFeatures

BUILTIN = ("fashion-mnist", "digits")

__all__ = ["Dataset", "Scaler", "load_dataset", "split_indices", "BUILTIN"]


def _kept(total: int, n: int | None, seed: int) -> np.ndarray:
    """The sorted indices of the seeded subset of `n` samples that --limit keeps (all of them
    without a limit)."""
    if n is not None and (int(n) != n or n < 1):
        raise AekitError(f"--limit must be a positive number of samples, got {n}")
    if n is None or n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed + 1).permutation(total)[:n])


def _limit(
    x: np.ndarray, y: np.ndarray | None, n: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray | None]:
    idx = _kept(len(x), n, seed)
    if len(idx) == len(x):
        return x, y
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
    label_optional: bool = False,
    image_size: tuple[int, int] | None = None,
    channels: int | None = None,
    limit: int | None = None,
    text_column: str | None = None,
    vocab_size: int = 10000,
    audio_features: str = "logmel",
    clip_seconds: float = 1.0,
    resample: int | None = None,
    features: dict[str, Any] | None = None,
    fill_missing: bool = False,
) -> Dataset:
    """Load `source` and split it deterministically for `seed`.

    Sources with an official test split (Fashion-MNIST) keep it; others hold out
    `test_fraction`. The validation split is `val_fraction` of what remains. The scaler is
    fitted on the training split only. `limit` keeps a seeded subset of the samples
    (of the training pool only, for Fashion-MNIST).

    Text (`text_column`): TF-IDF over at most `vocab_size` words, fitted on the training split.
    Audio folders: `audio_features` "logmel" or "waveform", clips of `clip_seconds`, all at one
    sample rate unless `resample` gives one. `features`, a trained model's saved description
    (Dataset.features), makes new data into exactly the features the model was trained on.
    `label_optional`: a table or text file without `label_column` is read without labels
    (a trained model applied to new, unlabelled rows) instead of refused. `fill_missing`: a
    table's missing numbers are filled with their column's training median, with an indicator
    feature (`data.table_features`); else they are refused.
    """
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1:
        raise AekitError("val_fraction and test_fraction must be in [0, 1)")
    split: dict[str, Any] = {
        "seed": seed,
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
    }
    name = str(source)
    if fill_missing and name in BUILTIN:
        raise AekitError(f"--fill-missing applies to tables (CSV, TSV, Parquet), not {name}")
    if name == "fashion-mnist":
        x_all, y_all, xt, yt = fashion_mnist.load_arrays(data_dir)
        x, y = _limit(x_all, y_all, limit, seed)
        return make_dataset(
            name, "image", x[:, None], y, x_test=xt[:, None], y_test=yt,
            class_names=fashion_mnist.CLASS_NAMES, source=str(fashion_mnist.resolve_dir(data_dir)),
            pixel_max=255.0, **split,
        )  # fmt: skip
    if name == "digits":
        x, y = _limit(*digits.load_arrays(), limit, seed)
        return make_dataset(
            name, "image", x[:, None], y, class_names=[str(i) for i in range(10)],
            source="sklearn.datasets.load_digits", pixel_max=digits.PIXEL_MAX, **split,
        )  # fmt: skip

    path = Path(source)
    if not path.exists():
        raise AekitError(
            f"data {name!r} not found: give 'fashion-mnist', 'digits', or a path to a table "
            f"({', '.join(tables.TABLE_SUFFIXES + tables.ARRAY_SUFFIXES)}), a UCR time-series "
            "file, a text file with --text-column, or a folder of images or WAV files"
        )
    saved_type = (features or {}).get("type")
    if fill_missing and (text_column is not None or path.is_dir()
                         or path.suffix.lower() not in tables.TABLE_SUFFIXES):  # fmt: skip
        raise AekitError(f"{path}: --fill-missing applies to tables (CSV, TSV, Parquet)")
    if text_column is not None or saved_type == "tfidf":
        if text_column is None:
            raise AekitError(f"{path}: the model was trained on text; give --text-column")
        return _load_text(path, text_column, label_column, vocab_size, features, limit, split,
                          label_optional)  # fmt: skip
    is_series = series.is_series_folder(path) or series.looks_like_series(path)
    is_audio = audio.is_audio_folder(path)
    if fill_missing and is_series:
        raise AekitError(f"{path}: --fill-missing applies to tables, not time series")
    if label_column is not None and (is_series or is_audio):
        raise AekitError(
            f"{path}: --label-column applies to tables and text; time series carry their label "
            "in the first column, WAV files in their folder or file name"
        )
    if is_audio:
        saved = (
            audio.AudioFeatures.from_dict(features) if features and saved_type == "audio" else None
        )
        return _load_audio(path, saved, audio_features, clip_seconds, resample, limit, split)
    if is_series:
        return _load_series(path, features, limit, split)
    if path.is_dir():
        x, y, class_names, files = images.read_folder(path, image_size, channels)
        idx = _kept(len(x), limit, seed)
        return make_dataset(
            path.name, "image", x[idx], y if y is None else y[idx], class_names=class_names,
            source=str(path), files=files[idx], pixel_max=255.0, **split,
        )  # fmt: skip
    suffix = path.suffix.lower()
    if suffix in tables.TABLE_SUFFIXES:
        encoding = TableFeatures.from_dict(features) if features and saved_type == "table" else None
        x, y, columns, categorical = tables.read_table(path, label_column, label_optional, encoding,
                                                       fill_missing)  # fmt: skip
        x, y = _limit(x, y, limit, seed)
        if encoding is None and not categorical and not fill_missing:  # numbers only
            return make_dataset(
                path.stem, "table", x, y, feature_names=columns, source=str(path), **split
            )

        def fit_table(raw_train: np.ndarray) -> TableFeatures:  # on the training split only
            return encoding or TableFeatures.fit(raw_train, columns, categorical, str(path),
                                                 fill_missing)  # fmt: skip

        return make_dataset(path.stem, "table", x, y, source=str(path), fit_features=fit_table,
                            **split)  # fmt: skip
    if suffix in tables.ARRAY_SUFFIXES:
        if label_column is not None:
            raise AekitError(f"{path}: --label-column applies to CSV/Parquet tables only")
        x, y = tables.read_array(path)
        eight_bit = np.asarray(x).dtype == np.uint8  # images saved as bytes: white is 255
        x = tables.check_numeric(np.asarray(x), str(path))
        kind, x = _array_kind(x)
        if y is not None and len(y) != len(x):
            raise AekitError(f"{path}: {len(x)} samples but {len(y)} labels")
        x, y = _limit(x, y, limit, seed)
        pixel_max = 255.0 if kind == "image" and eight_bit else None  # else: the file's own
        return make_dataset(path.stem, kind, x, y, source=str(path), pixel_max=pixel_max,
                            **split)  # fmt: skip
    raise AekitError(
        f"{path}: unsupported file type {suffix!r}; use CSV, TSV, Parquet, .npy, .npz, .mat "
        "or a folder of images"
    )


def _load_text(
    path: Path, text_column: str, label_column: str | None, vocab_size: int,
    features: dict[str, Any] | None, limit: int | None, split: dict[str, Any],
    label_optional: bool = False,
) -> Dataset:  # fmt: skip
    docs, y, class_names = text.read_text(path, text_column, label_column, label_optional)
    docs, y = _limit(docs, y, limit, split["seed"])

    def fit_text(train_docs: np.ndarray) -> text.TextFeatures:  # on the training split only
        if features is not None:
            return text.TextFeatures.from_dict(features)
        return text.TextFeatures.fit(train_docs, max_features=vocab_size)

    return make_dataset(path.stem, "text", docs, y, class_names=class_names, source=str(path),
                        fit_features=fit_text, **split)  # fmt: skip


def _load_audio(
    path: Path, saved: audio.AudioFeatures | None, kind: str, clip_seconds: float,
    resample: int | None, limit: int | None, split: dict[str, Any],
) -> Dataset:  # fmt: skip
    waves, y, class_names, test_mask, feats, files = audio.read_folder(
        path, saved, clip_seconds=clip_seconds, resample_to=resample, kind=kind
    )
    x = feats.transform(waves)
    common: dict[str, Any] = {"class_names": class_names, "source": str(path),
                              "features": feats.to_dict(), **split}  # fmt: skip
    if feats.kind == "waveform":  # no shift: the zero padding of short clips stays silence
        common["scaler_kind"] = "rms"
    if test_mask is not None and y is not None and split["test_fraction"] > 0:  # official split
        train = np.flatnonzero(~test_mask)[_kept(int((~test_mask).sum()), limit, split["seed"])]
        return make_dataset(path.name, "audio", x[train], y[train], x_test=x[test_mask],
                            y_test=y[test_mask], files=files[train],
                            files_test=files[test_mask], **common)  # fmt: skip
    idx = _kept(len(x), limit, split["seed"])
    return make_dataset(path.name, "audio", x[idx], y if y is None else y[idx], files=files[idx],
                        **common)  # fmt: skip


def _load_series(
    path: Path, features: dict[str, Any] | None, limit: int | None, split: dict[str, Any]
) -> Dataset:
    x, y, xt, yt = series.load_series(path)
    length = (features or {}).get("length")
    if length is not None and x.shape[-1] != length:
        raise AekitError(
            f"{path}: series of length {x.shape[-1]}, the model was trained on {length}"
        )
    classes = np.unique(y if yt is None else np.concatenate([y, yt]))
    labels: np.ndarray | None = np.searchsorted(classes, y)  # indices into the class names
    labels_test = None if yt is None else np.searchsorted(classes, yt)
    x, labels = _limit(x, labels, limit, split["seed"])
    if (
        xt is not None
        and labels_test is not None
        and labels is not None
        and not split["test_fraction"]
    ):
        # no split wanted (a model applied to the data): every series, train file first
        x, labels = np.concatenate([x, xt]), np.concatenate([labels, labels_test])
        xt, labels_test = None, None
    return make_dataset(
        path.stem.removesuffix("_TRAIN"), "series", x, labels, x_test=xt, y_test=labels_test,
        class_names=[str(c) for c in classes], source=str(path),
        features={"type": "series", "length": int(x.shape[-1])}, **split,
    )  # fmt: skip
