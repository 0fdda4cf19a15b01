"""fit(model, data, TrainConfig) -> History: one training loop for every model.

In-memory data is batched by slicing tensors (no per-sample collate). A model lists its
parameter groups (one optimizer each, e.g. generator and discriminator) and returns named
loss terms per group; the loop steps each group in turn on every batch.

Every `log_every` optimizer steps the loop also records the mean of each loss term over those
steps (and whatever an optional `probe` measures on the model) in `History.steps`, written to
steps.csv: the within-epoch view that adversarial training needs.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from .data.base import Dataset
from .engine import LocalEngine, pick_device
from .errors import AekitError, check_seed
from .layerwise import layer_count, pretrain_layerwise
from .progress import progress_bar
from .rows import SparseRows, is_sparse


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 64  # measured: 64 beats 128 per epoch and per second on Fashion-MNIST
    lr: float | None = None  # peak learning rate; None: the model's default_lr (2e-3 for most)
    optimizer: str = "adam"  # "adam" | "adamw"
    weight_decay: float = 0.0
    # "cosine": linear warm-up then cosine decay to 0 | "constant"; None: the model's
    # default_schedule (cosine; GANs constant)
    schedule: str | None = None
    warmup_fraction: float = 0.02  # of all steps, for the cosine schedule
    patience: int | None = None  # early stopping: epochs without validation improvement
    grad_clip: float | None = None  # max gradient norm
    seed: int = 0
    device: str = "auto"  # CUDA when present, else CPU
    progress: bool = True  # a progress bar with the running loss
    log_every: int = 100  # optimizer steps between rows of History.steps (0: none)
    # greedy layer-wise pre-training (aekit.layerwise): epochs per layer pair, outermost first,
    # before the end-to-end epochs; fully connected autoencoders with hidden layers. 0: none
    layerwise_epochs: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise AekitError("epochs and batch_size must be >= 1")
        if int(self.epochs) != self.epochs or int(self.batch_size) != self.batch_size:
            raise AekitError(
                f"epochs and batch_size must be whole numbers, got {self.epochs} and {self.batch_size}"
            )
        if self.lr is not None and self.lr <= 0:
            raise AekitError("lr must be > 0")
        check_seed(self.seed)
        if self.log_every < 0:
            raise AekitError("log_every must be >= 0")
        if int(self.layerwise_epochs) != self.layerwise_epochs or self.layerwise_epochs < 0:
            raise AekitError(
                f"layerwise_epochs must be a whole number >= 0, got {self.layerwise_epochs}"
            )
        if self.weight_decay < 0:
            raise AekitError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.patience is not None and self.patience < 1:
            raise AekitError(f"patience must be >= 1 epoch, got {self.patience}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise AekitError(f"grad_clip must be > 0, got {self.grad_clip}")
        if not 0 <= self.warmup_fraction < 1:
            raise AekitError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}")
        if self.optimizer not in ("adam", "adamw"):
            raise AekitError(f"optimizer must be 'adam' or 'adamw', got {self.optimizer!r}")
        if self.schedule not in (None, "cosine", "constant"):
            raise AekitError(f"schedule must be 'cosine' or 'constant', got {self.schedule!r}")
        pick_device(self.device)  # a device this machine lacks fails here, before any output

    def for_model(self, model: Any) -> TrainConfig:
        """This config with the learning rate and schedule resolved: the model's `default_lr`
        and `default_schedule` where none was given (what `fit` trains with and records)."""
        lr = self.lr if self.lr is not None else float(getattr(model, "default_lr", 2e-3))
        schedule = self.schedule or str(getattr(model, "default_schedule", "cosine"))
        return replace(self, lr=lr, schedule=schedule)

    def lr_at(self, step: int, total: int) -> float:
        """The learning rate at optimizer step `step` of `total`: a pure function, so resuming
        needs no scheduler state."""
        if self.lr is None or self.schedule is None:
            raise AekitError(
                "the learning rate or schedule is not set (fit takes the model's defaults)"
            )
        if self.schedule == "constant":
            return self.lr
        warm = max(1, int(self.warmup_fraction * total))
        if step < warm:
            return self.lr * (step + 1) / warm
        t = (step - warm) / max(1, total - warm)
        return self.lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, t)))


@dataclass
class History:
    """One row per epoch: epoch, train_loss, val_loss, train_/val_ per loss term, lr, seconds;
    `steps`: one row every `log_every` optimizer steps (step, epoch, the mean of each loss term
    over those steps, and what the probe measured)."""

    rows: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = -1
    stopped_early: bool = False
    steps: list[dict[str, float]] = field(default_factory=list)
    layerwise: list[dict[str, float]] = field(default_factory=list)  # one row per layer pair

    def column(self, key: str) -> list[float]:
        return [r[key] for r in self.rows if key in r]

    @property
    def trimmed_share(self) -> float | None:
        """The share of training rows a `trim` fence left out in the last epoch (1 - the
        "kept" term); None for a model that trained on every row."""
        kept = self.rows[-1].get("train_kept") if self.rows else None
        return None if kept is None else 1.0 - kept

    @property
    def best(self) -> dict[str, float]:
        return next(r for r in self.rows if r["epoch"] == self.best_epoch)

    @classmethod
    def from_csv(cls, path: str | Path) -> History | None:
        """The rows `to_csv` wrote (None when there are none), with the best epoch that `fit`
        would have picked from them."""
        with open(path, newline="") as f:
            rows = [{k: float(v) for k, v in r.items() if v not in ("", None)}
                    for r in csv.DictReader(f)]  # fmt: skip
        if not rows:
            return None
        return cls(rows, int(min(rows, key=_monitor)["epoch"]))

    def to_csv(self, path: str | Path, rows: list[dict[str, float]] | None = None) -> None:
        """The epoch rows (or `rows`, e.g. the steps) as CSV."""
        rows = self.rows if rows is None else rows
        keys: list[str] = []
        for r in rows:
            keys += [k for k in r if k not in keys]
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            w.writerows(rows)


def read_steps(path: str | Path) -> list[dict[str, float]]:
    """The rows of a steps.csv (empty when the file is missing)."""
    if not Path(path).is_file():
        return []
    with open(path, newline="") as f:
        return [
            {k: float(v) for k, v in r.items() if v not in ("", None)} for r in csv.DictReader(f)
        ]


def _monitor(row: dict[str, float]) -> float:
    """What early stopping and "best epoch" follow: validation loss, else the training loss
    (summed over loss groups for multi-optimizer models)."""
    if "val_loss" in row:
        return row["val_loss"]
    if "train_loss" in row:
        return row["train_loss"]
    return sum(v for k, v in row.items() if k.startswith("train_") and k.endswith("_loss"))


def _as_tensor(x: Any) -> torch.Tensor:
    """Rows as a float32 tensor; a scipy sparse matrix as SparseRows, which batches index
    like a tensor (dense one batch at a time)."""
    if isinstance(x, (torch.Tensor, SparseRows)):
        return x.float()  # type: ignore[return-value]
    if is_sparse(x):
        return SparseRows(x)  # type: ignore[return-value]
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def _as_samples(x: Any, model: Any) -> Any:
    """Rows a flat model takes (check_input: as many values as its input) reshaped to its
    input_shape, so that the loss compares outputs and inputs element for element."""
    shape = tuple(getattr(model, "input_shape", None) or ())
    if isinstance(x, torch.Tensor) and shape and tuple(x.shape[1:]) != shape:
        return x.reshape(len(x), *shape)
    return x


def _all_finite(x: Any, rows: int = 65536) -> bool:
    """No NaN or inf in x (a tensor, checked in chunks of rows, or SparseRows)."""
    if isinstance(x, SparseRows):
        return bool(np.isfinite(x.matrix.data).all())
    return all(bool(torch.isfinite(x[i : i + rows]).all()) for i in range(0, len(x), rows))


def _targets(
    targets: tuple[Any, Any] | None, n_train: int, n_val: int
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Targets as tensors (integer class labels stay int64), checked against the sample counts."""
    if targets is None:
        return None, None
    out: list[torch.Tensor | None] = []
    for y, n, split in zip(targets, (n_train, n_val), ("train", "validation")):
        if y is None or n == 0:
            out.append(None)
            continue
        t = torch.as_tensor(np.asarray(y))
        t = t.long() if not t.is_floating_point() else t.float()
        if len(t) != n:
            raise AekitError(f"{len(t)} {split} targets for {n} {split} samples")
        out.append(t)
    if out[0] is None:
        raise AekitError("targets were given without training targets")
    return out[0], out[1]


