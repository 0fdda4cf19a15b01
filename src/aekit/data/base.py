"""Dataset: arrays for train / validation / test, their labels, and the fitted scaler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AekitError, check_seed
from .scaler import Scaler


@dataclass
class Dataset:
    """Scaled float32 arrays; images are (N, C, H, W), tables (N, D), series and audio
    (N, C, L) (a log-mel spectrogram has one channel per mel band). Text is (N, D) TF-IDF rows
    as scipy CSR matrices, which stay sparse in memory: training and encoding make one batch
    dense at a time, and `rows.dense(x)` gives the array where a task needs one."""

    name: str
    kind: str  # "image" | "table" | "series" | "audio" | "text"
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
    features: dict[str, Any] | None = None  # how raw inputs became features (audio, text)
    documents: dict[str, np.ndarray] | None = None  # text: each split's documents, for display
    files: dict[str, np.ndarray] | None = None  # folders: each split's samples' file names
    pixel_max: float | None = None  # images: the raw value of white (255 for 8-bit, digits 16)
    test_sha256: str | None = None  # the raw test samples and labels (`test_digest`)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def column_names(self) -> list[str]:
        """Names of the features of a flattened sample (see `column_names`)."""
        return column_names(self.describe())

    def describe(self) -> dict[str, Any]:
        """What a checkpoint records about its data (enough to check new inputs against)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "sample_shape": list(self.sample_shape),
            "n_train": self.x_train.shape[0],
            "n_val": self.x_val.shape[0],
            "n_test": self.x_test.shape[0],
            "feature_names": self.feature_names,
            "class_names": self.class_names,
            "features": self.features,
            "test_sha256": self.test_sha256,
            **({"pixel_max": self.pixel_max} if self.pixel_max is not None else {}),
        }


