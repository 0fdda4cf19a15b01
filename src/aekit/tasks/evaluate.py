"""Evaluate a trained model on a data set's test split: MSE, PSNR, SSIM (+ sparsity); what its
codes are worth: effective dimensionality, and with labels probe/kNN accuracy, silhouette,
trustworthiness; for VAEs the test ELBO and importance-weighted NLL; for generative models,
Fréchet distance and precision/recall of generated samples against real test samples, with
the floors two real halves reach: on Fashion-MNIST in the shipped classifier's features (and
the samples' class coverage), on other data in the scaled data itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import metrics
from ..checkpoint import Checkpoint
from ..data import BUILTIN, Dataset, load_dataset
from ..data.base import pixel_ratio, raw_in_units_of
from ..data.table_features import TableFeatures
from ..errors import AekitError
from ..metrics import encode, reconstruct, reconstruction_metrics
from ..regularizers import active_fraction
from ..rows import dense


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
        if str(source) not in BUILTIN and not Path(source).exists():
            raise AekitError(
                f"{ck.path} was trained on {source}, which is not there any more; give DATA "
                "(the same data, or other data of the same kind)"
            )
    args.pop("source", None)
    if data_dir is not None:
        args["data_dir"] = data_dir
    args.update(reader_options(ck.data))  # its vocabulary / audio settings, not refitted
    ds = load_dataset(source, **args)
    _check_compatible(ck, ds)
    other_levels = pixel_ratio(ck.data, ds) is not None  # digits' 0..16 against PNG's 0..255
    if ds.scaler.to_dict() != ck.scaler.to_dict() or other_levels:  # the model's own scaler
        for split in ("x_train", "x_val", "x_test"):
            raw = raw_in_units_of(ck.data, ds, getattr(ds, split))
            setattr(ds, split, ck.scaler.transform(raw))
        ds.scaler = ck.scaler
    return ds


READER_OPTIONS = ("text_column", "label_column", "audio_features", "clip_seconds", "resample",
                  "image_size", "channels")  # fmt: skip


def reader_options(data: dict[str, Any]) -> dict[str, Any]:
    """From a checkpoint's data description: how the run read its data (text column, audio
    clip length, ...) and the features it was trained on (a TF-IDF vocabulary, audio settings,
    a table's columns and their encoding), so that other data is read the same way."""
    args = data.get("load_args", {})
    out = {k: args[k] for k in READER_OPTIONS if args.get(k) is not None}
    for k, v in image_reading(data).items():
        out.setdefault(k, v)
    if data.get("features"):
        out["features"] = data["features"]
    elif data.get("kind") == "table" and data.get("feature_names"):
        # a table of numbers: its columns, read by name (another order is fine; a file with
        # other columns is refused by name, not taken column for column)
        out["features"] = TableFeatures(list(data["feature_names"]), {}).to_dict()
    return out


def image_reading(data: dict[str, Any]) -> dict[str, Any]:
    """For a model of images: the size and channels to read an image folder at, its samples'
    (so that a folder of other sizes is resized to what the model takes, and one of mixed
    sizes is not sized by its first image); {} for other data."""
    shape = data.get("sample_shape") or []
    if data.get("kind") != "image" or len(shape) != 3:
        return {}
    return {"image_size": (int(shape[1]), int(shape[2])), "channels": int(shape[0])}


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


IW_SAMPLES = 1000  # importance samples per row for iw_nll (`aekit evaluate --iw-samples`)
IW_ROWS = 1000  # rows of the split the VAE likelihood is estimated on (a seeded subsample)
GEN_SAMPLES = 5000  # generated samples, compared with half of the test split


def evaluate(
    model,
    ds: Dataset,
    split: str = "test",
    *,
    iw_samples: int = IW_SAMPLES,
    iw_rows: int = IW_ROWS,
    generation: bool = True,
    progress: bool = False,
) -> dict[str, Any]:
    """Every metric that applies to a trained model on a split (see the module docstring).

    VAEs: `elbo` and `iw_nll` (nats per row) on `iw_rows` rows with `iw_samples` samples each
    (0 skips them). Generative models: `generation_metrics` unless `generation` is False."""
    n = getattr(ds, f"x_{split}").shape[0]
    if n == 0:
        raise AekitError(f"the {split} split is empty")
    # a GAN has nothing to reconstruct or encode: only its samples are judged
    out = (
        _encoder_metrics(model, ds, split, iw_samples, iw_rows, progress)
        if model.has_encoder
        else {}
    )
    if generation and generation_applies(model, ds):
        out.update(generation_metrics(model, ds))
    out["n"] = int(n)
    return out


def _encoder_metrics(
    model, ds: Dataset, split: str, iw_samples: int, iw_rows: int, progress: bool
) -> dict[str, Any]:
    """Reconstruction, per-class and code metrics, and a VAE's likelihood, on the split (made
    dense here if it is sparse: its reconstructions are dense anyway)."""
    x = dense(getattr(ds, f"x_{split}"))
    recon = reconstruct(model, x)
    out: dict[str, Any] = reconstruction_metrics(x, recon, ds.kind)
    y = getattr(ds, f"y_{split}")
    if y is not None:
        out["per_class"] = per_class(x, recon, y, ds.kind, ds.class_names)
    z = encode(model, x)
    if model.code_activation != "linear":
        out["active_fraction"] = active_fraction(torch.from_numpy(z), model.code_activation)
    if model.code_activation == "sigmoid":  # what a KL sparsity penalty pulls towards rho
        out["mean_activation"] = float(np.mean(z))
    out.update(representation_metrics(model, ds, z, split, x=x))
    if hasattr(model, "log_weights") and iw_samples > 0:
        rows = x[metrics.subsample(len(x), iw_rows)]
        vl = metrics.vae_likelihood(model, rows, iw_samples, progress=progress)
        out.update(vl, iw_rows=len(rows))
    return out


def generation_applies(model, ds: Dataset) -> bool:
    """Models that sample, with at least 20 test samples to judge the samples against."""
    from .generate import is_generative

    return is_generative(model) and ds.x_test.shape[0] >= 20


def classifier_features_apply(ds: Dataset) -> bool:
    """Fashion-MNIST: samples are judged in the shipped classifier's features, which also
    give their classes."""
    return ds.name == "fashion-mnist"


DATA_SPACE_DIMS = 128  # other data: wider samples are compared in PCA-128 of the reference rows


@torch.no_grad()
def generation_metrics(
    model, ds: Dataset, n: int = GEN_SAMPLES, seed: int = 0, reference: str = "half"
) -> dict[str, Any]:
    """Generated samples against real test samples: Fréchet distance, precision and recall
    (k = 3) to one half of the test split, the same between the two halves (the floor a
    perfect generator would reach), and `generation_space`, where they were compared.

    On Fashion-MNIST, in the feature space of the shipped classifier, with the class histogram
    of the samples (coverage of the 10 classes). On other data, in the model's scaled data
    (standardized columns for tables), flattened; beyond DATA_SPACE_DIMS values, projected on
    the reference half's first DATA_SPACE_DIMS principal components.

    reference="test": n samples against n test images (up to the whole split), and the floor
    from as many training images (for n = 10,000 on Fashion-MNIST: all 10,000 test images)."""
    from .. import featurenet

    rng = np.random.default_rng(seed)
    n_test, n_train = ds.x_test.shape[0], ds.x_train.shape[0]
    if reference == "test":
        half = min(n, n_test, n_train)
        ref = ds.x_test[rng.permutation(n_test)[:half]]
        other = ds.x_train[rng.permutation(n_train)[:half]]
    elif reference == "half":
        half = min(n, n_test // 2)
        perm = rng.permutation(n_test)
        ref, other = ds.x_test[perm[:half]], ds.x_test[perm[half : 2 * half]]
    else:
        raise AekitError(f"reference must be 'half' or 'test', got {reference!r}")
    ref, other = dense(ref), dense(other)
    gen = torch.Generator().manual_seed(seed)
    fake = np.concatenate(
        [model.sample(min(1000, half - i), generator=gen).float().cpu().numpy()
         for i in range(0, half, 1000)]
    )  # fmt: skip
    out: dict[str, Any] = {}
    if classifier_features_apply(ds):
        f_ref, _ = featurenet.embed(ref)
        f_other, _ = featurenet.embed(other)
        f_fake, p_fake = featurenet.embed(np.clip(fake, 0.0, 1.0))
        hist = metrics.class_histogram(p_fake, featurenet.load()[0].config["n_classes"])
        out.update(class_coverage=hist["class_coverage"], max_class_share=hist["max_class_share"],
                   generated_class_shares=hist["class_shares"])  # fmt: skip
        space = "fashion-mnist classifier features"
    else:
        # float32 while wide (5,000 TF-IDF rows of 10,000 words: 200 MB, not 400), float64 after
        f_ref, f_other, f_fake = (a.reshape(len(a), -1) for a in (ref, other, fake))
        space = "data"
        if f_ref.shape[1] > DATA_SPACE_DIMS:
            from sklearn.decomposition import PCA

            pca = PCA(min(DATA_SPACE_DIMS, len(f_ref)), random_state=seed).fit(f_ref)
            f_ref, f_other, f_fake = (pca.transform(f) for f in (f_ref, f_other, f_fake))
            space = f"data, PCA to {pca.n_components_} dims"
        f_ref, f_other, f_fake = (f.astype(np.float64) for f in (f_ref, f_other, f_fake))
    precision, recall = metrics.precision_recall(f_ref, f_fake)
    precision_floor, recall_floor = metrics.precision_recall(f_ref, f_other)
    return {
        "frechet_distance": metrics.frechet_distance(f_ref, f_fake),
        "frechet_floor": metrics.frechet_distance(f_ref, f_other),
        "precision": precision,
        "recall": recall,
        "precision_floor": precision_floor,
        "recall_floor": recall_floor,
        **out,
        "generated_n": int(half),
        "generation_space": space,
    }


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
    model, ds: Dataset, z: np.ndarray, split: str = "test", x: np.ndarray | None = None
) -> dict[str, Any]:
    """What the codes `z` of the split are worth beyond reconstruction: effective_dims always;
    with labels, probe_accuracy and knn_accuracy (fitted on training codes, scored on the
    split), silhouette of the classes and trustworthiness of the code space w.r.t. the inputs
    (the split's rows, `x` when the caller has them dense already)."""
    x = dense(getattr(ds, f"x_{split}")) if x is None else x
    out: dict[str, Any] = {"effective_dims": metrics.effective_dims(z)}
    y, y_train = getattr(ds, f"y_{split}"), ds.y_train
    n_train = ds.x_train.shape[0]
    if y is None or y_train is None or len(np.unique(y_train)) < 2 or n_train == 0:
        return out
    idx = metrics.subsample(n_train, REPRESENTATION_TRAIN)
    z_train, yt = encode(model, ds.x_train[idx]), y_train[idx]
    out["probe_accuracy"] = metrics.probe_accuracy(z_train, yt, z, y)
    out["knn_accuracy"] = metrics.knn_test_accuracy(z_train, yt, z, y)
    if 1 < len(np.unique(y)) < len(y):
        out["silhouette"] = metrics.silhouette(z, y)
    if len(x) >= 8:
        out["trustworthiness"] = metrics.trustworthiness(x, z)
    return out