def _make_optimizer(cfg: TrainConfig, params: list[Any]) -> torch.optim.Optimizer:
    """`params`: parameters, or dicts {"params": [...], "lr_scale": s} for parts of a model
    that learn at s times the schedule's rate (e.g. a pre-trained encoder under a new head)."""
    cls = torch.optim.AdamW if cfg.optimizer == "adamw" else torch.optim.Adam
    if cfg.lr is None:
        raise AekitError("the learning rate is not set: resolve it with TrainConfig.for_model")
    return cls(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def _all_params(params: list[Any]) -> list[torch.nn.Parameter]:
    out: list[torch.nn.Parameter] = []
    for p in params:
        out += list(p["params"]) if isinstance(p, dict) else [p]
    return out


def _tensorboard(out_dir: Path | None):
    if out_dir is None:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(out_dir / "tensorboard"))


STEPS_CSV = "steps.csv"


@torch.no_grad()
def _step_row(
    model, step: int, epoch: int, window: dict[str, torch.Tensor], n_steps: int, probe
) -> dict[str, float]:
    """One row of History.steps: the mean of each loss term over the last n_steps steps, and
    the probe's measurements (taken in eval mode)."""
    row = {"step": float(step), "epoch": float(epoch)}
    row.update({k: float(v) / max(1, n_steps) for k, v in window.items()})
    if probe is not None:
        was_training = model.training
        model.eval()
        row.update({k: float(v) for k, v in probe(model).items()})
        model.train(was_training)
    return row