def test_digest(x: np.ndarray, y: np.ndarray | None) -> str:
    """SHA-256 of raw test samples (before features and scaling) and their labels: runs with
    the same digest were tested on the same samples, in the same order."""
    import hashlib

    h = hashlib.sha256()
    for a in (x, y):
        if a is None:
            continue
        a = np.asarray(a)
        if a.dtype == object:  # documents: their text, one per line
            h.update("\n".join(map(str, a.ravel())).encode())
        else:
            h.update(str(a.dtype).encode() + str(a.shape).encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def column_names(data: dict[str, Any]) -> list[str]:
    """Names of the features of a flattened sample of data described by `Dataset.describe()`
    (or a checkpoint's data description): a table's columns, the words of a text vocabulary,
    time steps t0..., mel band and frame m0_f0..., image pixels r0c0... (row, column; R_r0c0...
    for colour), else x0..."""
    if data.get("feature_names"):
        return list(data["feature_names"])
    feats = data.get("features") or {}
    if feats.get("type") == "tfidf":
        return list(feats["vocabulary"])
    shape = tuple(data.get("sample_shape") or ())
    if feats.get("kind") == "logmel" and len(shape) == 2:
        return [f"m{b}_f{t}" for b in range(shape[0]) for t in range(shape[1])]
    if data.get("kind") in ("series", "audio") and len(shape) == 2 and shape[0] == 1:
        return [f"t{i}" for i in range(shape[1])]
    if data.get("kind") == "image" and len(shape) == 3:  # pixels by row and column from the top
        c, h, w = shape
        prefix = [""] if c == 1 else ["R_", "G_", "B_"] if c == 3 else [f"ch{k}_" for k in range(c)]
        return [f"{p}r{y}c{x}" for p in prefix for y in range(h) for x in range(w)]
    return [f"x{i}" for i in range(int(np.prod(shape)))]


# images to [0, 1]; table columns standardized; signals by one mean and std; TF-IDF as is
SCALER_KIND = {"image": "minmax", "table": "standard", "series": "global", "audio": "global",
               "text": "identity"}  # fmt: skip


def split_indices(
    n: int, seed: int, val_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deterministic (train, val, test) index arrays for a seed."""
    check_seed(seed)
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
    features: dict[str, Any] | None = None,
    fit_features: Callable[[np.ndarray], Any] | None = None,
    scaler_kind: str | None = None,
    files: np.ndarray | None = None,
    files_test: np.ndarray | None = None,
    pixel_max: float | None = None,
) -> Dataset:
    """Split (unless an official test split is given), fit the scaler on train only, scale all.

    `fit_features(raw_train)` (text, audio), when given, is fitted on the training split only
    and returns an object with `transform(raw)` (or `transform_sparse(raw)`, preferred: text's
    CSR rows) and `to_dict()` that turns every split into features. `scaler_kind` replaces the kind's usual scaler (SCALER_KIND).
    `files` (and `files_test` beside `x_test`) name each sample's file, for data read from a
    folder; they are split with the samples (Dataset.files). `pixel_max`: images' white in
    raw units (Dataset.pixel_max), where the source says."""
    if x_test is None:
        tr, va, te = split_indices(len(x), seed, val_fraction, test_fraction)
        x_test, y_test = x[te], (y[te] if y is not None else None)
        files_test = files[te] if files is not None else None
    else:
        tr, va, _ = split_indices(len(x), seed, val_fraction, 0.0)
    if len(tr) == 0:
        raise AekitError(
            f"{_shown(name, source)}: no samples left to train on: of {len(x)}, {len(x) - len(va)} are held out "
            f"for testing and {len(va)} for validation (--test-fraction, --val-fraction)"
        )
    split_files = None
    if files is not None and files_test is not None:
        split_files = {"train": files[tr], "val": files[va], "test": files_test}
    digest = test_digest(x_test, y_test)
    x_train, x_val = x[tr], x[va]
    y_train = y[tr] if y is not None else None
    y_val = y[va] if y is not None else None
    documents = None
    if fit_features is not None:
        if kind == "text":
            documents = {"train": x_train, "val": x_val, "test": x_test}
        fitted = fit_features(x_train)
        as_rows = getattr(fitted, "transform_sparse", fitted.transform)  # text: CSR rows
        x_train, x_val, x_test = (as_rows(a) for a in (x_train, x_val, x_test))
        features = fitted.to_dict()
        if hasattr(fitted, "names"):  # features that name their columns (a table's one-hot)
            feature_names = fitted.names()
    scaler = Scaler.fit(scaler_kind or SCALER_KIND[kind], x_train)
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
        features=features,
        documents=documents,
        files=split_files,
        pixel_max=pixel_max,
        test_sha256=digest,
    )


def relative_names(folder: Path, paths: list[Path]) -> np.ndarray:
    """Each file's path relative to `folder`, with / between its parts: the `file` column
    that names a sample read from a folder (images, WAV) in the files tasks write."""
    return np.array([p.relative_to(folder).as_posix() for p in paths], dtype=object)


def require_test_split(ds: Dataset) -> None:
    """AekitError unless ds holds test samples: `train` and `sweep` measure every model on
    them, so without any they would fail only after training."""
    if ds.x_test.shape[0] == 0:
        raise AekitError(
            f"{_shown(ds.name, ds.source)}: no test samples ({ds.x_train.shape[0]} for training, "
            f"{ds.x_val.shape[0]} for validation): the model is measured on a held-out test "
            "split; give a --test-fraction above 0, or more samples"
        )


def _shown(name: str, source: str) -> str:
    """How an error names a data set: its file or folder as given, else its name (built-ins)."""
    return source if source and Path(source).exists() else name


def raw_in_units_of(trained: dict[str, Any], ds: Dataset, x: Any) -> Any:
    """ds's scaled samples x as raw values in the units of the data a model was trained on
    (`trained`, its `Dataset.describe()`): ds's scaling undone, and pixels brought to the
    trained data's grey levels, since digits run 0..16 and PNG files 0..255 (a digits model
    reads a folder's pixels times 16/255). Unchanged where either side does not record
    `pixel_max` (float arrays, runs saved before it was recorded, data other than images)."""
    raw = ds.scaler.inverse_transform(x)
    ratio = pixel_ratio(trained, ds)
    return raw if ratio is None else raw * ratio


def pixel_ratio(trained: dict[str, Any], ds: Dataset) -> float | None:
    """The trained data's white over ds's (16 / 255 for a digits model reading PNG files), or
    None where the grey levels agree or either side does not record them."""
    a, b = trained.get("pixel_max"), ds.pixel_max
    return float(a) / float(b) if a and b and a != b else None
