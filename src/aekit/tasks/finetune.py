"""Semi-supervised learning: pre-train on unlabeled data (the run), fine-tune on a few labels.

For each seed, one balanced labelled subset of the training split is drawn, and four models are
trained on exactly those labels and tested on the test split:
  finetuned  the run's encoder + a new head, all trained on the labels (starts pre-trained)
  scratch    the same network with fresh weights, trained the same way
  probe      logistic regression on the frozen codes (standardized)
  svm        an RBF SVM on the frozen codes (standardized)
This task calls `fit`; the run itself is never changed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import AekitError
from ..metrics import encode, probe_accuracy
from ..models.classifier import check_head_options
from ..progress import progress_bar
from ..registry import build_model
from ..rows import dense
from ..training import TrainConfig, fit

METHODS = ("finetuned", "scratch", "probe", "svm")


@dataclass
class FinetuneConfig:
    """How the networks are trained on the labels (same for fine-tuned and from-scratch).

    `epochs`, `lr` and `augment_shift` left as None take defaults by data kind (`for_data`):
    images (C, H, W) get IMAGE_DEFAULTS, the recipe that scored best on Fashion-MNIST's
    validation images (bench/finetune.py); other data get OTHER_DEFAULTS."""

    epochs: int | None = None
    batch_size: int = 32
    lr: float | None = None
    head_hidden: int = 256  # one hidden layer in the head (0: linear head)
    dropout: float = 0.3
    encoder_lr_scale: float = 1.0
    augment_shift: int | None = None  # images: random shifts of up to this many pixels
    device: str = "auto"

    def __post_init__(self) -> None:
        """Bad values fail here, before any output, by the checks the classifier and
        TrainConfig would make only once the output folder exists."""
        check_head_options(self.dropout, self.head_hidden, self.encoder_lr_scale,
                           self.augment_shift or 0)  # fmt: skip
        TrainConfig(epochs=self.epochs or 1, batch_size=self.batch_size, lr=self.lr,
                    device=self.device)  # fmt: skip

    def for_data(self, sample_shape: tuple[int, ...]) -> FinetuneConfig:
        """A copy with every None filled in for data of this sample shape."""
        defaults = IMAGE_DEFAULTS if len(sample_shape) == 3 else OTHER_DEFAULTS
        return replace(self, **{k: v for k, v in defaults.items() if getattr(self, k) is None})


IMAGE_DEFAULTS: dict[str, Any] = {"epochs": 100, "lr": 2e-3, "augment_shift": 1}
OTHER_DEFAULTS: dict[str, Any] = {"epochs": 30, "lr": 1e-3, "augment_shift": 0}


def balanced_subset(y: np.ndarray, n_labels: int, seed: int) -> np.ndarray:
    """n_labels indices into y (seeded, sorted), spread over the classes as evenly as their
    sizes allow: each class gets an equal share, a class smaller than its share gives all its
    samples, and what it cannot give goes to the classes with samples to spare (so rare classes
    of imbalanced data, e.g. ECG5000's, do not stop the draw). With classes large enough, every
    class gets n_labels // classes and the remainder goes to the largest ones."""
    classes, sizes = np.unique(y, return_counts=True)
    if n_labels < len(classes):
        raise AekitError(
            f"--labels {n_labels} is fewer than one per class ({len(classes)} classes)"
        )
    if n_labels > len(y):
        raise AekitError(f"--labels {n_labels} is more than the {len(y)} labelled training samples")
    quota = np.zeros(len(classes), dtype=int)
    left = n_labels
    order = np.argsort(sizes, kind="stable")  # smallest first: what they cannot give is shared
    for k, i in enumerate(order):
        quota[i] = min(sizes[i], left // (len(classes) - k))
        left -= quota[i]
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(y == c), q, replace=False) for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(picks))


def build_classifier(ck, n_classes: int, cfg: FinetuneConfig, seed: int, pretrained: bool):
    clf = build_model(
        "classifier", seed=seed, input_shape=ck.model.input_shape, n_classes=n_classes,
        backbone=ck.info["model"], backbone_config=ck.model.config, head_hidden=cfg.head_hidden,
        dropout=cfg.dropout, encoder_lr_scale=cfg.encoder_lr_scale,
        augment_shift=cfg.augment_shift,
    )  # fmt: skip
    if pretrained:
        clf.load_backbone(ck.model)
    return clf


def _accuracy(clf, x: np.ndarray, y: np.ndarray) -> float:
    pred = clf.predict_proba(torch.from_numpy(np.ascontiguousarray(dense(x)))).argmax(1).numpy()
    return float((pred == y).mean())


