"""scikit-learn estimators built on the registry and `fit` (build_model -> fit -> task).

AutoencoderTransformer(model="mlp", latent=32).fit(X).transform(X)   # codes
AutoencoderClassifier().fit(X, y)                                    # y = -1: unlabelled
AnomalyDetector(contamination=0.01).fit(X).predict(X_new)            # PyOD interface, 1 = anomaly
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import checkpoint as ckpt
from .confidence import confidence, reject, rejection_stats
from .data.scaler import Scaler
from .density import CodeDensity
from .errors import AekitError
from .metrics import batched, decode, encode, row_errors
from .registry import build_model, default_config, get_entry, list_models
from .rows import SparseRows, is_sparse
from .runs import default_output
from .training import TrainConfig, fit

ESTIMATOR_ARRAYS = "estimator.safetensors"


class _Saving:
    """What the three estimators share: deterministic fits (seeded), scipy sparse input, and
    save/load as safetensors + JSON (estimator parameters in model.json), never pickled."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.non_deterministic = False
        tags.input_tags.sparse = True  # scipy sparse X: made dense one batch at a time
        return tags

    model_: Any
    scaler_: Scaler
    n_features_in_: int
    feature_names_in_: np.ndarray
    scaling: str

    def _fit_rows(self, X: Any, *y: Any) -> Any:
        """Validate X (dense or scipy sparse; and y, when passed, returned with it: a
        classifier's y must be there), fit the scaler `scaling` picks, and return X as the
        model reads it."""
        if y:
            X, y_ = validate_data(self, X, y[0], accept_sparse="csr", dtype=FLOATS)
        else:
            X = validate_data(self, X, accept_sparse="csr", dtype=FLOATS)
        self.scaler_ = Scaler.fit(_scaler_kind(self.scaling, X), X)
        x = self.scaler_.transform(X)
        return (x, y_) if y else x

    def _rows(self, X: Any) -> Any:
        """Rows for a fitted estimator: validated against the training columns and scaled as
        the training rows were."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=FLOATS, reset=False)
        return self.scaler_.transform(X)

    def _shaped(self, x: Any, model: Any = None) -> Any:
        """Flat rows (n, features) as the samples of `model` (default model_), (n, *input_shape);
        sparse rows are flat rows already (input_shape is refused for them)."""
        shape = (model if model is not None else self.model_).input_shape
        return x if is_sparse(x) else x.reshape(len(x), *shape)

    def _train(self, model: Any, x: np.ndarray, layerwise_epochs: int = 0) -> Any:
        """Train `model` on already-scaled rows with the estimator's epochs, batch size, lr,
        seed, device and verbosity (and `layerwise_epochs` of layer-wise pre-training); leaves
        it on the CPU in eval mode. Returns the History."""
        cfg = TrainConfig(
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,  # type: ignore[attr-defined]
            seed=self.random_state, device=self.device, progress=self.verbose,  # type: ignore[attr-defined]
            layerwise_epochs=layerwise_epochs,
        )  # fmt: skip
        history = fit(model, self._shaped(x, model), cfg)
        model.to("cpu").eval()
        return history

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        """Fitted arrays saved beside the weights, in ESTIMATOR_ARRAYS (safetensors)."""
        return {}

    def _set_extra_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        pass

    def save(self, path: str | Path, data: dict[str, Any] | None = None) -> Path:
        """A folder with model.safetensors + model.json (estimator parameters included), and
        ESTIMATOR_ARRAYS when the estimator keeps fitted arrays (a detector's training
        scores); `data` adds to what model.json says of the data (e.g. how to load it)."""
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        state = self._extra_state()
        arrays = self._extra_arrays()
        if arrays:
            Path(path).mkdir(parents=True, exist_ok=True)
            state["arrays"] = ESTIMATOR_ARRAYS
            state["arrays_sha256"] = ckpt.save_tensors(
                Path(path) / ESTIMATOR_ARRAYS, {k: torch.from_numpy(v) for k, v in arrays.items()}
            )
        return ckpt.save_model(
            path, self.model_, scaler=self.scaler_,
            data={"kind": "table", "n_features_in": int(self.n_features_in_),
                  "feature_names": [str(c) for c in names] if names is not None else None,
                  **(data or {})},
            train_config={"estimator": type(self).__name__, "params": self.get_params(),  # type: ignore[attr-defined]
                          "state": state},
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | Path):
        return cls.from_checkpoint(ckpt.load(path))

    @classmethod
    def from_checkpoint(cls, ck: ckpt.Checkpoint):
        """The fitted estimator a loaded checkpoint holds (AekitError if another one saved it)."""
        params = ck.train_config.get("params")
        if ck.train_config.get("estimator") != cls.__name__ or params is None:
            raise AekitError(f"{ck.path} was not saved by {cls.__name__}")
        kwargs: dict[str, Any] = {
            k: (tuple(v) if k in ("hidden", "input_shape") and v else v) for k, v in params.items()
        }
        est = cls(**kwargs)
        est.model_, est.scaler_ = ck.model, ck.scaler
        est.n_features_in_ = int(ck.data["n_features_in"])
        if ck.data.get("feature_names"):
            est.feature_names_in_ = np.asarray(ck.data["feature_names"], dtype=object)
        state = ck.train_config.get("state", {})
        est._set_extra_state(state)
        if state.get("arrays"):
            tensors = ckpt.read_tensors(ck.path / state["arrays"], state.get("arrays_sha256"))
            est._set_extra_arrays({k: v.numpy() for k, v in tensors.items()})
        return est


class AutoencoderTransformer(
    _Saving, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Learn a code for tabular rows with any registered autoencoder.

    `transform` gives codes, `inverse_transform` reconstructions (in the input's units),
    `score_samples` the per-row reconstruction error (mean squared, on the scaled features).
    `scaling`: "auto" (default) standardizes the columns of a dense X with statistics of the
    rows given to `fit` ("standard") and takes a scipy sparse X, e.g. TfidfVectorizer's output,
    as given ("identity": shifting would make it dense); "standard", "global" (one mean and
    std), "minmax" (one minimum and maximum to [0, 1]: images) or "identity" choose, as for
    AnomalyDetector. Sparse rows stay sparse in
    memory and are made dense one batch at a time. `recon_loss` (None: the model's own, MSE)
    takes any of the model's losses; "multinomial" and "multinomial-binary" (non-negative rows
    such as TF-IDF) get softmax outputs. Usable in a `Pipeline` after a vectorizer and before a
    classifier, t-SNE or clustering. `trim=K` trains robustly on rows that hold outliers (each
    batch leaves out the rows beyond Q3 + K x IQR of its losses); None trains on every row.
    `layerwise_epochs=N` (mlp, stacked) pre-trains layer pair by layer pair first
    (`aekit.layerwise`).
    """

    def __init__(
        self,
        model: str = "mlp",
        latent: int = 32,
        noise: str | None = None,
        sparsity: str | None = None,
        hidden: tuple[int, ...] | None = None,
        trim: float | None = None,
        recon_loss: str | None = None,
        input_shape: tuple[int, ...] | None = None,
        scaling: str = "auto",
        epochs: int = 30,
        batch_size: int = 64,
        lr: float = 2e-3,
        random_state: int = 0,
        device: str = "auto",
        verbose: bool = False,
        layerwise_epochs: int = 0,
    ):
        self.model = model
        self.latent = latent
        self.noise = noise
        self.sparsity = sparsity
        self.hidden = hidden
        self.trim = trim
        self.recon_loss = recon_loss
        self.input_shape = input_shape
        self.scaling = scaling
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.layerwise_epochs = layerwise_epochs

    def fit(self, X: Any, y: Any = None) -> AutoencoderTransformer:
        x = self._fit_rows(X)
        self.model_ = build_model(  # seeded initial weights: fit is idempotent
            self.model, seed=self.random_state, **_model_config(self, x)
        )
        self.history_ = self._train(self.model_, x, self.layerwise_epochs)
        return self

    @property
    def _n_features_out(self) -> int:
        """Code units: get_feature_names_out names them autoencodertransformer0, 1, ..."""
        return int(self.model_.latent)

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """Codes, shape (n_samples, latent)."""
        x = self._rows(X)  # first: NotFittedError before model_ is read
        return encode(self.model_, self._shaped(x)).astype(np.float64)

    @torch.no_grad()
    def inverse_transform(self, X: Any) -> np.ndarray:
        """Reconstructions from codes (n, latent), as flat rows in the units of the training
        data."""
        check_is_fitted(self)
        z = np.asarray(X, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.model_.latent:
            raise ValueError(
                f"inverse_transform takes codes of shape (n, {self.model_.latent}); got {z.shape}"
            )
        out = decode(self.model_, z).reshape(len(z), -1)
        return self.scaler_.inverse_transform(out).astype(np.float64)

    @torch.no_grad()
    def score_samples(self, X: Any) -> np.ndarray:
        """Per-row reconstruction error (mean squared, scaled features); higher = worse."""
        x = self._shaped(self._rows(X))
        return row_errors(self.model_, x).astype(np.float64)


def _scaler_kind(scaling: str, X: Any) -> str:
    """The Scaler kind for X: "auto" standardizes dense columns and leaves sparse rows as given."""
    if scaling not in ("auto", *SCALINGS):
        raise ValueError(f"scaling must be 'auto' or one of {SCALINGS}, got {scaling!r}")
    if is_sparse(X) and scaling not in ("auto", "identity"):
        raise ValueError(
            f"scaling={scaling!r} would make sparse rows dense (it shifts them); use "
            "scaling='identity' or pass X.toarray()"
        )
    if scaling == "auto":
        return "identity" if is_sparse(X) else "standard"
    return scaling


class AutoencoderClassifier(_Saving, ClassifierMixin, BaseEstimator):
    """Pre-train an autoencoder on every row, then fine-tune its encoder + a head on the labels.

    `fit(X, y)`: rows with `y == -1` are unlabelled (scikit-learn's semi-supervised convention)
    and serve the pre-training only; at least two classes must be labelled. `predict`,
    `predict_proba`, `score` as for any classifier. `scaling` and `recon_loss` (of the
    pre-training) as for AutoencoderTransformer: by default the columns of a dense X are
    standardized with statistics of all rows given to `fit`, and a scipy sparse X (e.g.
    TfidfVectorizer's rows) is taken as given and made dense one batch at a time.
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
        recon_loss: str | None = None,
        input_shape: tuple[int, ...] | None = None,
        scaling: str = "auto",
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
        self.recon_loss = recon_loss
        self.input_shape = input_shape
        self.scaling = scaling
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> AutoencoderClassifier:
        xs, y = self._fit_rows(X, y)
        check_classification_targets(y)
        unlabelled = (
            (y == -1) if np.issubdtype(np.asarray(y).dtype, np.number) else np.zeros(len(y), bool)
        )
        self.classes_ = np.unique(y[~unlabelled])
        if len(self.classes_) < 2:
            raise ValueError(
                f"AutoencoderClassifier needs labelled rows of at least 2 classes; "
                f"got {len(self.classes_)} class{'' if len(self.classes_) == 1 else 'es'}"
            )
        ae = build_model(self.model, seed=self.random_state, **_model_config(self, xs))
        cfg: dict[str, Any] = dict(batch_size=self.batch_size, seed=self.random_state,
                                   device=self.device, progress=self.verbose)  # fmt: skip
        self.pretrain_history_ = fit(
            ae, self._shaped(xs, ae), TrainConfig(epochs=self.pretrain_epochs, lr=self.lr, **cfg)
        )
        self.model_ = build_model(
            "classifier", seed=self.random_state, input_shape=ae.input_shape,
            n_classes=len(self.classes_), backbone=self.model, backbone_config=ae.config,
            head_hidden=self.head_hidden, dropout=self.dropout,
        )  # fmt: skip
        self.model_.load_backbone(ae)
        labelled = ~unlabelled
        targets = np.searchsorted(self.classes_, y[labelled])
        self.finetune_history_ = fit(
            self.model_, self._shaped(xs[labelled]),
            TrainConfig(epochs=self.finetune_epochs, lr=self.finetune_lr, **cfg),
            targets=(targets, None),
        )  # fmt: skip
        self.model_.to("cpu").eval()
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        x = self._shaped(self._rows(X))  # first: NotFittedError before model_ is read
        return batched(self.model_, self.model_.predict_proba, x).astype(np.float64)

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)  # checks fitted-ness before classes_ is read
        return self.classes_[proba.argmax(1)]

    def _extra_state(self) -> dict[str, Any]:
        return {"classes": self.classes_.tolist()}

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        self.classes_ = np.asarray(state["classes"])


SCORES = ("reconstruction+density", "reconstruction", "elbo")
FLOATS = [np.float64, np.float32]  # what validate_data keeps (anything else: float64)
MLP_HIDDEN = (64,)  # AnomalyDetector's hidden layer by default (an MLP's)
SCALINGS = ("standard", "global", "minmax", "identity")  # per column, one mean/std, [0, 1], none


def _model_config(est: Any, x: Any) -> dict[str, Any]:
    """The model options of an estimator fitted on rows x: its `input_shape` (flat rows by
    default; never for sparse rows), latent, output and family options."""
    n_features = x.shape[1]
    entry = get_entry(est.model)
    if entry.role != "autoencoder":
        raise ValueError(
            f"model {est.model!r} is not an autoencoder (a {entry.role}); choose one of "
            f"{', '.join(list_models())}"
        )
    shape = tuple(getattr(est, "input_shape", None) or (n_features,))
    if int(np.prod(shape)) != n_features:
        raise ValueError(f"input_shape {shape} does not hold rows of {n_features} features")
    if is_sparse(x) and len(shape) > 1:
        raise ValueError("sparse rows are read as flat rows: leave input_shape unset")
    output = default_output("table", getattr(est, "recon_loss", None))  # softmax: multinomial
    cfg: dict[str, Any] = {"input_shape": shape, "latent": est.latent, "output": output}
    for key in ("noise", "sparsity", "hidden", "recon_loss", "trim"):  # recon_loss: detector
        if getattr(est, key, None) is not None:
            cfg[key] = getattr(est, key)
    conv = "hidden" not in default_config(est.model) or (est.model == "aae" and len(shape) > 1)
    if conv and cfg.get("hidden") == MLP_HIDDEN:
        del cfg["hidden"]  # the detector's MLP default means nothing to a conv model
    return cfg


SPARSE_BATCH_ELEMENTS = 2**24  # values in one dense batch of sparse rows (64 MB as float32)


def _batch_rows(x: Any, batch_size: int) -> int:
    """Rows per scoring batch: `batch_size`, fewer for sparse rows so that one dense batch holds
    at most SPARSE_BATCH_ELEMENTS values (10,000 TF-IDF words: 1,677 rows, not 65,536)."""
    if not is_sparse(x):
        return batch_size
    return max(1, min(batch_size, SPARSE_BATCH_ELEMENTS // max(1, x.shape[1])))


def _top_columns(err: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """The `top` largest columns of each row of err (n, features): indices, and their share of
    the row's total."""
    idx = np.argsort(-err, axis=1, kind="stable")[:, : min(top, err.shape[1])]
    share = np.take_along_axis(err, idx, 1) / np.maximum(err.sum(1, keepdims=True), 1e-300)
    return idx, share


class AnomalyDetector(_Saving, BaseEstimator):
    """Flag rows that an autoencoder reconstructs badly; PyOD's detector interface.

    `fit(X)` trains on X (y is ignored: unsupervised, as in PyOD; to fit on normal rows only,
    pass only those), then sets `decision_scores_` (scores of the training rows), `threshold_`
    (their 1 - contamination quantile) and `labels_` (1 = anomaly). `decision_function(X)` is
    the per-row score, higher = more abnormal. `score_by`:
      "reconstruction+density" (default): two statistics, each as (value - median) / IQR of the
          training rows' values, summed: the mean squared reconstruction error over
          standardized columns (how far the row is from what the model can draw), and the
          negative log-likelihood of its code under a Gaussian mixture with
          `density_components` components fitted on the training codes (how rare the row is
          among the rows the model can draw); unitless
      "reconstruction": the mean squared reconstruction error alone, in squared standard units
      "elbo": for a VAE, the negative ELBO (nats).
    `predict` gives 0/1, `predict_proba` [P(normal), P(anomaly)] (PyOD's "linear" or "unify"),
    `explain` the columns that contribute most to each row's error.

    `recon_loss` is what training minimizes: "l1" (default), the mean absolute error, which
    lets the few rows far from the rest (the anomalies a contaminated training set holds) pull
    the model less than the squared error ("mse") does; the scores above use squared errors
    either way. None leaves the model's own (VAEs train on their likelihood regardless).
    `trim` (default 3): in each training batch, rows whose loss lies beyond Tukey's fence
    Q3 + trim x IQR of the batch's row losses are left out of it, so anomalies in the training
    data (unsupervised use) teach the model less; None trains on every row. Scores and
    thresholds use every row either way.

    `n_models > 1` trains a committee (the registry's "ensemble") in one loop: members with
    code sizes alternating between `latent` and `latent // 2`. A row's score is then the mean
    over members of each member's statistics scaled by their median and IQR, as above.

    `input_shape` lets a model that needs structured samples read flat rows: e.g. `(1, 140)`
    turns 140 columns into one 140-step series for `model="conv"` (a 1-D conv autoencoder).
    `scaling`: "standard" standardizes each column (tables), "global" uses one mean and std
    for all values (signals, where columns are time steps), "minmax" maps the training rows'
    smallest and largest value to 0 and 1 (images, e.g. `input_shape=(1, 28, 28)` for 784
    pixels), "identity" none (TF-IDF); "auto"
    (default) is "standard" for a dense X and "identity" for a scipy sparse X (e.g.
    TfidfVectorizer's output), whose rows stay sparse in memory and are made dense one batch
    at a time (flat rows only: no `input_shape`).
    """

    def __init__(
        self,
        model: str = "mlp",
        contamination: float = 0.01,
        latent: int = 4,
        hidden: tuple[int, ...] | None = MLP_HIDDEN,
        noise: str | None = None,
        sparsity: str | None = None,
        score_by: str = "reconstruction+density",
        density_components: int = 5,
        recon_loss: str | None = "l1",  # measured against "mse": bench/results/anomaly*.json
        trim: float | None = 3.0,  # measured against None: bench/results/anomaly_trim*.json
        n_models: int = 1,
        input_shape: tuple[int, ...] | None = None,
        scaling: str = "auto",
        epochs: int = 10,  # 5-50 measured: bench/results/anomaly_variants*.json, README
        batch_size: int = 64,
        lr: float = 2e-3,
        random_state: int = 0,
        device: str = "auto",
        verbose: bool = False,
    ):
        self.model = model
        self.contamination = contamination
        self.latent = latent
        self.hidden = hidden
        self.noise = noise
        self.sparsity = sparsity
        self.score_by = score_by
        self.density_components = density_components
        self.recon_loss = recon_loss
        self.trim = trim
        self.n_models = n_models
        self.input_shape = input_shape
        self.scaling = scaling
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None) -> AnomalyDetector:
        if not 0.0 < self.contamination <= 0.5:
            raise ValueError(f"contamination must be in (0, 0.5], got {self.contamination}")
        if self.score_by not in SCORES:
            raise ValueError(f"score_by must be one of {SCORES}, got {self.score_by!r}")
        if self.n_models < 1 or (self.n_models > 1 and self.score_by == "elbo"):
            raise ValueError("n_models must be >= 1, and an ensemble is not scored by elbo")
        if self.density_components < 1:
            raise ValueError(f"density_components must be >= 1, got {self.density_components}")
        x = self._fit_rows(X)
        cfg_ = _model_config(self, x)
        if self.n_models == 1:
            self.model_ = build_model(self.model, seed=self.random_state, **cfg_)
        else:
            shape = cfg_.pop("input_shape")
            members = [{**cfg_, "model": self.model,
                        "latent": self.latent if i % 2 == 0 else max(1, self.latent // 2)}
                       for i in range(self.n_models)]  # fmt: skip
            self.model_ = build_model("ensemble", seed=self.random_state, input_shape=shape,
                                      members=members, output="linear")  # fmt: skip
        if self.score_by == "elbo" and not hasattr(self.model_, "log_weights"):
            raise ValueError(f"score_by='elbo' needs a VAE; {self.model!r} is not one")
        self.history_ = self._train(self.model_, x)
        self._densities: list[CodeDensity] = []
        self._scales: list[list[list[float]]] = []  # per unit, per statistic: [median, IQR]
        self._units64: list[Any] | None = None
        if self.n_models > 1 or self.score_by == "reconstruction+density":
            parts = self._training_parts(x)  # one pass over the training rows
            if self.score_by == "reconstruction+density":
                self._densities = [
                    CodeDensity.fit(code.numpy(), self.density_components, self.random_state)
                    for _, code in parts
                ]
            stats = self._unit_stats(parts)  # (units, statistics, n)
            q1, med, q3 = np.quantile(stats.numpy(), [0.25, 0.5, 0.75], axis=2)
            self._scales = [[[float(m), float(max(b - a, 1e-12))] for a, m, b in zip(*u)]
                            for u in zip(q1, med, q3)]  # fmt: skip
            self.decision_scores_ = self._combined(stats).numpy()
        else:
            self.decision_scores_ = self._passes(x)[0]
        self._set_threshold()
        return self

    def _set_threshold(self) -> None:
        s = self.decision_scores_
        self._sorted_scores = np.sort(s)
        self.threshold_ = float(np.quantile(s, 1.0 - self.contamination))
        self.labels_ = (s > self.threshold_).astype(int)
        self._score_stats = {"min": float(s.min()), "max": float(s.max()),
                             "mean": float(s.mean()), "std": float(s.std())}  # fmt: skip

    def _scores(self, X: np.ndarray) -> np.ndarray:
        """Scores of rows in the training data's units (validated by the caller)."""
        return self._passes(self.scaler_.transform(X))[0]

    def _scores_and_explain(
        self, X: np.ndarray, top: int, groups: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scores and `explain`'s (indices, shares) of rows in the training data's units, from
        one pass of the model per batch (`aekit detect score`). `groups`: the first feature of
        each group of features explained as one (a categorical column's one-hot features);
        the indices then count groups."""
        return self._passes(self.scaler_.transform(X), top, groups=groups)

    @torch.no_grad()
    def _passes(
        self,
        xs: np.ndarray,
        top: int | None = None,
        scores: bool = True,
        batch_size: int = 65536,
        groups: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(scores, top column indices, their shares) of scaled rows, batch by batch, so memory
        grows with `batch_size`, not with the rows. Without `top` the last two are empty; with
        `scores=False` the first is. `groups` (first feature of each): errors summed per group."""
        x = (  # sparse rows: dense one batch at a time; identity scaling may pass a read-only input
            SparseRows(xs) if is_sparse(xs) else torch.from_numpy(np.require(xs, requirements="W"))
        )
        batch_size = _batch_rows(xs, batch_size)
        out: list[torch.Tensor] = []
        idx: list[np.ndarray] = []
        share: list[np.ndarray] = []
        gen = torch.Generator().manual_seed(0)
        scale = torch.tensor([s[0][1] for s in self._scales], dtype=torch.float64)[:, None, None]
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size]
            if self.score_by == "elbo":  # sampled scores; the errors need a pass of their own
                if scores:
                    lw = self.model_.log_weights(self._shaped(xb), 10, generator=gen)
                    out.append(-lw.mean(1))
                if top is None:
                    continue
                err = self._errors_and_codes(self.model_, xb)[0]
            elif self._scales:
                parts = self._unit_parts(xb)
                if scores:
                    out.append(self._combined(self._unit_stats(parts)))
                if top is None:
                    continue
                # each unit's errors in units of its own error IQR, averaged over the units
                err = torch.stack([e for e, _ in parts]).div(scale).mean(0)
            else:
                err = self._errors_and_codes(self.model_, xb)[0]
                if scores:
                    out.append(err.mean(1))
            if top is not None:
                e = err.double().numpy()
                j, sh = _top_columns(e if groups is None else np.add.reduceat(e, groups, 1), top)
                idx.append(j)
                share.append(sh)
        k = min(top or 0, self.n_features_in_)
        return (
            torch.cat(out).double().numpy() if out else np.zeros(0),
            np.concatenate(idx) if idx else np.zeros((0, k), dtype=np.int64),
            np.concatenate(share) if share else np.zeros((0, k)),
        )

    def _training_parts(self, x: Any, batch_size: int = 65536) -> list[tuple[Any, Any]]:
        """`_unit_parts` of the scaled training rows. Sparse rows go batch by batch, and each
        row's errors are kept as their mean (n, 1), all that `_unit_stats` reads of them."""
        if not is_sparse(x):
            return self._unit_parts(torch.from_numpy(x))
        rows = SparseRows(x)
        batch_size = _batch_rows(x, batch_size)
        batches = [
            self._unit_parts(rows[i : i + batch_size]) for i in range(0, len(rows), batch_size)
        ]
        return [
            (torch.cat([b[u][0].mean(1, keepdim=True) for b in batches]),
             torch.cat([b[u][1] for b in batches]))
            for u in range(len(batches[0]))
        ]  # fmt: skip

    def _errors_and_codes(self, model: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Squared reconstruction errors of flat rows (n, features), and their codes (n, d),
        from one pass."""
        xs = self._shaped(x)
        recon, code = model.reconstruct_and_code(xs)
        return (recon - xs).pow(2).flatten(1), code.flatten(1)

    def _units(self) -> list[Any]:
        """The autoencoders that score, as float64 copies: the committee's members, or the one
        model. In float64 a row's statistics do not depend on the rows scored beside it (float32
        matrix products differ with the batch's size by ~1e-7, which the median-centred scores
        would show)."""
        if getattr(self, "_units64", None) is None:
            units = list(self.model_.members) if self.n_models > 1 else [self.model_]
            self._units64 = [copy.deepcopy(u).double().eval() for u in units]
        return self._units64  # type: ignore[return-value]

    @torch.no_grad()
    def _unit_parts(self, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Each unit's squared errors per feature (n, features) and codes (n, d), float64."""
        return [self._errors_and_codes(u, x.double()) for u in self._units()]

    def _unit_stats(self, parts: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """(units, statistics, n): each unit's mean squared error per row, then, when scored by
        density too, its code's negative log-likelihood."""
        units = []
        for i, (err, code) in enumerate(parts):
            stats = [err.mean(1)]
            if self._densities:
                stats.append(self._densities[i].nll(code))
            units.append(torch.stack(stats))
        return torch.stack(units)

    def _combined(self, stats: torch.Tensor) -> torch.Tensor:
        """Scores (n,): each statistic as (value - median) / IQR, summed, averaged over units."""
        sc = torch.tensor(self._scales, dtype=stats.dtype)  # (units, statistics, 2)
        return ((stats - sc[..., :1]) / sc[..., 1:]).sum(1).mean(0)

    def decision_function(self, X: Any) -> np.ndarray:
        """Anomaly score per row; higher = more abnormal."""
        return self._passes(self._rows(X))[0]

    def predict(self, X: Any, return_confidence: bool = False) -> Any:
        """1 for rows scored above threshold_, else 0; with `return_confidence`, also
        `predict_confidence`'s values, as PyOD's detectors give them (one pass of the model)."""
        s = self.decision_function(X)
        calls = (s > self.threshold_).astype(int)
        return (calls, self._confidence(s)) if return_confidence else calls

    def predict_confidence(self, X: Any) -> np.ndarray:
        """Per row, the probability in [0, 1] that the detector would make the same 0/1 call
        had it been fitted on another draw of its training rows (ExCeeD, as PyOD computes it
        from the row's rank among `decision_scores_`; `aekit.confidence`)."""
        return self._confidence(self.decision_function(X))

    def predict_with_rejection(
        self, X: Any, T: float = 32, return_stats: bool = False, delta: float = 0.1,
        c_fp: float = 1, c_fn: float = 1, c_r: float = -1,
    ) -> Any:  # fmt: skip
        """`predict`'s 0/1 calls, with -2 for those whose confidence is below 1 - 2 exp(-T)
        (PyOD's reject option). `return_stats` also gives `compute_rejection_stats`'s three
        numbers, as a list."""
        s = self.decision_function(X)
        calls = reject((s > self.threshold_).astype(int), self._confidence(s), T)
        if return_stats:
            return calls, list(self.compute_rejection_stats(T, delta, c_fp, c_fn, c_r))
        return calls

    def compute_rejection_stats(
        self, T: float = 32, delta: float = 0.1, c_fp: float = 1, c_fn: float = 1,
        c_r: float = -1, verbose: bool = False,
    ) -> tuple[float, float, float]:  # fmt: skip
        """(expected rejection rate, its upper bound holding with probability 1 - delta, upper
        bound of the cost) of `predict_with_rejection`; a negative c_r costs a rejection the
        contamination, as in PyOD."""
        check_is_fitted(self)
        stats = rejection_stats(len(self._train_scores()), self.contamination, T, delta,
                                c_fp, c_fn, c_r if c_r >= 0 else None)  # fmt: skip
        if verbose:
            print("expected rejection rate {:.4f}, upper bound {:.4f}, cost upper bound "
                  "{:.4f}".format(*stats))  # fmt: skip
        return stats

    def _train_scores(self) -> np.ndarray:
        """The training scores in ascending order (sorted when fitted or loaded)."""
        scores = getattr(self, "_sorted_scores", None)
        if scores is None:
            raise AekitError(
                "this detector was saved without its training scores (before aekit kept "
                "them); fit it again for confidences"
            )
        return scores

    def _confidence(self, s: np.ndarray) -> np.ndarray:
        return confidence(self._train_scores(), s, self.contamination, self.threshold_)

    def predict_proba(self, X: Any, method: str = "linear", return_confidence: bool = False) -> Any:
        """(n, 2): P(normal), P(anomaly). "linear": the score min-max scaled by the training
        scores' range, clipped to [0, 1]; "unify": erf of the standardized score, clipped at 0
        (Kriegel et al. 2011), as PyOD does. `return_confidence` also gives
        `predict_confidence`'s values."""
        from scipy.special import erf

        s = self.decision_function(X)
        st = self._score_stats
        if method == "linear":
            p = np.clip((s - st["min"]) / max(st["max"] - st["min"], 1e-12), 0.0, 1.0)
        elif method == "unify":
            p = np.clip(erf((s - st["mean"]) / (max(st["std"], 1e-12) * np.sqrt(2))), 0.0, 1.0)
        else:
            raise ValueError(f"method must be 'linear' or 'unify', got {method!r}")
        probs = np.column_stack([1.0 - p, p])
        return (probs, self._confidence(s)) if return_confidence else probs

    @torch.no_grad()
    def explain(self, X: Any, top: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """The `top` columns with the largest squared reconstruction error in each row:
        (indices (n, top), their share of the row's total error (n, top))."""
        _, idx, share = self._passes(self._rows(X), top, scores=False)
        return idx, share

    def _extra_state(self) -> dict[str, Any]:
        return {"threshold": self.threshold_, "score_stats": self._score_stats,
                "scales": self._scales,
                "densities": [d.to_dict() for d in self._densities]}  # fmt: skip

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        return {"decision_scores": np.asarray(self.decision_scores_, dtype=np.float64)}

    def _set_extra_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.decision_scores_ = arrays["decision_scores"]
        self._sorted_scores = np.sort(self.decision_scores_)
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)

    def _set_extra_state(self, state: dict[str, Any]) -> None:
        self.threshold_ = float(state["threshold"])
        self._score_stats = dict(state["score_stats"])
        if "member_scales" in state:  # saved before density scoring: one statistic per member
            self._scales = [[list(map(float, s))] for s in state["member_scales"]]
        else:
            self._scales = [[list(map(float, t)) for t in u] for u in state.get("scales", [])]
        self._densities = [CodeDensity.from_dict(d) for d in state.get("densities", [])]
        self._units64 = None
