"""The `aekit` command: one small function per subcommand; the work is in library functions.

Every user error is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import AekitError, AekitNote


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        raise AekitError(message if self.prog == "aekit" else f"{self.prog}: {message}")


def _ints(text: str, sep: str = ",") -> list[int]:
    """'64,32' -> [64, 32]; 'none' -> [] (e.g. --hidden none: no hidden layers). Every item
    must be an integer: '2,x' or '64,,32' is refused, not read as [2] or [64, 32]."""
    if text.strip().lower() == "none":
        return []
    try:
        return [int(v) for v in text.split(sep)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'HxW' if sep == 'x' else 'comma-separated integers'}, got {text!r}"
        ) from None


def _whole(text: str, what: str) -> int:
    """A whole number >= 0, or one line naming `what` was expected."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return n


def _count(text: str) -> int:
    """--n N: how many samples, 0 for all (a negative N would silently drop the last rows)."""
    return _whole(text, "a number of samples >= 0 (0: all)")


def _seed(text: str) -> int:
    """A random seed: a whole number >= 0 (numpy refuses negative seeds deep inside)."""
    return _whole(text, "a seed >= 0")


def _seeds(text: str) -> list[int]:
    return [_seed(v) for v in text.split(",")]


def _fence_or_none(text: str) -> float | None:
    """--trim K|none (the option is absent from the namespace when not given)."""
    if text.strip().lower() == "none":
        return None
    try:
        k = float(text)
    except ValueError:
        k = -1.0
    if not k > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0 or none, got {text!r}")
    return k


def _size(text: str) -> tuple[int, int]:
    v = _ints(text.lower(), sep="x")
    if len(v) == 1:
        return v[0], v[0]
    if len(v) != 2:
        raise argparse.ArgumentTypeError(f"expected HxW or N, got {text!r}")
    return v[0], v[1]


def _add_apply_options(s: argparse.ArgumentParser) -> None:
    """What the commands that apply a model to every sample of DATA (encode, predict) take."""
    s.add_argument("--n", type=_count, help="only the first N samples")
    s.add_argument("--device", default="auto", help="auto (CUDA when present) | cpu | cuda")
    s.add_argument("--data-dir")
    _add_no_progress(s)


def _add_no_progress(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (bars show only on a terminal or in a notebook)",
    )


def _add_data_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data")
    g.add_argument("--data-dir", help="folder with the Fashion-MNIST IDX files (else $AEKIT_DATA)")
    g.add_argument("--label-column", help="table column holding labels (kept out of the features)")
    g.add_argument(
        "--image-size", type=_size, metavar="HxW", help="resize image folders to this size"
    )
    g.add_argument(
        "--image-channels", type=int, choices=(1, 3), help="image folders: 1 gray, 3 RGB"
    )
    g.add_argument(
        "--limit", type=int, help="use a seeded subset of this many samples (quick runs)"
    )
    _add_kind_options(g)
    g.add_argument("--val-fraction", type=float, default=0.1,
                   help="of the samples left after the test split (default 0.1)")  # fmt: skip
    g.add_argument(
        "--test-fraction",
        type=float,
        default=0.2,
        help="ignored where an official test split exists",
    )


def _add_kind_options(g: Any) -> None:
    """Options of the table, audio and text loaders (time series need none)."""
    g.add_argument("--fill-missing", action="store_true",
                   help="tables: fill missing numbers with their column's training median and "
                        "add a COLUMN=(missing) indicator feature (default: refuse them)")  # fmt: skip
    g.add_argument("--text-column", metavar="COL",
                   help="text: the column of documents (a name, or 0-based positions such as "
                        "1 or 1,2 for a file without a header); read as TF-IDF vectors")  # fmt: skip
    g.add_argument("--vocab-size", type=int, default=10000,
                   help="text: the TF-IDF vocabulary's size (default 10000)")  # fmt: skip
    g.add_argument("--audio-features", choices=("logmel", "waveform"), default="logmel",
                   help="WAV folders: log-mel spectrograms (default) or raw waveforms")  # fmt: skip
    g.add_argument("--clip-seconds", type=float, default=1.0,
                   help="WAV folders: cut or pad every file to this length (default 1)")  # fmt: skip
    g.add_argument("--resample", type=int, metavar="HZ",
                   help="WAV folders: convert every file to this sample rate")  # fmt: skip


def _kind_options(a: argparse.Namespace) -> dict[str, Any]:
    return {"text_column": a.text_column, "vocab_size": a.vocab_size,
            "audio_features": a.audio_features, "clip_seconds": a.clip_seconds,
            "resample": a.resample, "fill_missing": a.fill_missing}  # fmt: skip


def _data_options(a: argparse.Namespace) -> dict[str, Any]:
    return {
        "data_dir": a.data_dir,
        "label_column": a.label_column,
        "image_size": a.image_size,
        "channels": a.image_channels,
        "limit": a.limit,
        "val_fraction": a.val_fraction,
        "test_fraction": a.test_fraction,
        **_kind_options(a),
    }


# -- commands ------------------------------------------------------------------------------
def cmd_models(a: argparse.Namespace) -> int:
    from .registry import list_models

    models = {**list_models(), **list_models("generator")}
    width = max(map(len, models))
    for name, desc in models.items():
        print(f"{name:<{width}}  {desc}")
    print(
        "\nany model:  --noise gaussian:S|saltpepper:P|mask:P (denoising)  "
        "--sparsity l1:W|kl:RHO (sparse; not VAEs)  --tied (mlp)"
    )
    print("gan:  --spectral-norm  --label-smoothing S  --lr-d-scale R  --r1 GAMMA "
          "(stabilisers; R1 1 on by default; 0/1/off disables each)  "
          "--ema D (averaged generator)")  # fmt: skip
    return 0


