"""Evaluate a trained model on a data set's test split: MSE, PSNR, SSIM (+ sparsity)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

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
    out: dict[str, Any] = reconstruction_metrics(x, reconstruct(model, x), ds.kind)
    if model.code_activation != "linear":
        out["active_fraction"] = active_fraction(
            torch.from_numpy(encode(model, x)), model.code_activation
        )
    out["n"] = int(len(x))
    return out
