"""Issue 6: the GAN with its stabilisers off and on, side by side with the core's convolutional
VAE and the adversarial autoencoder, on Fashion-MNIST.

Every model is trained by `aekit train`'s own code path (runs.train_run: the coverage probe
logs steps.csv, and each run folder gets its report.html). The GAN pair shares seed, epochs,
architecture and learning rate; only the stabiliser flags differ:
  stabilised  spectral norm on D, one-sided label smoothing 0.1, TTUR (D at 2x the lr)
  plain       none of them
Generation is judged on 10,000 samples against the 10,000 test images in the features of
aekit's Fashion-MNIST classifier; the floor compares 10,000 training images with the same
test images. The conv VAE is bench/compare.py's conv-vae-16 (reused when already trained).

Usage: .venv/bin/python bench/gan.py --threads 2 [--epochs 8] [--lr 2e-4] [--seed S] [--tag NAME]
(--seed: the GANs' and AAE's training seed, default 0; the conv VAE is the core's seed-0 run)
GAN variants: --d-channels 64,128,256, --schedule constant, --ema 0.999 (both GANs);
--stabilised '{"r1": 1.0, "spectral_norm": false}' changes the stabilised GAN's flags;
--adv-weight W (the AAE's; default the model's); --skip aae,gan-stabilised leaves runs out.
Writes bench/results/gan[-TAG].json, docs/gan_samples[-TAG].png, docs/gan_training[-TAG].png.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from _common import DOCS, machine, parse_args, trained_run, write_result  # noqa: E402
from aekit import load_dataset  # noqa: E402
from aekit.checkpoint import load  # noqa: E402
from aekit.plots import sample_panels, training_steps  # noqa: E402
from aekit.registry import default_config  # noqa: E402
from aekit.tasks.evaluate import generation_metrics  # noqa: E402
from aekit.training import read_steps  # noqa: E402

PLAIN = {"spectral_norm": False, "label_smoothing": 0.0, "lr_d_scale": 1.0, "r1": 0.0}
STABILISED = {"spectral_norm": True, "label_smoothing": 0.1, "lr_d_scale": 2.0, "r1": 0.0}
N = 10_000
AAE_WEIGHT = default_config("aae")["adv_weight"]


def stabiliser_names(flags: dict) -> str:
    """'SN, smoothing 0.1, TTUR 2x, R1 1' for the flags that are on; 'none' when none is."""
    on = [
        "SN" if flags["spectral_norm"] else "",
        f"smoothing {flags['label_smoothing']:g}" if flags["label_smoothing"] else "",
        f"TTUR {flags['lr_d_scale']:g}x" if flags["lr_d_scale"] != 1 else "",
        f"R1 {flags['r1']:g}" if flags["r1"] else "",
    ]
    return ", ".join(filter(None, on)) or "none"


def stability(steps: list[dict]) -> dict:
    """What the logged steps say about the game: collapse warnings (where, and how many logged
    steps were collapsed), the coverage range after the first epoch, the step from which the
    run's widest coverage held to the end, and the discriminator's accuracy over the last
    quarter of training."""
    late = steps[len(steps) * 3 // 4 :]
    after = [r for r in steps if r["epoch"] >= 1] or steps
    warned = [b for a, b in zip([{}] + steps, steps) if b.get("collapse") and not a.get("collapse")]
    widest = max(r["classes_covered"] for r in steps)
    held = len(steps)
    while held > 0 and steps[held - 1]["classes_covered"] == widest:
        held -= 1
    out = {
        "logged_steps": len(steps),
        "collapse_warnings": len(warned),
        "collapse_warned_at": [
            {k: r[k] for k in ("step", "classes_covered", "max_class_share")} for r in warned
        ],
        "collapsed_logged_steps": sum(1 for r in steps if r.get("collapse")),
        "max_classes_covered": widest,
        "max_classes_covered_held_from_step": steps[held]["step"] if held < len(steps) else None,
        "min_classes_covered_after_epoch_1": min(r["classes_covered"] for r in after),
        "max_class_share_peak_after_epoch_1": max(r["max_class_share"] for r in after),
    }
    for k in ("discriminator_acc_real", "discriminator_acc_fake", "generator_loss"):
        vals = [r[k] for r in late if k in r]
        if vals:
            out[f"late_{k}_mean"] = float(np.mean(vals))
            out[f"late_{k}_std"] = float(np.std(vals))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-4, help="the generator's peak learning rate")
    p.add_argument("--tag", default="", help="suffix for results and run folders")
    p.add_argument("--skip", default="", help="comma-separated runs to leave out (e.g. aae)")
    p.add_argument("--seed", type=int, default=0, help="training seed of the GANs and the AAE")
    p.add_argument("--d-channels", help="the GANs' discriminator convs, e.g. 64,128,256 (the "
                   "generator keeps its default 256,128)")  # fmt: skip
    p.add_argument(
        "--schedule",
        choices=("cosine", "constant"),
        default="cosine",
        help="the GANs' learning-rate schedule",
    )
    p.add_argument(
        "--adv-weight", type=float, help="the AAE's adversarial weight (default: the model's)"
    )
    p.add_argument(
        "--ema",
        type=float,
        default=0.0,
        help="the GANs' moving average of generator weights, e.g. 0.999 (0: off)",
    )
    p.add_argument(
        "--stabilised",
        default="{}",
        help="JSON: flags of the stabilised GAN that replace its defaults, e.g. "
        '\'{"r1": 1.0, "spectral_norm": false, "label_smoothing": 0, "lr_d_scale": 1}\'',
    )
    a = parse_args(p, threads=2)
    stabilised = STABILISED | json.loads(a.stabilised)
    if set(stabilised) != set(STABILISED):
        p.error(f"--stabilised takes the flags {sorted(STABILISED)}")
    tag = f"-{a.tag}" if a.tag else ""
    skip = set(filter(None, a.skip.split(",")))
    seed = {"seed": a.seed} if a.seed else {}  # seed 0 (the default) keeps earlier runs' recipes
    # schedule and ema always explicit: the model's defaults (constant, 0.998) came later than
    # the runs this script's defaults reproduce
    gan_opts = {"lr": a.lr, "schedule": a.schedule, **seed}
    arch: dict = {}
    if a.d_channels:
        arch = {"channels": [int(c) for c in a.d_channels.split(",")], "g_channels": [256, 128]}
    arch["ema"] = a.ema
    # the weight is always in the recipe, so a changed model default retrains the cached run
    aae_opts = {"adv_weight": AAE_WEIGHT if a.adv_weight is None else a.adv_weight}
    runs = {  # name: (run folder, model, config, epochs, train options)
        "gan-plain": (f"gan-plain{tag}", "gan", PLAIN | arch, a.epochs, gan_opts),
        "gan-stabilised": (f"gan-stabilised{tag}", "gan", stabilised | arch, a.epochs, gan_opts),
        "aae": (f"gan-aae{tag}", "aae", {"latent": 16, **aae_opts}, 10, seed),
        "conv-vae": ("compare-conv-vae-16", "conv-vae", {"latent": 16}, 10, {}),
    }
    ds = load_dataset("fashion-mnist", seed=0)
    rows, samples, steps = [], {}, {}
    for name, (folder, model, cfg, epochs, opts) in runs.items():
        if name in skip:
            continue
        print(f"{name}: training or reusing bench/runs/{folder} ...", flush=True)
        path = trained_run(folder, model, cfg, epochs=epochs, batch_size=64, **opts)
        ck = load(path)
        m = generation_metrics(ck.model, ds, n=N, reference="test")
        info = json.loads((path / "metrics.json").read_text())
        row = {
            "run": name, "model": model, "config": cfg, "epochs": epochs,
            "lr": ck.info["train_config"]["lr"], "train_seconds": info["train_seconds"],
            "train_threads": info.get("torch_threads"),  # the training's, not this scoring's
            **{k: m[k] for k in ("frechet_distance", "frechet_floor", "precision", "recall",
                                 "class_coverage", "max_class_share", "generated_class_shares",
                                 "generated_n")},
            "fd_over_floor": m["frechet_distance"] / m["frechet_floor"],
        }  # fmt: skip
        if cfg.get("ema"):  # the same run's live generator, for the average's share
            averaged, ck.model.generator_ema = ck.model.generator_ema, ck.model.generator
            live = generation_metrics(ck.model, ds, n=N, reference="test")
            ck.model.generator_ema = averaged
            row["live_generator"] = {k: live[k] for k in ("frechet_distance", "precision",
                                     "recall", "class_coverage", "max_class_share")}  # fmt: skip
        logged = read_steps(path / "steps.csv")
        if logged and "classes_covered" in logged[0]:
            row.update(stability(logged))
            steps[name] = logged
        rows.append(row)
        samples[name] = ck.model.sample(64, generator=torch.Generator().manual_seed(0)).numpy()
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()
               if k != "generated_class_shares"}, flush=True)  # fmt: skip
    vae = next((r for r in rows if r["run"] == "conv-vae"), None)
    for r in rows:
        if vae is not None:
            r["fd_over_conv_vae"] = r["frechet_distance"] / vae["frechet_distance"]
    sample_panels(samples, DOCS / f"gan_samples{tag}.png",
                  title="64 samples each, seed 0 (Fashion-MNIST)")  # fmt: skip
    flags = {"gan-plain": PLAIN, "gan-stabilised": stabilised}
    gan_steps = {f"{k} ({stabiliser_names(flags[k])})": v for k, v in steps.items() if k in flags}
    if gan_steps:
        training_steps(gan_steps, DOCS / f"gan_training{tag}.png",
                       title="GAN training, stabilisers off vs on (same seed)")  # fmt: skip
    md = ["| run | epochs | lr | train s | FD | FD / floor | FD / conv VAE | precision | recall "
          "| classes | max share | collapse warnings |", "|---" * 12 + "|"]  # fmt: skip
    for r in rows:
        md.append(
            f"| {r['run']} | {r['epochs']} | {r['lr']:g} | {r['train_seconds']:.0f} "
            f"| {r['frechet_distance']:.2f} | {r['fd_over_floor']:.1f}x "
            f"| {r.get('fd_over_conv_vae', float('nan')):.2f} | {r['precision']:.3f} "
            f"| {r['recall']:.3f} | {r['class_coverage']} | {r['max_class_share']:.3f} "
            f"| {r.get('collapse_warnings', '-')} |"
        )
    table = "\n".join(md)
    print(table)
    write_result(f"gan{tag}", {**machine(a.threads), "n_samples": N, "epochs": a.epochs,
                               "lr": a.lr, "seed": a.seed, "rows": rows, "table": table})  # fmt: skip


if __name__ == "__main__":
    main()