def cmd_train(a: argparse.Namespace) -> int:
    from .runs import train_run
    from .training import TrainConfig

    model_config = {
        "latent": a.latent, "hidden": a.hidden, "channels": a.channels_model,
        "activation": a.activation, "noise": a.noise, "sparsity": a.sparsity,
        "recon_loss": a.recon_loss, "trim": a.trim, "likelihood": a.likelihood, "beta": a.beta,
        "warmup_epochs": a.warmup_epochs, "tied": True if a.tied else None,
        "batch_norm": True if a.batch_norm else None, "depth": a.depth,
        "spectral_norm": a.spectral_norm, "label_smoothing": a.label_smoothing,
        "lr_d_scale": a.lr_d_scale, "r1": a.r1, "ema": a.ema, "adv_weight": a.adv_weight,
    }  # fmt: skip
    model_config = {k: v for k, v in model_config.items() if v is not None}
    cfg = TrainConfig(
        epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, optimizer=a.optimizer,
        weight_decay=a.weight_decay, schedule=a.schedule, patience=a.patience,
        seed=a.seed, device=a.device, progress=not a.no_progress, layerwise_epochs=a.layerwise,
    )  # fmt: skip
    m = train_run(
        a.data, a.model, a.out, model_config=model_config, train_config=cfg,
        data_options={**_data_options(a), "seed": a.seed}, resume=a.resume, overwrite=a.overwrite,
        report=not a.no_report,
    )  # fmt: skip
    if m.get("layerwise"):
        pairs = m["layerwise"]
        e = int(pairs[0]["epochs"])
        print(f"layer-wise pre-training: {len(pairs)} layer pairs x {e} epoch{'s' * (e != 1)} "
              f"in {sum(r['seconds'] for r in pairs):.1f} s; then end to end")  # fmt: skip
    parts = [f"test MSE {m['test_mse']:.5f}"] if m.get("test_mse") is not None else []
    if m.get("test_frechet_distance") is not None:
        parts.append(f"Fréchet distance {m['test_frechet_distance']:.3g} (floor "
                     f"{m['test_frechet_floor']:.3g})")  # fmt: skip
        if m.get("test_class_coverage") is not None:
            parts.append(f"{m['test_class_coverage']} classes covered")
    if m.get("test_psnr") is not None:
        parts += [f"PSNR {m['test_psnr']:.2f} dB", f"SSIM {m['test_ssim']:.4f}"]
    if m.get("test_active_fraction") is not None:
        parts.append(f"active code units {100 * m['test_active_fraction']:.1f}%")
    if m.get("test_mean_activation") is not None:
        parts.append(f"mean code activation {m['test_mean_activation']:.3f}")
    print(f"{a.model}: {m['num_parameters']:,} parameters, {m['epochs_run']} epoch{'s' * (m['epochs_run'] != 1)} "
          f"in {m['train_seconds']:.1f} s" + "".join(f"; {', '.join(parts)}" for _ in parts[:1]))  # fmt: skip
    print(f"run written to {a.out}")
    return 0


def cmd_evaluate(a: argparse.Namespace) -> int:
    from .tasks import evaluate, evaluation_data
    from .tasks.common import load_run

    ck = load_run(a.run, need_encoder=False)  # a GAN is evaluated on its samples
    ds = evaluation_data(ck, a.data, a.data_dir)
    if a.iw_samples < 0 or a.iw_rows < 1:
        raise AekitError("--iw-samples must be >= 0 and --iw-rows >= 1")
    res = evaluate(
        ck.model, ds, iw_samples=a.iw_samples, iw_rows=a.iw_rows, progress=not a.no_progress
    )
    if a.json:
        print(json.dumps(res))
        return 0
    print(f"{ck.info['model']} on {ds.name} test split ({res['n']} samples)")
    for k, v in res.items():
        if isinstance(v, (int, float)) and k != "n":
            print(f"  {k:<18}{v:.6g}")
        elif isinstance(v, str):
            print(f"  {k:<18}{v}")
    if res.get("per_class"):
        print("  per class (MSE):  " + ", ".join(
            f"{name} {m['mse']:.4g}" for name, m in res["per_class"].items()))  # fmt: skip
    return 0


def cmd_info(a: argparse.Namespace) -> int:
    from .checkpoint import read_info

    info, d = read_info(a.run)
    if a.json:
        print(json.dumps(info))
        return 0
    print(f"run            {d}")
    print(f"model          {info['model']} ({info['num_parameters']:,} parameters)")
    print(f"config         {json.dumps(info['config'])}")
    print(f"data           {_describe_data(info.get('data') or {}, info['config'])}")
    print(f"scaler         {info['scaler']['kind']}")
    tc = info.get("train_config", {})
    if tc.get("estimator"):  # saved by a scikit-learn estimator: its parameters
        print(f"training       {tc['estimator']}, {json.dumps(tc.get('params', {}))}")
    else:  # what was recorded (a fine-tuned classifier records no optimizer or schedule)
        opt = " ".join(fmt.format(tc[k]) for k, fmt in INFO_OPTIMIZER if tc.get(k) is not None)
        parts = [f"{tc['epochs']} epoch{'s' * (tc['epochs'] != 1)}" if tc.get("epochs") is not None else "",
                 f"batch {tc['batch_size']}" if tc.get("batch_size") is not None else "", opt,
                 f"seed {tc['seed']}" if tc.get("seed") is not None else ""]  # fmt: skip
        print(f"training       {', '.join(p for p in parts if p)}")
    shown = {k: v for k, v in info.get("metrics", {}).items() if not isinstance(v, dict)}
    print(f"metrics        {json.dumps(shown) if shown else 'none recorded'}")
    print(f"aekit version  {info['aekit_version']}")
    return 0


INFO_OPTIMIZER = (("optimizer", "{}"), ("lr", "lr {}"), ("schedule", "({})"))  # as recorded


