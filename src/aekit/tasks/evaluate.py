"""Evaluate a trained model on a data set's test split: MSE, PSNR, SSIM (+ sparsity), and what
its codes are worth: effective dimensionality, and with labels probe/kNN accuracy, silhouette,
trustworthiness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import metrics
from ..checkpoint import Checkpoint
from ..data import Dataset, load_dataset
from ..errors import AekitError
from ..metrics import encode, reconstruct, reconstruction_metrics
from ..regularizers import active_fraction


def evaluation_data(
    ck: Checkpoint, source: str | Path | None = None, data_dir: str | None = None
) -> Dataset:
    """The data to evaluate on, scaled with the checkpoint's own scaler.

    Without `source`, the run's own data and split are loaded again (same seed and fractions).
    """
    args = dict(ck.data.get("load_args", {}))
    if source is None:
        source = args.get("source")
        if source is None:
            raise AekitError(
                f"{ck.path}: the checkpoint does not say which data it was trained on; give DATA"
            )
    args.pop("source", None)
    if data_dir is not None:
        args["data_dir"] = data_dir
    ds = load_dataset(source, **args)
    _check_compatible(ck, ds)
    if ds.scaler.to_dict() != ck.scaler.to_dict():  # rescale with the model's own scaler
        for split in ("x_train", "x_val", "x_test"):
            arr = getattr(ds, split)
            setattr(ds, split, ck.scaler.transform(ds.scaler.inverse_transform(arr)))
        ds.scaler = ck.scaler
    return ds


def _check_compatible(ck: Checkpoint, ds: Dataset) -> None:
    trained = ck.data.get("feature_names")
    if trained and ds.feature_names and list(trained) != list(ds.feature_names):
        missing = [f for f in trained if f not in ds.feature_names]
        extra = [f for f in ds.feature_names if f not in trained]
        raise AekitError(
            "the data's columns differ from training"
            + (f"; missing: {', '.join(missing[:10])}" if missing else "")
            + (f"; unexpected: {', '.join(extra[:10])}" if extra else "")
            + ("; same columns in another order" if not missing and not extra else "")
        )
    ck.model.check_input(ds.sample_shape)


def evaluate(model, ds: Dataset, split: str = "test") -> dict[str, Any]:
    """Reconstruction metrics of a trained model on a split; `active_fraction` for sparse models."""
    x = getattr(ds, f"x_{split}")
    if len(x) == 0:
        raise AekitError(f"the {split} split is empty")
    recon = reconstruct(model, x)
    out: dict[str, Any] = reconstruction_metrics(x, recon, ds.kind)
    y = getattr(ds, f"y_{split}")
    if y is not None:
        out["per_class"] = per_class(x, recon, y, ds.kind, ds.class_names)
    z = encode(model, x)
    if model.code_activation != "linear":
        out["active_fraction"] = active_fraction(torch.from_numpy(z), model.code_activation)
    out.update(representation_metrics(model, ds, z, split))
    out["n"] = int(len(x))
    return out


def per_class(
    x: np.ndarray, recon: np.ndarray, y: np.ndarray, kind: str, names: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Reconstruction metrics of each class: {class name: {mse, psnr, ssim, n}}."""
    out: dict[str, dict[str, Any]] = {}
    for c in np.unique(y):
        m = y == c
        name = (
            names[int(c)]
            if names and str(c).lstrip("-").isdigit() and 0 <= int(c) < len(names)
            else str(c)
        )
        out[name] = {**reconstruction_metrics(x[m], recon[m], kind), "n": int(m.sum())}
    return out


REPRESENTATION_TRAIN = 10_000  # probe and kNN are fitted on at most this many training codes


def representation_metrics(
    model, ds: Dataset, z: np.ndarray, split: str = "test"
) -> dict[str, Any]:
    """What the codes `z` of the split are worth beyond reconstruction: effective_dims always;
    with labels, probe_accuracy and knn_accuracy (fitted on training codes, scored on the
    split), silhouette of the classes and trustworthiness of the code space w.r.t. the inputs."""
    x = getattr(ds, f"x_{split}")
    out: dict[str, Any] = {"effective_dims": metrics.effective_dims(z)}
    y, y_train = getattr(ds, f"y_{split}"), ds.y_train
    if y is None or y_train is None or len(np.unique(y_train)) < 2 or len(ds.x_train) == 0:
        return out
    idx = metrics.subsample(len(ds.x_train), REPRESENTATION_TRAIN)
    z_train, yt = encode(model, ds.x_train[idx]), y_train[idx]
    out["probe_accuracy"] = metrics.probe_accuracy(z_train, yt, z, y)
    out["knn_accuracy"] = metrics.knn_test_accuracy(z_train, yt, z, y)
    if 1 < len(np.unique(y)) < len(y):
        out["silhouette"] = metrics.silhouette(z, y)
    if len(x) >= 8:
        out["trustworthiness"] = metrics.trustworthiness(x, z)
    return out
