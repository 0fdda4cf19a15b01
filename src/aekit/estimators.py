"""scikit-learn estimators built on the registry and `fit` (build_model -> fit -> task).

AutoencoderTransformer(model="mlp", latent=32).fit(X).transform(X)   # codes
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import checkpoint as ckpt
from .data.scaler import Scaler
from .errors import AekitError
from .registry import build_model
from .training import TrainConfig, fit


class _Saving:
    """What both estimators share: deterministic fits (seeded), and save/load as safetensors +
    JSON (estimator parameters in model.json), never pickled."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.non_deterministic = False
        return tags

    model_: Any
    scaler_: Scaler
    n_features_in_: int

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def save(self, path: str | Path) -> Path:
        """A folder with model.safetensors + model.json (estimator parameters included)."""
        check_is_fitted(self)
        return ckpt.save_model(
            path, self.model_, scaler=self.scaler_,
            data={"kind": "table", "n_features_in": int(self.n_features_in_)},
            train_config={"estimator": type(self).__name__, "params": self.get_params(),  # type: ignore[attr-defined]
                          "state": self._extra_state()},
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | Path):
        ck = ckpt.load(path)
        params = ck.train_config.get("params")
        if ck.train_config.get("estimator") != cls.__name__ or params is None:
            raise AekitError(f"{path} was not saved by {cls.__name__}")
        kwargs: dict[str, Any] = {
            k: (tuple(v) if k == "hidden" and v else v) for k, v in params.items()
        }
        est = cls(**kwargs)
        est.model_, est.scaler_ = ck.model, ck.scaler
        est.n_features_in_ = int(ck.data["n_features_in"])
        est._set_extra_state(ck.train_config.get("state", {}))
        return est


class AutoencoderTransformer(_Saving, TransformerMixin, BaseEstimator):
    """Learn a code for tabular rows with any registered autoencoder.

    `transform` gives codes, `inverse_transform` reconstructions (in the input's units),
    `score_samples` the per-row reconstruction error (mean squared, on standardized features).
    Columns are standardized with statistics of the rows given to `fit`. Usable in a
    `Pipeline` before a classifier, t-SNE or clustering.
    """

    def __init__(
        self,
        model: str = "mlp",
        latent: int = 32,
        noise: str | None = None,
        sparsity: str | None = None,
        hidden: tuple[int, ...] | None = None,
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 2e-3,
        random_state: int = 0,
        device: str = "auto",
        verbose: bool = False,
    ):
        self.model = model
        self.latent = latent
        self.noise = noise
        self.sparsity = sparsity
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None) -> AutoencoderTransformer:
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.scaler_ = Scaler.fit("standard", X)
        self.model_ = build_model(  # seeded initial weights: fit is idempotent
            self.model, seed=self.random_state, **_model_config(self, X.shape[1])
        )
        cfg = TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
            seed=self.random_state, device=self.device, progress=self.verbose,
        )  # fmt: skip
        self.history_ = fit(self.model_, self.scaler_.transform(X), cfg)
        self.model_.to("cpu").eval()
        return self

    def _scaled(self, X: Any) -> torch.Tensor:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return torch.from_numpy(self.scaler_.transform(X))

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """Codes, shape (n_samples, latent)."""
        return self.model_.encode(self._scaled(X)).double().numpy()

    @torch.no_grad()
    def inverse_transform(self, X: Any) -> np.ndarray:
        """Reconstructions from codes, in the units of the training data."""
        check_is_fitted(self)
        z = torch.as_tensor(np.asarray(X, dtype=np.float32))
        out = self.model_.decode(z).numpy()
        return self.scaler_.inverse_transform(out).astype(np.float64)

    @torch.no_grad()
    def score_samples(self, X: Any) -> np.ndarray:
        """Per-row reconstruction error (mean squared, standardized features); higher = worse."""
        x = self._scaled(X)
        return ((self.model_(x) - x) ** 2).mean(1).double().numpy()


class AutoencoderClassifier(_Saving, ClassifierMixin, BaseEstimator):
    """Pre-train an autoencoder on every row, then fine-tune its encoder + a head on the labels.

    `fit(X, y)`: rows with `y == -1` are unlabelled (scikit-learn's semi-supervised convention)
    and serve the pre-training only; at least two classes must be labelled. `predict`,
    `predict_proba`, `score` as for any classifier. Columns are standardized with statistics
    of all rows given to `fit`.
    """

    def __init__(
        self,
        model: str = "mlp",
        latent: int = 32,
        noise: str | None = None,
        sparsity: str | None = None,
        hidden: tuple[int, ...] | None = None,
        pretrain_epochs: int = 30,
        finetune_epochs: int = 30,
        batch_size: int = 64,
        lr: float = 2e-3,
        finetune_lr: float = 1e-3,
        head_hidden: int = 0,
        dropout: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
        verbose: bool = False,
    ):
        self.model = model
        self.latent = latent
        self.noise = noise
        self.sparsity = sparsity
        self.hidden = hidden
        self.pretrain_epochs = pretrain_epochs
        self.finetune_epochs = finetune_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.finetune_lr = finetune_lr
        self.head_hidden = head_hidden
        self.dropout = dropout
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> AutoencoderClassifier:
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        unlabelled = (
            (y == -1) if np.issubdtype(np.asarray(y).dtype, np.number) else np.zeros(len(y), bool)
        )
        self.classes_ = np.unique(y[~unlabelled])
        if len(self.classes_) < 2:
            raise ValueError(
                f"AutoencoderClassifier needs labelled rows of at least 2 classes; "
                f"got {len(self.classes_)} class"
            )
        self.scaler_ = Scaler.fit("standard", X)
        xs = self.scaler_.transform(X)
        ae = build_model(self.model, seed=self.random_state,
                         **_model_config(self, X.shape[1]))  # fmt: skip
        cfg: dict[str, Any] = dict(batch_size=self.batch_size, seed=self.random_state,
                                   device=self.device, progress=self.verbose)  # fmt: skip
        self.pretrain_history_ = fit(
            ae, xs, TrainConfig(epochs=self.pretrain_epochs, lr=self.lr, **cfg)
        )
        self.model_ = build_model(
            "classifier", seed=self.random_state, input_shape=(X.shape[1],),
            n_classes=len(self.classes_), backbone=self.model, backbone_config=ae.config,
            head_hidden=self.head_hidden, dropout=self.dropout,
        )  # fmt: skip
        self.model_.load_backbone(ae)
        labelled = ~unlabelled
        targets = np.searchsorted(self.classes_, y[labelled])
        self.finetune_history_ = fit(
            self.model_, xs[labelled],
            TrainConfig(epochs=self.finetune_epochs, lr=self.finetune_lr, **cfg),
            targets=(targets, None),
        )  # fmt: skip
        self.model_.to("cpu").eval()
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        x = torch.from_numpy(self.scaler_.transform(X))
        return self.model_.predict_proba(x).double().numpy()

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)  # checks fitted-ness before classes_ is read
        return self.classes_[proba.argmax(1)]

    def _extra_state(self) -> dict[str, Any]:
        return {"classes": self.classes_.tolist()}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        self.classes_ = np.asarray(state["classes"])


def _model_config(est: Any, n_features: int) -> dict[str, Any]:
    cfg: dict[str, Any] = {"input_shape": (n_features,), "latent": est.latent, "output": "linear"}
    for key in ("noise", "sparsity", "hidden"):
        if getattr(est, key) is not None:
            cfg[key] = getattr(est, key)
    return cfg