def _describe_data(data: dict[str, Any], config: dict[str, Any]) -> str:
    """What `aekit info` says of a checkpoint's data: name, kind, sample shape and split sizes,
    each where recorded (fit() on a bare array records nothing; an estimator, its columns)."""
    shape = data.get("sample_shape") or config.get("input_shape") or []
    what = ", ".join(p for p in (data.get("kind"), f"samples of shape {tuple(shape)}") if p)
    splits = [data.get(f"n_{s}") for s in ("train", "val", "test")]
    if all(n is not None for n in splits):
        what += f"; train/val/test {'/'.join(map(str, splits))}"
    elif data.get("n_features_in") is not None:
        what += f"; rows of {data['n_features_in']} features"
    feats = data.get("features") or {}
    if feats.get("categories"):  # a table's categorical columns, one-hot encoded
        what += "; one-hot: " + ", ".join(f"{c} ({len(v)})" for c, v in feats["categories"].items())
    if feats.get("fill"):
        what += "; missing numbers filled (median)" + (
            f", indicators: {', '.join(feats['indicators'])}" if feats.get("indicators") else ""
        )
    return f"{data.get('name') or 'not recorded'} ({what})"


def cmd_download(a: argparse.Namespace) -> int:
    from .data import fashion_mnist

    d = fashion_mnist.download(
        a.data_dir, a.url or fashion_mnist.DEFAULT_URL, progress=not a.no_progress
    )
    print(f"Fashion-MNIST verified in {d}")
    if a.data_dir is None:
        print("aekit finds it there by itself")
    return 0


def _print_summary(summary: dict[str, Any], keys: Sequence[str]) -> None:
    for k in keys:
        v = summary.get(k)
        if isinstance(v, dict):
            v = ", ".join(f"{n} {x:.4g}" for n, x in v.items())
        elif isinstance(v, float):
            v = f"{v:.4g}"
        if v is not None:
            print(f"  {k:<24}{v}")


def cmd_denoise(a: argparse.Namespace) -> int:
    from .rows import dense
    from .tasks.common import evaluation_data, input_data, load_run
    from .tasks.denoise import (
        BASELINES,
        check_denoisable_run,
        default_noise,
        denoise_run,
        parse_noise,
    )

    noise = None if a.noise in ("none", "") else a.noise
    if noise is not None:
        parse_noise(noise)  # a bad spec fails before any data is read
    baselines = None if a.baselines is None else [b for b in a.baselines.split(",") if b]
    bad = [b for b in baselines or [] if b not in BASELINES]
    if bad:
        raise AekitError(
            f"unknown baseline(s) {', '.join(bad)}; choose from {', '.join(BASELINES)}"
        )
    ck = load_run(a.run)
    check_denoisable_run(ck)
    if a.noise is None:
        noise = default_noise(ck)
    files = None
    if noise is None:
        if a.data is None:
            raise AekitError("--noise none treats DATA as already noisy: give DATA")
        ds = _first(input_data(ck, a.data, a.data_dir), a.n)
        x = dense(ds.x_train).astype("float32")
        files = list(ds.files["train"]) if ds.files else None  # a folder's file names
    else:
        x = evaluation_data(ck, a.data, a.data_dir).x_test
        x = x[: a.n] if a.n else x
    s = denoise_run(ck, x, a.out, noise, seed=a.seed, baselines=baselines,
                    baseline_limit={"bm3d": a.bm3d_images}, progress=not a.no_progress,
                    files=files)  # fmt: skip
    if "signals" in s:
        print(f"denoised {s['signals']} signals into {a.out}")
        _print_summary(s, ["noise", "snr_noisy", "snr_denoised", "baselines"])
        return 0
    print(f"denoised {s['images']} images into {a.out}")
    _print_summary(s, ["noise", "psnr_noisy", "psnr_denoised", "ssim_noisy", "ssim_denoised",
                       "baselines"])  # fmt: skip
    return 0


def cmd_compress(a: argparse.Namespace) -> int:
    from .rows import dense
    from .tasks.common import input_data, load_run
    from .tasks.compress import compress_run

    ck = load_run(a.run)
    ds = _first(input_data(ck, a.data, a.data_dir), a.n)
    x = dense(ds.x_train).astype("float32")
    names = None
    if a.names:
        if ds.files is None:
            raise AekitError(f"--names stores a folder's file names; {a.data} is not a folder")
        names = list(ds.files["train"])
    s = compress_run(ck, x, a.out, a.quality, a.residual, names)
    held = f" ({8 * s['names_bytes'] / s['images']:.1f} of them file names)" if names else ""
    print(f"{s['images']} images -> {a.out}: {s['bytes']:,} bytes, "
          f"{s['bits_per_image']:.1f} bits per image{held}, PSNR {s['psnr']:.2f} dB")  # fmt: skip
    return 0


def cmd_encode(a: argparse.Namespace) -> int:
    from .engine import pick_device
    from .tasks.common import check_file_out, input_data, load_run
    from .tasks.encode import SUFFIXES, encode_run

    check_file_out(a.out, SUFFIXES)  # before anything is read
    ck = load_run(a.run, device=str(pick_device(a.device)))
    ds = _first(input_data(ck, a.data, a.data_dir), a.n)
    s = encode_run(ck, ds, a.out, progress=not a.no_progress)
    print(f"{s['samples']:,} samples encoded to {s['latent']}-d codes in {s['seconds']:.2f} s; "
          f"written to {a.out}")  # fmt: skip
    return 0


def cmd_predict(a: argparse.Namespace) -> int:
    from .engine import pick_device
    from .tasks.common import check_file_out, input_data
    from .tasks.predict import load_classifier, predict_run

    check_file_out(a.out)  # before anything is read
    if a.plot is not None:
        check_file_out(a.plot, (".png",), "--plot")
    ck = load_classifier(a.classifier, device=str(pick_device(a.device)))
    ds = _first(input_data(ck, a.data, a.data_dir), a.n)
    s = predict_run(ck, ds, a.out, plot=a.plot, progress=not a.no_progress)
    counts = ", ".join(f"{c} {v:,}" for c, v in s["predicted_counts"].items())
    print(f"{s['samples']:,} samples classified in {s['seconds']:.2f} s ({counts}); "
          f"written to {a.out}")  # fmt: skip
    if s["accuracy"] is not None:
        print(f"accuracy on their labels: {s['accuracy']:.4f}")
    if s["plot"]:
        print(f"plot written to {s['plot']}", file=sys.stderr)
    return 0