def _frozen_code_models(ck, xl, yl, xt, yt, seed: int) -> dict[str, float]:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    zl, zt = encode(ck.model, xl), encode(ck.model, xt)
    svm = make_pipeline(StandardScaler(), SVC(C=10.0, random_state=seed))
    return {
        "probe": probe_accuracy(zl, yl, zt, yt, max_iter=2000),
        "svm": float(svm.fit(zl, yl).score(zt, yt)),
    }


def finetune_compare(
    ck,
    ds,
    n_labels: int = 1000,
    seeds: tuple[int, ...] = (0, 1, 2),
    cfg: FinetuneConfig | None = None,
    progress: bool = True,
    keep_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Accuracy of each method on the test split, per seed and as mean/std over seeds. With
    `keep_dir`, the first seed's fine-tuned classifier is saved there (a loadable run)."""
    cfg = (cfg or FinetuneConfig()).for_data(tuple(ds.sample_shape))
    assert cfg.epochs is not None and cfg.lr is not None  # filled in by for_data
    if ds.y_train is None or ds.y_test is None:
        raise AekitError("finetune needs labels (a label column, class folders, or a labelled set)")
    if ds.x_test.shape[0] == 0:
        raise AekitError("the test split is empty")
    ck.model.check_input(ds.sample_shape)
    classes = np.unique(ds.y_train)
    y_train = np.searchsorted(classes, ds.y_train)
    y_test = np.searchsorted(classes, ds.y_test)
    unknown = ~np.isin(ds.y_test, classes)
    if unknown.any():
        raise AekitError("the test split has labels that the training split lacks")
    train_cfg = TrainConfig(epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr,
                            device=cfg.device, progress=False)  # fmt: skip
    rows = []
    bar = progress_bar(total=len(seeds) * 2, show=progress, desc="finetune", unit="model")
    for seed in seeds:
        idx = balanced_subset(y_train, n_labels, seed)
        xl, yl = ds.x_train[idx], y_train[idx]
        row: dict[str, Any] = {"seed": seed, "labels": int(len(idx)),
                               "labels_per_class": np.bincount(yl, minlength=len(classes)).tolist()}  # fmt: skip
        for method, pretrained in (("finetuned", True), ("scratch", False)):
            clf = build_classifier(ck, len(classes), cfg, seed, pretrained)
            t0 = time.perf_counter()
            fit(clf, xl, TrainConfig(**{**asdict(train_cfg), "seed": seed}), targets=(yl, None))
            row[f"{method}_seconds"] = time.perf_counter() - t0
            clf.to("cpu")
            row[method] = _accuracy(clf, ds.x_test, y_test)
            if method == "finetuned" and keep_dir is not None and seed == seeds[0]:
                from ..checkpoint import save_model

                save_model(keep_dir, clf, scaler=ck.scaler, data={**ck.data, "classes": classes},
                           train_config={**asdict(cfg), "labels": int(len(idx)), "seed": seed},
                           metrics={"test_accuracy": row[method]})  # fmt: skip
            bar.update(1)
        row.update(_frozen_code_models(ck, xl, yl, ds.x_test, y_test, seed))
        rows.append(row)
    bar.close()
    acc = {m: float(np.mean([r[m] for r in rows])) for m in METHODS}
    std = {m: float(np.std([r[m] for r in rows])) for m in METHODS}
    return {
        "labels": int(rows[0]["labels"]),
        "seeds": list(seeds),
        "accuracy": acc,
        "accuracy_std": std,
        "finetuned_minus_scratch": acc["finetuned"] - acc["scratch"],
        "rows": rows,
        "config": asdict(cfg),
        "test_samples": int(ds.x_test.shape[0]),
    }


def finetune_run(ck, ds, out: str | Path, **kwargs: Any) -> dict[str, Any]:
    """The `aekit finetune` task: summary.json, finetune.png and the fine-tuned classifier
    (seed 0) in out/classifier/."""
    from .. import plots
    from ..checkpoint import check_folder
    from .common import output_dir, write_summary

    out = check_folder(out)  # made with the first result: bad input leaves nothing behind
    summary = finetune_compare(ck, ds, keep_dir=out / "classifier", **kwargs)
    out = output_dir(out)
    summary["run"] = str(ck.path)
    plots.accuracy_bars(summary["accuracy"], summary["accuracy_std"], out / "finetune.png",
                        title=f"{summary['labels']} labels, {len(summary['seeds'])} seeds: "
                              "test accuracy")  # fmt: skip
    write_summary(out, summary)
    return summary
