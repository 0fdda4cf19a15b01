"""A run: load data -> build model -> fit -> evaluate -> write figures. Used by the CLI and API."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from . import checkpoint as ckpt
from .data import BUILTIN, Dataset, load_dataset
from .data.base import require_test_split
from .engine import describe_device
from .errors import AekitError
from .layerwise import layer_count
from .metrics import reconstruct
from .models.base import MULTINOMIAL_LOSSES
from .monitor import CoverageProbe
from .registry import build_model, get_entry, jsonable
from .tasks.evaluate import classifier_features_apply, evaluate, generation_applies
from .training import History, TrainConfig, fit

RUN_FILES = (
    ckpt.MODEL_JSON, ckpt.MODEL_WEIGHTS, ckpt.STATE_JSON, ckpt.STATE_WEIGHTS,
    "metrics.csv", "metrics.json", "loss.png", "reconstructions.png", "tensorboard", "report.html",
    "steps.csv", "training.png", "samples.png",
)  # fmt: skip


TRAIN_IW_SAMPLES = 100  # importance samples per row for the iw_nll recorded at the end of train


def load_args(source: str | Path, **kwargs: Any) -> dict[str, Any]:
    """How to load the same data again (kept in the checkpoint)."""
    src = str(source) if str(source) in BUILTIN else str(Path(source).resolve())
    return {
        "source": src,
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()},
    }


def default_output(kind: str, recon_loss: str | None = None) -> str:
    """Images in [0, 1] get sigmoid outputs; standardized tables and signals linear ones; the
    multinomial losses (text) softmax ones."""
    if recon_loss in MULTINOMIAL_LOSSES:
        return "softmax"
    return "sigmoid" if kind == "image" else "linear"


def model_defaults(ds: Dataset, model_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The input shape and output activation a model for `ds` (and `model_config`) needs."""
    output = default_output(ds.kind, (model_config or {}).get("recon_loss"))
    return {"input_shape": ds.sample_shape, "output": output}


def prepare_out(out: Path, resume: bool, overwrite: bool) -> None:
    """Refuse to mix two runs in one folder; --overwrite clears only aekit's own files."""
    if resume:
        if not (out / ckpt.STATE_JSON).is_file():
            raise AekitError(f"{out}: nothing to resume (no {ckpt.STATE_JSON}); drop --resume")
        return
    ckpt.check_folder(out)
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise AekitError(
                f"{out} already holds files; pass --resume, --overwrite, or another --out"
            )
        for name in RUN_FILES:
            p = out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()


def train_run(
    source: str | Path,
    model: str,
    out: str | Path,
    *,
    model_config: dict[str, Any] | None = None,
    train_config: TrainConfig | None = None,
    data_options: dict[str, Any] | None = None,
    resume: bool = False,
    overwrite: bool = False,
    report: bool = True,
) -> dict[str, Any]:
    """Train `model` on `source` into the folder `out`; returns the metrics written to
    metrics.json (every test metric that applies, parameter count, timings). With `report`,
    also writes the run's HTML report (report.html)."""
    if get_entry(model).role not in ("autoencoder", "generator"):
        raise AekitError(
            f"{model!r} is not an autoencoder; classifiers come from `aekit finetune` or "
            "aekit.AutoencoderClassifier"
        )
    cfg = train_config or TrainConfig()
    data_options = dict(data_options or {})
    data_options.setdefault("seed", cfg.seed)
    out = Path(out)
    model_config = dict(model_config or {})
    if resume and (out / ckpt.MODEL_JSON).is_file():  # resuming: the saved config is the base
        saved, _ = ckpt.read_info(out)
        if saved.get("model") != model:
            raise AekitError(f"{out} holds a {saved.get('model')!r} run, not {model!r}")
        changed = [f"{k} {saved['config'][k]} -> {v}" for k, v in model_config.items()
                   if k in saved["config"] and jsonable(v) != saved["config"][k]]  # fmt: skip
        if changed:
            raise AekitError(
                f"--resume continues the run in {out} with its saved model options, and these "
                f"differ: {'; '.join(changed)} (leave them out, or train into a new folder)"
            )
        model_config = {**saved["config"], **model_config}
    ds = load_dataset(source, **data_options)  # errors here leave nothing behind
    require_test_split(ds)
    net = build_model(model, seed=cfg.seed, **{**model_defaults(ds, model_config), **model_config})
    net.check_input(ds.sample_shape)  # fit checks too, but only after the run folder exists
    if cfg.layerwise_epochs:
        layer_count(net)
    cfg = cfg.for_model(net)  # the learning rate fit uses, recorded in metrics.json
    prepare_out(out, resume, overwrite)
    ds_info = {**ds.describe(), "load_args": load_args(source, **data_options)}
    probe = (
        CoverageProbe() if generation_applies(net, ds) and classifier_features_apply(ds) else None
    )
    history = fit(net, ds, cfg, out_dir=out, resume=resume, data_info=ds_info, probe=probe)
    # net holds the best weights; k = 100 keeps a VAE's iw_nll to seconds (evaluate uses 1000)
    scores = evaluate(net, ds, iw_samples=TRAIN_IW_SAMPLES)
    metrics = {f"test_{k}": v for k, v in scores.items()}
    metrics.update(
        model=model,
        num_parameters=net.num_parameters(),
        epochs_run=len(history.rows),
        best_epoch=history.best_epoch,
        stopped_early=history.stopped_early,
        train_seconds=sum(r["seconds"] for r in history.rows),
        # what the seconds were measured on (a resumed run: the last session's device/threads)
        train_device=describe_device(next(net.parameters()).device),
        torch_threads=torch.get_num_threads(),
        final_train_loss=history.rows[-1].get("train_loss"),
        best_val_loss=history.best.get("val_loss"),
        train_config=asdict(cfg),
    )
    if history.layerwise:  # one row per layer pair (kept in state.json when resumed)
        metrics["layerwise"] = history.layerwise
    ckpt.update_metrics(out, metrics)
    ckpt.write_json(out / "metrics.json", metrics)
    write_figures(out, history, net, ds, title=f"{model} on {ds.name}")
    if report:
        from .report import REPORT, build_report, write_report

        info, _ = ckpt.read_info(out)
        page = build_report(net, ds, info, scores, history, name=out.resolve().name)
        write_report(out / REPORT, page)
    return metrics


def write_figures(out: Path, history: History, model, ds: Dataset, title: str) -> None:
    from . import plots  # matplotlib loads only when figures are drawn

    plots.loss_curves(history, out / "loss.png", title=title)
    if history.steps:
        plots.training_steps({"": history.steps}, out / "training.png", title=title)
    if not model.has_encoder:
        from .tasks.generate import sample

        plots.image_grid(sample(model, 64), out / "samples.png", title=f"{title}: 64 samples")
    elif ds.kind == "image":
        x = ds.x_test[:10]
        plots.reconstructions(x, reconstruct(model, x), out / "reconstructions.png", title=title)
    elif ds.kind in ("series", "audio"):
        x = ds.x_test[:8]
        names = ds.class_names
        titles = [names[int(c)] for c in ds.y_test[:8]] if names and ds.y_test is not None else None
        plots.signal_reconstructions(x, reconstruct(model, x), out / "reconstructions.png",
                                     titles, title=title, spectrogram=ds.kind == "audio")  # fmt: skip