def _first(ds: Any, n: int | None) -> Any:
    """The Dataset `input_data` gives, cut to its first n samples (all when n is None)."""
    if not n:
        return ds
    return dataclasses.replace(
        ds, x_train=ds.x_train[:n], y_train=None if ds.y_train is None else ds.y_train[:n],
        documents=ds.documents and {"train": ds.documents["train"][:n]},
        files=ds.files and {"train": ds.files["train"][:n]},
    )  # fmt: skip


def cmd_decompress(a: argparse.Namespace) -> int:
    from .imageio import save_images
    from .tasks.compress import decompress_file, decompress_names

    x = decompress_file(a.file, a.run)
    names = decompress_names(a.file, len(x))  # stored by compress --names: PNGs of those names
    save_images(x, a.out, None if Path(a.out).suffix.lower() == ".npy" else names)
    print(f"{len(x)} images written to {a.out}")
    return 0


def cmd_embed(a: argparse.Namespace) -> int:
    from .tasks.common import evaluation_data, load_run, sample_columns
    from .tasks.embed import METHODS, embed_run, tsne_schedule

    if a.map not in METHODS:
        raise AekitError(f"unknown map {a.map!r}; choose one of {', '.join(METHODS)}")
    schedule = None
    if a.iterations is not None or a.exaggeration_iterations is not None:
        if a.map != "tsne":
            raise AekitError("--iterations and --exaggeration-iterations apply to --map tsne only")
        schedule = tsne_schedule(a.exaggeration_iterations, a.iterations)
    from .rows import dense

    ck = load_run(a.run)
    ds = evaluation_data(ck, a.data, a.data_dir)
    n = a.n or ds.x_test.shape[0]
    y = ds.y_test[:n] if ds.y_test is not None else None
    x = dense(ds.x_test[:n])  # text: the rows made dense (trustworthiness compares inputs)
    s = embed_run(ck, x, y, a.out, a.map, a.seed, ds.class_names, not a.no_progress, schedule,
                  sample_columns(ds, "test", n))  # fmt: skip
    print(f"{a.map} map of {s['samples']} samples written to {a.out} ({s['seconds']:.1f} s)")
    _print_summary(s, ["knn_accuracy", "trustworthiness", "trustworthiness_inputs"])
    return 0


def cmd_generate(a: argparse.Namespace) -> int:
    from .rows import dense
    from .tasks.common import evaluation_data, input_samples, load_run
    from .tasks.generate import generate_run, output_kind

    ck = load_run(a.run, need_encoder=False)
    data = None
    inputs = ck.model.has_encoder and (a.interpolate is not None or a.traverse is not None)
    # a table's samples are drawn over its real rows
    if inputs or output_kind(ck.model, ck.data) == "table":
        data = (  # DATA: every sample in file order (dense); else the run's test split
            input_samples(ck, a.data, a.data_dir) if a.data is not None
            else dense(evaluation_data(ck, None, a.data_dir).x_test)
        )  # fmt: skip
    pair = tuple(a.interpolate) if a.interpolate is not None else None
    s = generate_run(ck, a.out, n=a.n, data=data, interpolate_pair=pair,  # type: ignore[arg-type]
                     traverse_dim=a.traverse, seed=a.seed)  # fmt: skip
    print(f"wrote {', '.join(s['files'])} to {a.out}")
    return 0


def cmd_finetune(a: argparse.Namespace) -> int:
    from .tasks.common import evaluation_data, load_run
    from .tasks.finetune import FinetuneConfig, finetune_run

    seeds = tuple(a.seeds)
    ck = load_run(a.run)
    ds = evaluation_data(ck, a.data, a.data_dir)
    cfg = FinetuneConfig(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr,
                         head_hidden=a.head_hidden, dropout=a.dropout,
                         augment_shift=a.augment_shift, device=a.device)  # fmt: skip
    s = finetune_run(ck, ds, a.out, n_labels=a.labels, seeds=seeds, cfg=cfg,
                     progress=not a.no_progress)  # fmt: skip
    print(f"{s['labels']} labels, seeds {', '.join(map(str, seeds))}: test accuracy (mean +- std)")
    for m, v in s["accuracy"].items():
        print(f"  {m:<10}{v:.4f} +- {s['accuracy_std'][m]:.4f}")
    print(f"written to {a.out}")
    return 0


def cmd_sweep(a: argparse.Namespace) -> int:
    from .data import load_dataset
    from .registry import get_entry
    from .tasks.sweep import sweep_run
    from .training import TrainConfig

    if get_entry(a.model).role != "autoencoder":
        raise AekitError(f"{a.model!r} is not an autoencoder")
    cfg = TrainConfig(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, seed=a.seed,
                      device=a.device, progress=False)  # fmt: skip
    ds = load_dataset(a.data, **{**_data_options(a), "seed": a.seed})
    mc = {"hidden": a.hidden} if a.model in ("mlp", "stacked", "vae") else {}
    s = sweep_run(ds, a.model, a.latents, a.out, cfg, model_config=mc, progress=not a.no_progress)
    print(f"{'latent':>7} {'train_mse':>10} {'test_mse':>10} {'probe':>7} {'noise_r2':>9}")
    for r in s["rows"]:
        probe = f"{r['probe_accuracy']:.4f}" if r["probe_accuracy"] is not None else "-"
        print(f"{r['latent']:>7} {r['train_mse']:>10.5f} {r['test_mse']:>10.5f} {probe:>7} "
              f"{r['noise_r2']:>9.3f}")  # fmt: skip
    print(s["note"])
    print(f"written to {a.out}")
    return 0


def cmd_compare(a: argparse.Namespace) -> int:
    from .tasks.compare import compare, mismatch, table

    rows = compare(a.runs)
    note = mismatch(rows)
    if a.plot is not None:
        from .tasks.common import check_file_out

        check_file_out(a.plot, (".png",), "--plot")
    print(json.dumps(rows) if a.json else table(rows))
    if note:
        print(f"note: {note}", file=sys.stderr)
    if a.plot is not None:
        from .plots import compare_bars
        from .tasks.compare import KEYS

        compare_bars(rows, list(KEYS), a.plot, title="test metrics by run")
        print(f"plot written to {a.plot}", file=sys.stderr)
    return 0