def _loss(model, xb: torch.Tensor, group: str, yb: torch.Tensor | None) -> dict[str, torch.Tensor]:
    return model.loss(xb, group) if yb is None else model.loss(xb, group, y=yb)


@torch.no_grad()
def evaluate_loss(
    model, x: torch.Tensor, batch_size: int, engine: LocalEngine, y: torch.Tensor | None = None
) -> dict[str, float]:
    """Loss terms averaged over the samples of x (eval mode; group "main")."""
    was_training = model.training
    model.eval()
    sums: dict[str, float] = {}
    for i in range(0, len(x), batch_size):
        xb = engine.to_device(x[i : i + batch_size])
        yb = engine.to_device(y[i : i + batch_size]) if y is not None else None
        for k, v in _loss(model, xb, "main", yb).items():
            sums[k] = sums.get(k, 0.0) + float(v) * len(xb)
    model.train(was_training)
    return {k: v / len(x) for k, v in sums.items()}


def fit(
    model,
    data: Dataset | tuple[Any, Any] | Any,
    config: TrainConfig | None = None,
    *,
    out_dir: str | Path | None = None,
    resume: bool = False,
    engine: LocalEngine | None = None,
    scaler: Any = None,
    data_info: dict[str, Any] | None = None,
    targets: tuple[Any, Any] | None = None,
    probe: Callable[[Any], dict[str, float]] | None = None,
) -> History:
    """Train `model` on `data` (a Dataset, an (x_train, x_val) pair, or x_train alone).

    `targets`, a (y_train, y_val) pair (y_val may be None), gives supervised models one
    target per sample: batches of y are sliced with x and passed as `model.loss(x, group, y=y)`.

    `probe(model)`, called every `log_every` steps with the model in eval mode and gradients
    off, returns measurements added to that row of `History.steps` (e.g. the classes of a
    fixed batch of generated samples); it must not draw from the global RNG.

    With `out_dir`, writes the best model (model.safetensors/.json), the latest state for
    resuming (state.*), and metrics.csv after every epoch; `scaler` and `data_info` (taken
    from a Dataset when not given) are stored in model.json. Returns the History; the model
    ends holding its best-validation weights.
    """
    cfg = (config or TrainConfig()).for_model(model)
    select_best = bool(getattr(model, "select_best", True))
    engine = engine or LocalEngine(cfg.device)
    x_val: torch.Tensor | None
    if isinstance(data, Dataset):
        x_train, x_val = _as_tensor(data.x_train), _as_tensor(data.x_val)
        scaler = scaler if scaler is not None else data.scaler
        data_info = data_info if data_info is not None else data.describe()
    elif isinstance(data, tuple):
        x_train, x_val = _as_tensor(data[0]), (_as_tensor(data[1]) if data[1] is not None else None)
    else:
        x_train, x_val = _as_tensor(data), None
    if x_val is not None and len(x_val) == 0:
        x_val = None
    if len(x_train) == 0:
        raise AekitError("no training samples")
    model.check_input(x_train.shape[1:])
    if cfg.layerwise_epochs:
        layer_count(model)  # a model without layer pairs fails before anything is written
    x_train = _as_samples(x_train, model)
    x_val = _as_samples(x_val, model) if x_val is not None else None
    for name, x in (("training", x_train), ("validation", x_val)):
        if x is not None and not _all_finite(x):
            raise AekitError(f"the {name} data hold NaN or infinite values")
    y_train, y_val = _targets(targets, len(x_train), len(x_val) if x_val is not None else 0)

    model = engine.setup(model)
    x_train = engine.to_device(x_train)  # in memory, on the device: batches are slices
    if y_train is not None:
        y_train = engine.to_device(y_train)
    groups = model.parameter_groups()
    optimizers = {name: _make_optimizer(cfg, params) for name, params in groups.items()}
    n = len(x_train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    out = ckpt.check_folder(out_dir) if out_dir is not None else None
    prefixes = {name: "" if len(optimizers) == 1 else f"{name}_" for name in optimizers}

    history = History()
    start_epoch, best_val, bad_epochs = 0, math.inf, 0
    best_state: dict[str, torch.Tensor] | None = None
    if resume:
        if out is None:
            raise AekitError("resume needs an output folder")
        info = ckpt.load_state(out, model, optimizers)
        start_epoch = int(info["epoch"]) + 1
        history = History(info["history"], int(info["best_epoch"]), steps=info.get("steps", []),
                          layerwise=info.get("layerwise", []))  # fmt: skip
        best_val, bad_epochs = float(info["best_val"]), int(info["bad_epochs"])
        if history.best_epoch >= 0 and (out / ckpt.MODEL_JSON).is_file():
            best_state = ckpt.read_tensors(
                out / ckpt.MODEL_WEIGHTS, ckpt.read_info(out)[0]["weights_sha256"]
            )
        if start_epoch >= cfg.epochs:
            if best_state is not None:
                model.load_state_dict(best_state)
            return history
    if cfg.layerwise_epochs and start_epoch == 0:
        history.layerwise = pretrain_layerwise(model, x_train, x_val, cfg, engine)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    writer = _tensorboard(out) if engine.is_main else None
    train_config = asdict(cfg)

    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        torch.manual_seed(cfg.seed * 100_003 + epoch)  # per-epoch seed: resuming replays exactly
        order = engine.shard(
            torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 7919 + epoch))
        )
        order = order.to(x_train.device)
        model.train()
        model.on_epoch_start(epoch)
        sums: dict[str, torch.Tensor] = {}
        window: dict[str, torch.Tensor] = {}  # loss terms since the last row of history.steps
        seen = 0
        bar = progress_bar(
            range(0, len(order), cfg.batch_size),
            desc=f"epoch {epoch + 1}/{cfg.epochs}",
            show=cfg.progress and engine.is_main,
            leave=False,
            unit="batch",
        )
        for b, i in enumerate(bar):
            lr = cfg.lr_at(epoch * steps_per_epoch + b, total_steps)
            idx = order[i : i + cfg.batch_size]
            xb = x_train[idx]
            yb = y_train[idx] if y_train is not None else None
            for name, opt in optimizers.items():
                for g in opt.param_groups:
                    g["lr"] = lr * g.get("lr_scale", 1.0)
                opt.zero_grad(set_to_none=True)
                terms = _loss(model, xb, name, yb)
                engine.backward(terms["loss"])
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(_all_params(groups[name]), cfg.grad_clip)
                opt.step()
                model.after_step(name)
                for k, v in terms.items():
                    key = prefixes[name] + k
                    sums[key] = sums.get(key, 0.0) + v.detach() * len(xb)
                    window[key] = window.get(key, 0.0) + v.detach()
            seen += len(xb)
            step = epoch * steps_per_epoch + b + 1
            if cfg.log_every and (step % cfg.log_every == 0 or b == steps_per_epoch - 1):
                n_steps = step - int(history.steps[-1]["step"]) if history.steps else step
                history.steps.append(_step_row(model, step, epoch, window, n_steps, probe))
                window = {}
            if b % 20 == 0 and not bar.disable:
                main_key = "loss" if "loss" in sums else next(iter(sums))
                bar.set_postfix(loss=f"{float(sums[main_key]) / seen:.4g}")
        bar.close()
        if not all(math.isfinite(float(v)) for v in sums.values()):
            raise AekitError(
                f"training diverged at epoch {epoch + 1} (loss is not finite); lower the learning rate"
            )
        row: dict[str, float] = {"epoch": epoch}
        for k, v in sums.items():
            row[f"train_{k}"] = float(engine.reduce_mean(v / seen))
        if x_val is not None:
            for k, loss_value in evaluate_loss(model, x_val, 1024, engine, y_val).items():
                row[f"val_{k}"] = loss_value
        row["lr"] = cfg.lr_at((epoch + 1) * steps_per_epoch - 1, total_steps)
        row["seconds"] = time.perf_counter() - t0
        history.rows.append(row)
        if cfg.progress and engine.is_main:
            val = f", val {row['val_loss']:.5g}" if "val_loss" in row else ""
            first = next(k for k in row if k.startswith("train_"))
            tqdm.write(
                f"epoch {epoch + 1}/{cfg.epochs}: train {row[first]:.5g}{val} ({row['seconds']:.1f} s)"
            )

        monitor = _monitor(row)
        improved = monitor < best_val or not select_best  # adversarial games keep the last epoch
        if improved:
            best_val, bad_epochs, history.best_epoch = monitor, 0, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
        stop = select_best and cfg.patience is not None and bad_epochs >= cfg.patience
        history.stopped_early = stop and epoch < cfg.epochs - 1

        if writer is not None:
            for k, value in row.items():
                if k != "epoch":
                    writer.add_scalar(k, value, epoch)
        if out is not None and engine.is_main:
            if improved:
                ckpt.save_model(
                    out,
                    model,
                    scaler=scaler,
                    data=data_info or {},
                    train_config=train_config,
                    metrics={"best_epoch": epoch, "best_val_loss": monitor},
                )
            history.to_csv(out / "metrics.csv")
            if history.steps:
                history.to_csv(out / STEPS_CSV, history.steps)
            ckpt.save_state(
                out,
                model,
                optimizers,
                {
                    "epoch": epoch,
                    "history": history.rows,
                    "steps": history.steps,
                    "layerwise": history.layerwise,
                    "best_epoch": history.best_epoch,
                    "best_val": best_val,
                    "bad_epochs": bad_epochs,
                    "train_config": train_config,
                },
            )
        if stop:
            break
    if writer is not None:
        writer.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history