def cmd_detect_fit(a: argparse.Namespace) -> int:
    from .tasks.detect import detect_fit

    opts = {"model": a.model, "contamination": a.contamination, "latent": a.latent,
            "hidden": tuple(a.hidden) if a.hidden else None, "epochs": a.epochs,
            "batch_size": a.batch_size, "lr": a.lr, "score_by": a.score_by, "n_models": a.n_models,
            "recon_loss": a.recon_loss, "device": a.device, "verbose": not a.no_progress}  # fmt: skip
    opts = {k: v for k, v in opts.items() if v is not None}
    if "trim" in vars(a):  # given: "none" (None) is a choice of its own here
        opts["trim"] = a.trim
    try:
        s = detect_fit(a.data, a.out, label_column=a.label_column, normal_only=a.normal_only,
                       normal_class=a.normal_class, seed=a.seed, overwrite=a.overwrite,
                       detector_options=opts,
                       data_options={**_kind_options(a), "limit": a.limit})  # fmt: skip
    except ValueError as e:  # the estimator's own parameter checks
        raise AekitError(str(e)) from None
    print(f"fitted on {s['n_fit']:,} rows in {s['fit_seconds']:.1f} s; threshold {s['threshold']:.5g} "
          f"flags {s['n_flagged_fit']:,} of them (contamination {s['contamination']})")  # fmt: skip
    if s.get("trimmed_share") is not None:
        print(f"the batch fence (--trim {s['detector']['trim']:g}) left out {s['trimmed_share']:.1%} "
              "of the training rows in the last epoch")  # fmt: skip
    t = s.get("test")
    if t:
        auc = "-" if t["roc_auc"] is None else f"{t['roc_auc']:.4f}"
        pr = "-" if t["pr_auc"] is None else f"{t['pr_auc']:.4f}"
        print(f"test split: {t['n']:,} rows, {t['n_anomalies']:,} anomalies; ROC-AUC {auc}, "
              f"PR-AUC {pr}; at the threshold: {t['n_flagged']:,} flagged, precision "
              f"{t['precision']:.3f}, recall {t['recall'] or 0:.3f}")  # fmt: skip
    print(f"detector written to {a.out}")
    return 0


def cmd_detect_score(a: argparse.Namespace) -> int:
    from .tasks.detect import detect_score

    s = detect_score(a.run, a.data, a.out, chunk_rows=a.chunk_rows, top=a.top,
                     progress=not a.no_progress)  # fmt: skip
    print(f"{s['rows']:,} rows scored, {s['flagged']:,} flagged (score > {s['threshold']:.5g}) "
          f"in {s['seconds']:.1f} s; written to {s['out']}")  # fmt: skip
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from .report import report_run

    if a.out is not None and a.out.suffix.lower() not in (".html", ".htm"):
        raise AekitError(f"--out {a.out}: give an .html file")
    path = report_run(a.run, a.data, a.out, data_dir=a.data_dir, map_method=a.map)
    print(f"report written to {path}")
    return 0


# -- parser --------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .models.base import RECON_LOSSES  # loaded with the package already: costs nothing
    from .tasks.finetune import IMAGE_DEFAULTS as FT_IMG
    from .tasks.finetune import OTHER_DEFAULTS as FT_OTHER
    from .tasks.finetune import FinetuneConfig

    p = _Parser(prog="aekit", description="Autoencoders for your own data.")
    p.add_argument("--version", action="version", version=f"aekit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("models", help="list the model families")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("train", help="train a model and write a run folder")
    s.add_argument("data", help="fashion-mnist | digits | a table/array file | an image folder")
    s.add_argument("--model", default="mlp", help="a name from 'aekit models' (default mlp)")
    s.add_argument("--out", required=True, type=Path, help="run folder to write")
    g = s.add_argument_group("model")
    g.add_argument(
        "--latent", type=int, help="code size (< input: undercomplete, > input: overcomplete)"
    )
    g.add_argument("--hidden", type=_ints,
                   help="MLP hidden sizes, e.g. 512,256; none: a linear encoder and decoder")  # fmt: skip
    g.add_argument(
        "--channels", dest="channels_model", type=_ints, help="conv channels, e.g. 32,64"
    )
    g.add_argument("--activation", help="relu | gelu | elu | silu | tanh")
    g.add_argument(
        "--batch-norm", action="store_true", help="conv: BatchNorm after each hidden conv layer"
    )
    g.add_argument("--depth", type=int,
                   help="conv: convs per resolution (default 1; 2 adds a stride-1 conv after "
                        "each stride-2 conv and before each transposed conv)")  # fmt: skip
    g.add_argument("--noise", help="denoising: gaussian:0.3 | saltpepper:0.1 | mask:0.25 | snr:5")
    g.add_argument("--sparsity", help="sparse codes: l1:1e-4 | kl:0.05")
    g.add_argument(
        "--tied", action="store_true", help="tied weights (mlp): decoder = encoder transposed"
    )
    g.add_argument("--recon-loss",
                   choices=RECON_LOSSES,
                   help="l1: mean absolute error; "
                        "psnr: maximize the mean per-image PSNR (log of each sample's MSE); "
                        "multinomial: text, a document's words as a distribution weighted by "
                        "TF-IDF (softmax outputs); multinomial-binary: the same, every word "
                        "present weighted alike")  # fmt: skip
    g.add_argument("--trim", type=float, metavar="K",
                   help="robust training on data with outliers: leave out of each batch the "
                   "rows whose loss lies beyond Q3 + K x IQR of the batch's (3: Tukey's far out)")  # fmt: skip
    g.add_argument("--likelihood", choices=("bernoulli", "gaussian"), help="VAE likelihood")
    g.add_argument("--beta", type=float, help="VAE: weight of the KL term")
    g.add_argument("--warmup-epochs", type=int, help="VAE: KL warm-up epochs")
    g.add_argument(
        "--spectral-norm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="gan: spectral normalisation of the discriminator (default off)",
    )
    g.add_argument(
        "--label-smoothing",
        type=float,
        help="gan/aae: one-sided, real targets 1 - S (gan default 0: off)",
    )
    g.add_argument(
        "--lr-d-scale",
        type=float,
        help="gan/aae: TTUR, the discriminator's lr over the generator's (gan default 1: off)",
    )
    g.add_argument(
        "--r1", type=float, help="gan: R1 gradient penalty weight gamma (default 1; 0: off)"
    )
    g.add_argument(
        "--ema",
        type=float,
        help="gan: decay of a moving average of the generator's weights, which then generates "
        "(default 0.998; 0: off)",
    )
    g.add_argument(
        "--adv-weight",
        type=float,
        help="aae: weight of the adversarial loss on codes (default 0.001)",
    )
    g = s.add_argument_group("training")
    g.add_argument("--epochs", type=int, default=10)
    g.add_argument("--batch-size", type=int, default=64)
    g.add_argument(
        "--lr",
        type=float,
        help="peak learning rate (default: the model's, 2e-3)",
    )
    g.add_argument("--optimizer", choices=("adam", "adamw"), default="adam")
    g.add_argument("--weight-decay", type=float, default=0.0)
    g.add_argument(
        "--schedule",
        choices=("cosine", "constant"),
        help="learning-rate schedule (default: the model's, cosine; gan constant)",
    )
    g.add_argument(
        "--patience", type=int, help="early stopping after this many epochs without improvement"
    )
    g.add_argument("--layerwise", type=int, default=0, metavar="N",
                   help="mlp/stacked: greedy layer-wise pre-training, N epochs per layer pair "
                        "(outermost first), before the --epochs of end-to-end training")  # fmt: skip
    g.add_argument("--seed", type=_seed, default=0)
    g.add_argument("--device", default="auto", help="auto (CUDA when present) | cpu | cuda")
    g.add_argument("--resume", action="store_true", help="continue the run in --out")
    g.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    _add_no_progress(g)
    g.add_argument("--no-report", action="store_true", help="do not write report.html")
    _add_data_options(s)
    s.set_defaults(func=cmd_train)

    s = sub.add_parser(
        "evaluate", help="every metric of a run: reconstruction, codes, likelihood, samples"
    )
    s.add_argument("run", help="run folder (or its model.json)")
    s.add_argument(
        "data",
        nargs="?",
        help="other data to evaluate on: its test split, drawn with the "
        "run's seed and fractions or official (default: the run's own test split)",
    )
    s.add_argument("--data-dir")
    s.add_argument("--json", action="store_true", help="one JSON object on stdout")
    s.add_argument(
        "--iw-samples",
        type=int,
        default=1000,
        help="VAE: importance samples per row for iw_nll (0: skip; default 1000)",
    )
    s.add_argument(
        "--iw-rows",
        type=int,
        default=1000,
        help="VAE: test rows (a seeded subsample) for elbo and iw_nll (default 1000)",
    )
    _add_no_progress(s)
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("denoise", help="denoise images or signals against classical filters")
    s.add_argument("run", help="run folder of a trained (denoising) autoencoder")
    s.add_argument("data", nargs="?", help="images or signals: their test split, drawn as the "
                   "run's; with --noise none every sample (default: the run's test split)")  # fmt: skip
    s.add_argument("--noise",
                   help="corrupt clean inputs: gaussian:S | saltpepper:P | mask:P | snr:DB "
                        "(default: the run's training noise, else gaussian:0.3 for images, "
                        "snr:5 for signals); 'none': DATA is already noisy")  # fmt: skip
    s.add_argument("--out", required=True, type=Path, help="folder for the outputs")
    s.add_argument("--n", type=_count, default=1000, help="how many samples (default 1000; 0: all)")
    s.add_argument("--baselines",
                   help="comma-separated classical baselines ('' for none; default images: "
                        "gaussian,median,nlm,bm3d; signals: wiener,wiener-tuned)")  # fmt: skip
    s.add_argument("--bm3d-images", type=int, default=200, help="BM3D on the first N (slow)")
    s.add_argument("--seed", type=_seed, default=0, help="noise seed")
    s.add_argument("--data-dir")
    _add_no_progress(s)
    s.set_defaults(func=cmd_denoise)

    s = sub.add_parser("compress", help="compress images to entropy-coded codes (one file)")
    s.add_argument("run", help="run folder of a trained autoencoder (the codec)")
    s.add_argument("data", help="images: fashion-mnist (test split), a folder, an .npy file")
    s.add_argument("--out", required=True, type=Path, help="compressed file to write")
    s.add_argument("--quality", type=float, default=50, help="1..100: size vs fidelity")
    s.add_argument("--residual", type=float, metavar="STEP",
                   help="add a residual layer quantized with this step (pixel units, e.g. 0.1): "
                        "PSNR beyond the model's ceiling for more bits")  # fmt: skip
    s.add_argument("--n", type=_count, help="only the first N images")
    s.add_argument("--names", action="store_true",
                   help="a folder's images: store their file names too (they count in the "
                        "size), so decompress writes each under its name")  # fmt: skip
    s.add_argument("--data-dir")
    s.set_defaults(func=cmd_compress)

    s = sub.add_parser("decompress", help="images back from a compressed file")
    s.add_argument("file", type=Path)
    s.add_argument("--out", required=True, type=Path, help="a folder for PNGs, or FILE.npy")
    s.add_argument("--run", help="the run that compressed it, if it has moved")
    s.set_defaults(func=cmd_decompress)

    s = sub.add_parser("encode", help="the codes of every sample, to a CSV, Parquet or .npy file")
    s.add_argument("run", help="run folder of a trained autoencoder")
    s.add_argument("data", help="data read as the run read its own: every sample, in file order "
                                "(fashion-mnist, digits: their test split)")  # fmt: skip
    s.add_argument("--out", required=True, type=Path,
                   help="codes.csv or .parquet (row, label, text, z0...), or codes.npy (N, latent)")  # fmt: skip
    _add_apply_options(s)
    s.set_defaults(func=cmd_encode)

    s = sub.add_parser("predict", help="classes of new data from a fine-tuned classifier")
    s.add_argument("classifier", help="what `aekit finetune --out FT` wrote: FT or FT/classifier")
    s.add_argument("data", help="data read as the pre-training run read its own: every sample, "
                                "in file order (fashion-mnist, digits: their test split); "
                                "labels, where present, are scored")  # fmt: skip
    s.add_argument("--out", required=True, type=Path,
                   help="predictions.csv or .parquet (row, label, text, predicted, "
                        "probability, p_CLASS...)")  # fmt: skip
    s.add_argument("--plot", type=Path,
                   help="also draw a PNG: the confusion matrix where DATA has labels, else "
                        "the share of samples given each class")  # fmt: skip
    _add_apply_options(s)
    s.set_defaults(func=cmd_predict)

    s = sub.add_parser("embed", help="codes to a 2-D map (t-SNE, UMAP, PCA) with its quality")
    s.add_argument("run", help="run folder of a trained autoencoder")
    s.add_argument("data", nargs="?", help="data to map: its test split, drawn as the run's "
                   "(default: the run's own test split)")  # fmt: skip
    s.add_argument("--map", default="tsne", help="tsne | umap | pca")
    s.add_argument("--out", required=True, type=Path, help="folder for map.csv, map.png")
    s.add_argument("--n", type=_count, help="only the first N test samples")
    s.add_argument("--seed", type=_seed, default=0)
    s.add_argument(
        "--exaggeration-iterations",
        type=int,
        metavar="N",
        help="t-SNE: iterations of early exaggeration (default 250, openTSNE's)",
    )
    s.add_argument(
        "--iterations",
        type=int,
        metavar="N",
        help="t-SNE: iterations after early exaggeration (default 500, openTSNE's); "
        "maps of autoencoder codes settle in far fewer (see the README)",
    )
    s.add_argument("--data-dir")
    _add_no_progress(s)
    s.set_defaults(func=cmd_embed)

    s = sub.add_parser("generate", help="samples, interpolations and latent traversals")
    s.add_argument(
        "run", help="run folder (samples need a generative model: vae, conv-vae, aae, gan)"
    )
    s.add_argument("--n", type=int, default=64, help="samples from the prior (default 64)")
    s.add_argument("--out", required=True, type=Path)
    s.add_argument("--interpolate", type=int, nargs=2, metavar=("A", "B"),
                   help="indices of two test inputs to interpolate between (a gan, which has "
                        "no encoder: of two of the drawn samples)")  # fmt: skip
    s.add_argument("--traverse", type=int, metavar="DIM", help="sweep one code dimension")
    s.add_argument("--data", help="take inputs from this data, every sample in file order "
                                  "(default: the run's test split)")  # fmt: skip
    s.add_argument("--seed", type=_seed, default=0)
    s.add_argument("--data-dir")
    s.set_defaults(func=cmd_generate)

    s = sub.add_parser("finetune", help="pre-trained encoder + few labels vs from scratch")
    s.add_argument("run", help="run folder of an autoencoder pre-trained on unlabeled data")
    s.add_argument("data", nargs="?", help="labelled data (default: the run's own data)")
    s.add_argument("--labels", type=int, default=1000, help="labelled samples, balanced")
    s.add_argument("--out", required=True, type=Path)
    s.add_argument("--seeds", type=_seeds, default=[0, 1, 2], help="e.g. 0,1,2")
    s.add_argument(
        "--epochs",
        type=int,
        help=f"default: {FT_IMG['epochs']} for images, {FT_OTHER['epochs']} otherwise",
    )
    s.add_argument(
        "--batch-size", type=int, default=FinetuneConfig.batch_size, help="default %(default)s"
    )
    s.add_argument(
        "--lr",
        type=float,
        help=f"default: {FT_IMG['lr']:g} for images, {FT_OTHER['lr']:g} otherwise",
    )
    s.add_argument(
        "--head-hidden",
        type=int,
        default=FinetuneConfig.head_hidden,
        help="0: a linear head (default %(default)s)",
    )
    s.add_argument(
        "--dropout", type=float, default=FinetuneConfig.dropout, help="default %(default)s"
    )
    s.add_argument("--augment-shift", type=int,
                   help="images: random shifts of up to N pixels while training (both networks; "
                        f"default {FT_IMG['augment_shift']})")  # fmt: skip
    s.add_argument("--device", default="auto")
    s.add_argument("--data-dir")
    _add_no_progress(s)
    s.set_defaults(func=cmd_finetune)

    s = sub.add_parser("sweep", help="under- vs overcomplete: one model per latent size")
    s.add_argument("data", help="fashion-mnist | digits | a table/array file | an image folder")
    s.add_argument("--model", default="mlp")
    s.add_argument("--latents", type=_ints, required=True, help="e.g. 2,4,8,16,32,64")
    s.add_argument("--hidden", type=_ints, default=[],
                   help="MLP hidden sizes (default none: input -> code -> output, so the code "
                        "is the only bottleneck)")  # fmt: skip
    s.add_argument("--out", required=True, type=Path)
    s.add_argument("--epochs", type=int, default=10)
    s.add_argument("--batch-size", type=int, default=64)
    s.add_argument("--lr", type=float, default=2e-3)
    s.add_argument("--seed", type=_seed, default=0)
    s.add_argument("--device", default="auto")
    _add_no_progress(s)
    _add_data_options(s)
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("compare", help="the test metrics of several runs, one row each")
    s.add_argument("runs", nargs="+", help="run folders")
    s.add_argument("--json", action="store_true", help="a JSON list instead of a table")
    s.add_argument("--plot", type=Path, help="also draw the metrics, one panel each, to this PNG")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("detect", help="anomaly detection: fit a detector, score files")
    dsub = s.add_subparsers(dest="detect_command", required=True, parser_class=_Parser)
    d = dsub.add_parser("fit", help="fit a detector on a data set's training split")
    d.add_argument("data", help="a CSV/TSV/Parquet table, an .npz/.mat array (X, y), images "
                   "(fashion-mnist, digits, a folder), a UCR time-series file, a WAV folder, or "
                   "a text file with --text-column")  # fmt: skip
    d.add_argument("--out", required=True, type=Path, help="run folder to write")
    d.add_argument("--label-column", help="0 = normal, 1 = anomaly (or see --normal-class); "
                   "kept out of the features, used for metrics (and --normal-only)")  # fmt: skip
    d.add_argument("--normal-class", metavar="C",
                   help="labels are classes: C is normal, every other class an anomaly")  # fmt: skip
    _add_kind_options(d.add_argument_group("tables, audio and text"))
    d.add_argument("--limit", type=int, help="use a seeded subset of this many samples (quick "
                                             "runs; scoring reads every row)")  # fmt: skip
    d.add_argument("--contamination", type=float, default=0.01,
                   help="share of training rows above the threshold (default 0.01)")  # fmt: skip
    d.add_argument("--normal-only", action="store_true",
                   help="fit on the rows labelled 0 only (novelty detection)")  # fmt: skip
    d.add_argument("--model", help="a name from 'aekit models' (default: mlp; conv for images, "
                   "time series and audio)")  # fmt: skip
    d.add_argument("--latent", type=int,
                   help="code size (default 4; series 8, images and audio 16, text 128)")  # fmt: skip
    d.add_argument("--hidden", type=_ints, help="hidden sizes (default 64; text 1024)")
    d.add_argument("--epochs", type=int, help="default 10 (images 20, series 50, audio, text 30)")
    d.add_argument("--batch-size", type=int, help="default 64 (images, series, audio and text 32)")
    d.add_argument("--lr", type=float, help="default 2e-3")
    d.add_argument("--score-by", choices=("reconstruction+density", "reconstruction", "elbo"),
                   help="tables and images default to reconstruction+density: the reconstruction error plus "
                   "how rare the row's code is; elbo: a VAE's negative ELBO")  # fmt: skip
    d.add_argument("--n-models", type=int,
                   help="a committee of N models (codes alternate latent, latent // 2); default 1")  # fmt: skip
    d.add_argument("--recon-loss", choices=("l1", "mse"),
                   help="what training minimizes: the absolute (l1, the default for tables) or "
                   "squared (mse: series, audio, text) reconstruction error")  # fmt: skip
    d.add_argument("--trim", type=_fence_or_none, metavar="K|none", default=argparse.SUPPRESS,
                   help="leave out of each training batch the rows whose loss lies beyond "
                   "Q3 + K x IQR of the batch's (default 3 for tables: anomalies in the training "
                   "rows teach the model less; none for series, audio, text)")  # fmt: skip
    d.add_argument("--seed", type=_seed, default=0)
    d.add_argument("--device", default="auto")
    d.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    _add_no_progress(d)
    d.set_defaults(func=cmd_detect_fit)
    d = dsub.add_parser("score", help="score the rows of a file with a fitted detector")
    d.add_argument("run", help="run folder written by 'aekit detect fit'")
    d.add_argument("data", help="CSV/TSV/Parquet file with the training columns; for a "
                   "detector fitted on images, series, audio or text: a file or folder of that kind, "
                   "read as the run read its own (scored in memory)")  # fmt: skip
    d.add_argument("--out", required=True, type=Path, help="scored rows: .csv or .parquet")
    d.add_argument("--chunk-rows", type=int, default=20_000,
                   help="rows read and scored at a time (bounds memory; default 20000)")  # fmt: skip
    d.add_argument("--top", type=int, default=3, help="contributing columns named per row")
    _add_no_progress(d)
    d.set_defaults(func=cmd_detect_score)

    s = sub.add_parser("report", help="one self-contained HTML page about a run")
    s.add_argument("run", help="run folder (or its model.json)")
    s.add_argument("data", nargs="?", help="other data to report on: its test split, drawn as "
                   "the run's (default: the run's own)")  # fmt: skip
    s.add_argument("--out", type=Path, help="HTML file to write (default RUN/report.html)")
    s.add_argument(
        "--map",
        choices=("tsne", "umap", "pca"),
        default="tsne",
        help="how the latent map is drawn (default tsne)",
    )
    s.add_argument("--data-dir")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("info", help="what a checkpoint holds")
    s.add_argument("run")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("download", help="download a data set, verifying its checksum")
    s.add_argument("dataset", choices=("fashion-mnist",))
    s.add_argument("--data-dir", help="where to put it (default ~/.cache/aekit/fashion-mnist)")
    s.add_argument("--url", help="base URL of a mirror")
    _add_no_progress(s)
    s.set_defaults(func=cmd_download)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .engine import set_threads_from_env

    set_threads_from_env()
    args = None
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra:  # name the command they were given to (argparse names only "aekit")
            cmd = " ".join(c for c in (args.command, getattr(args, "detect_command", None)) if c)
            raise AekitError(f"aekit {cmd}: unrecognized arguments: {' '.join(extra)} "
                             f"(see aekit {cmd} --help)")  # fmt: skip
        with warnings.catch_warnings():  # notes on the data: one line each, as they come
            warnings.simplefilter("always", AekitNote)
            warnings.showwarning = _show_note(warnings.showwarning)
            return int(args.func(args) or 0)
    except AekitError as e:
        print(f"aekit: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # files we cannot read or write: the user's environment, not a bug
        print(f"aekit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aekit: interrupted{_resume_hint(args)}", file=sys.stderr)
        return 130


def _show_note(show: Any) -> Any:
    """warnings.showwarning that prints an AekitNote as one `aekit: note:` line and leaves
    other warnings to `show`."""

    def note_or_show(message, category, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, AekitNote):
            print(f"aekit: note: {message}", file=sys.stderr)
        else:
            show(message, category, *args, **kwargs)

    return note_or_show


def _resume_hint(args: argparse.Namespace | None) -> str:
    """For an interrupted `train`: how far its run folder got, and how to go on."""
    if args is None or getattr(args, "command", None) != "train":
        return ""
    from .checkpoint import STATE_JSON

    state = Path(args.out) / STATE_JSON
    try:
        done = int(json.loads(state.read_text())["epoch"]) + 1
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return (f"; {args.out} holds epoch {done} of {args.epochs}: the same command with --resume "
            "continues from there")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
