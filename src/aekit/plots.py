"""Figures a person can inspect (PNG, Agg backend): training curves, image grids, maps, score
histograms and ROC curves, class shares, confusion matrices, per-feature errors, run
comparisons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .training import History  # noqa: E402


def _save(fig, path: str | Path, suptitle: str = "", tight: bool = True) -> Path:
    """Title, layout, write the PNG and free the figure (every figure ends here)."""
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    if tight:  # keep about 0.35 inch at the top for the title
        top = 1.0 - 0.35 / fig.get_size_inches()[1] if suptitle else 1.0
        fig.tight_layout(rect=(0.0, 0.0, 1.0, top))
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def loss_curves(history: History, path: str | Path, title: str = "") -> Path:
    """Train and validation loss per epoch (every loss group for multi-optimizer models)."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    epochs = [r["epoch"] + 1 for r in history.rows]
    keys = [k for k in history.rows[0] if k.endswith("loss") and k.startswith(("train_", "val_"))]
    for k in keys:
        ax.plot(epochs, history.column(k), marker="o", ms=3, label=k.replace("_", " "),
                ls="--" if k.startswith("val") else "-")  # fmt: skip
    if history.best_epoch >= 0:
        ax.axvline(history.best_epoch + 1, color="grey", lw=0.8, ls=":", label="best epoch")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("loss")
    vals = [v for k in keys for v in history.column(k)]
    if vals and min(vals) > 0 and max(vals) / min(vals) > 20:
        ax.set_yscale("log")
    ax.set_title(title or "training curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def training_steps(
    runs: dict[str, list[dict[str, float]]], path: str | Path, title: str = ""
) -> Path:
    """Within-epoch training curves of one or more runs ({label: History.steps}; label "" for
    one run): loss terms, discriminator accuracy on real and fake inputs, and the classes
    covered by a fixed batch of samples with the largest class's share; one line per run and
    term in each panel."""
    first = next(iter(runs.values()))
    panels = [("losses", [k for k in first[0] if k.endswith("loss")]),
              ("discriminator accuracy", [k for k in first[0] if "acc_" in k]),
              ("classes covered", ["classes_covered"] if "classes_covered" in first[0] else []),
              ("largest class share", ["max_class_share"] if "max_class_share" in first[0] else [])]  # fmt: skip
    panels = [(name, keys) for name, keys in panels if keys]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.2 * len(panels), 3.4), dpi=100, squeeze=False
    )
    for ax, (name, keys) in zip(axes[0], panels):
        for label, rows in runs.items():
            for k in keys:
                xs = [r["step"] for r in rows if k in r]
                ys = [r[k] for r in rows if k in r]
                tag = " ".join(t for t in (label, k.replace("_", " ")) if t)
                ax.plot(xs, ys, lw=1.2, label=tag if len(keys) > 1 or label else None)
            if "collapse" in rows[0] and name == "classes covered":
                bad = [r["step"] for r in rows if r.get("collapse")]
                if bad:
                    ax.scatter(bad, [0.3] * len(bad), marker="v", color="red", s=14,
                               label=f"{label} collapse warning".strip())  # fmt: skip
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("optimizer step")
        if name == "classes covered":
            ax.set_ylim(0, 10.5)
        if name in ("discriminator accuracy", "largest class share"):
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    return _save(fig, path, suptitle=title or "training, every logged step")


def _to_hwc(img: np.ndarray) -> np.ndarray:
    """(C, H, W) in [0, 1] -> (H, W) or (H, W, 3) for imshow."""
    img = np.clip(img, 0.0, 1.0)
    return img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)


def _labelled_grid(
    rows: list, labels: list[str], path: str | Path, title: str,
    draw: Callable[[Any, int, int], None], cell: tuple[float, float], sharey: bool = False,
) -> Path:  # fmt: skip
    """One row of cells per entry of `rows`, labelled on the left; draw(ax, r, i) fills the
    i-th cell of row r; shorter rows leave blank cells."""
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(cell[0] * n, cell[1] * len(rows)), dpi=100,
                             squeeze=False, sharey=sharey)  # fmt: skip
    for r, (items, label) in enumerate(zip(rows, labels)):
        for i in range(n):
            ax = axes[r][i]
            if i >= len(items):
                ax.axis("off")
                continue
            draw(ax, r, i)
            if i == 0:
                ax.set_ylabel(label, fontsize=9)
    return _save(fig, path, suptitle=title)


def _bare_image(ax, img: np.ndarray, **imshow: Any) -> None:
    ax.imshow(img, **imshow)
    ax.set_xticks([])
    ax.set_yticks([])


def image_rows(
    rows: list[np.ndarray], labels: list[str], path: str | Path, title: str = ""
) -> Path:
    """A grid: one row per array of images (N, C, H, W), labelled on the left; shorter rows
    leave blank cells."""

    def draw(ax, r: int, i: int) -> None:
        _bare_image(ax, _to_hwc(rows[r][i]), cmap="gray", vmin=0, vmax=1,
                    interpolation="nearest")  # fmt: skip

    return _labelled_grid(rows, labels, path, title, draw, cell=(1.2, 1.3))


def reconstructions(
    x: np.ndarray, recon: np.ndarray, path: str | Path, n: int = 10, title: str = ""
) -> Path:
    """Inputs above, reconstructions below."""
    return image_rows([x[:n], recon[:n]], ["input", "reconstruction"], path, title)


def scatter_map(
    coords: np.ndarray,
    labels: np.ndarray | None,
    path: str | Path,
    title: str = "",
    class_names: list[str] | None = None,
) -> Path:
    """A 2-D map, one colour per label (legend with class names when known)."""
    fig, ax = plt.subplots(figsize=(7, 6), dpi=100)
    size = max(1.0, min(12.0, 20000 / max(1, len(coords))))
    if labels is None:
        ax.scatter(coords[:, 0], coords[:, 1], s=size, alpha=0.6, lw=0)
    else:
        classes = np.unique(labels)
        cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
        for i, c in enumerate(classes):
            m = labels == c
            name = class_names[int(c)] if class_names and 0 <= int(c) < len(class_names) else str(c)
            ax.scatter(coords[m, 0], coords[m, 1], s=size, alpha=0.7, lw=0,
                       color=cmap(i % cmap.N), label=name)  # fmt: skip
        if len(classes) <= 20:
            ax.legend(markerscale=max(1.0, 8 / size), fontsize=8, loc="best", framealpha=0.8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    return _save(fig, path)


def montage(x: np.ndarray, cols: int) -> np.ndarray:
    """Images (N, C, H, W) tiled into one (H', W') or (H', W', 3) image, 1-pixel gaps."""
    n, (c, h, w) = len(x), x.shape[1:]
    rows = int(np.ceil(n / cols))
    out = np.ones((c, rows * (h + 1) - 1, cols * (w + 1) - 1), np.float32)
    for i in range(n):
        r, k = divmod(i, cols)
        out[:, r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = x[i]
    return _to_hwc(out)


def sample_panels(
    named: dict[str, np.ndarray], path: str | Path, title: str = "", cols: int = 8
) -> Path:
    """One grid of samples per model, side by side, each titled with its name."""
    fig, axes = plt.subplots(1, len(named), figsize=(3.3 * len(named), 3.7), dpi=110, squeeze=False)
    for ax, (name, x) in zip(axes[0], named.items()):
        ax.imshow(montage(x, cols), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    return _save(fig, path, suptitle=title)


def image_grid(x: np.ndarray, path: str | Path, title: str = "", cols: int | None = None) -> Path:
    """Images (N, C, H, W) in a near-square grid without gaps."""
    n = len(x)
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(0.9 * cols, 0.9 * rows + 0.4), dpi=100,
                             squeeze=False)  # fmt: skip
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(_to_hwc(x[i]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    fig.subplots_adjust(wspace=0.05, hspace=0.05, left=0.01, right=0.99, bottom=0.01,
                        top=0.93 if title else 0.99)  # fmt: skip
    return _save(fig, path, suptitle=title, tight=False)


def accuracy_bars(
    mean: dict[str, float], std: dict[str, float], path: str | Path, title: str = ""
) -> Path:
    """One bar per method with its spread over seeds."""
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    names = list(mean)
    ax.bar(names, [mean[k] for k in names], yerr=[std.get(k, 0.0) for k in names], capsize=4,
           color=plt.get_cmap("tab10")(np.arange(len(names))))  # fmt: skip
    for i, k in enumerate(names):
        ax.text(i, mean[k] + std.get(k, 0.0) + 0.005, f"{mean[k]:.3f}", ha="center", fontsize=9)
    lo = min(mean.values())
    ax.set_ylim(max(0.0, lo - 0.1), min(1.0, max(mean.values()) + 0.06))
    ax.set_ylabel("test accuracy")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def sweep_plot(rows: list[dict], input_dim: int, path: str | Path, title: str = "") -> Path:
    """Train/test MSE against latent size (log-log), probe accuracy and noise R^2 beside it."""
    lat = [r["latent"] for r in rows]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4), dpi=100)
    ax.plot(lat, [r["train_mse"] for r in rows], "o-", label="train MSE")
    ax.plot(lat, [r["test_mse"] for r in rows], "s--", label="test MSE")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.axvline(input_dim, color="grey", ls=":", lw=1, label=f"input size {input_dim}")
    ax.set_xlabel("latent size")
    ax.set_ylabel("reconstruction MSE")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    if any(r.get("probe_accuracy") is not None for r in rows):
        ax2.plot(lat, [r["probe_accuracy"] for r in rows], "o-", color="C2", label="probe accuracy")
    ax2.plot(lat, [r["noise_r2"] for r in rows], "^-", color="C3", label="noise R² (copying)")
    ax2.axvline(input_dim, color="grey", ls=":", lw=1)
    ax2.set_xscale("log", base=2)
    ax2.set_xlabel("latent size")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    return _save(fig, path, suptitle=title)


def score_bins(s: np.ndarray, n: int = 50) -> tuple[list[float], str]:
    """Bin edges covering every score, and the x scale that suits them: "log" when all scores
    are positive and span over 100x (reconstruction errors), "symlog" when some are not
    positive and the range is over 100 (a unitless score: near 0 for typical rows, a long tail
    of anomalies; edges evenly spaced in asinh), else "linear"."""
    lo, hi = float(s.min()), float(s.max())
    if lo > 0 and hi / lo > 100:
        return list(np.geomspace(lo, hi, n)), "log"
    if hi - lo > 100:
        return list(np.sinh(np.linspace(np.arcsinh(lo), np.arcsinh(hi), n))), "symlog"
    return list(np.linspace(lo, hi + 1e-12, n)), "linear"


def score_histogram(
    scores: np.ndarray, labels: np.ndarray, names: dict, path: str | Path, title: str = "",
    threshold: float | None = None, xlabel: str | None = None,
) -> Path:  # fmt: skip
    """Histogram of per-row scores (e.g. reconstruction error), one colour per label, shared
    bins (see score_bins), each class's bars its share of that class, so rare classes stay
    visible."""
    fig, ax = plt.subplots(figsize=(6, 3.8), dpi=100)
    s = np.asarray(scores, dtype=np.float64)
    bins, scale = score_bins(s)
    for i, c in enumerate(np.unique(labels)):
        m = labels == c
        ax.hist(np.clip(s[m], bins[0], bins[-1]), bins=bins, alpha=0.55, color=f"C{i}",
                weights=np.full(int(m.sum()), 1.0 / m.sum()),
                label=f"{names.get(c, c)} (n={int(m.sum()):,})")  # fmt: skip
    if threshold is not None:
        ax.axvline(threshold, color="black", ls="--", lw=1, label="threshold")
    if scale == "symlog":
        ax.set_xscale("symlog", linthresh=1.0)
    elif scale == "log":
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or "reconstruction error (MSE per row)")
    ax.set_ylabel("share of the class")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def roc_curve(
    fpr: np.ndarray, tpr: np.ndarray, auc: float, path: str | Path, title: str = ""
) -> Path:
    fig, ax = plt.subplots(figsize=(4.2, 4), dpi=100)
    ax.plot(fpr, tpr, lw=2, label=f"ROC-AUC {auc:.3f}")
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def class_shares(
    shares: list[float], names: list[str], path: str | Path, title: str = "",
    reference: float | None = None,
) -> Path:  # fmt: skip
    """One bar per class: the share of samples assigned to it (mode collapse shows as one
    tall bar); `reference` draws the uniform share."""
    fig, ax = plt.subplots(figsize=(6.5, 3.5), dpi=100)
    ax.bar(range(len(shares)), shares, color="C0")
    ax.set_xticks(range(len(shares)), names, rotation=35, ha="right", fontsize=8)
    if reference is not None:
        ax.axhline(reference, color="grey", ls=":", lw=1, label="uniform share")
        ax.legend(fontsize=8)
    ax.set_ylabel("share of samples")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def confusion(
    counts: np.ndarray, true_names: list[str], predicted_names: list[str], path: str | Path,
    title: str = "",
) -> Path:  # fmt: skip
    """Confusion matrix: rows the true classes, columns the predicted ones; each cell shows its
    count, coloured by its share of the row (so a small class reads as well as a large one)."""
    counts = np.asarray(counts)
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    size = 1.2 + 0.45 * max(len(true_names), len(predicted_names))
    fig, ax = plt.subplots(figsize=(size + 1.2, size), dpi=100)
    im = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    for (i, j), c in np.ndenumerate(counts):
        if c:
            ax.text(j, i, f"{c:,}", ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(len(predicted_names)), predicted_names, rotation=35, ha="right",
                  fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(true_names)), true_names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    return _save(fig, path)


def feature_errors(names: list[str], errors: np.ndarray, path: str | Path, title: str = "",
                   top: int = 20, units: str = "standardized units") -> Path:  # fmt: skip
    """The features that reconstruct worst: horizontal bars of their test MSE (in `units`)."""
    order = np.argsort(errors)[::-1][:top]
    fig, ax = plt.subplots(figsize=(6, 0.25 * len(order) + 1.2), dpi=100)
    ax.barh(range(len(order)), np.asarray(errors)[order][::-1], color="C1")
    ax.set_yticks(range(len(order)), [str(names[i]) for i in order][::-1], fontsize=8)
    ax.set_xlabel(f"test MSE ({units})")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def compare_bars(rows: list[dict], keys: list[str], path: str | Path, title: str = "") -> Path:
    """Small multiples: one panel per metric, one bar per run."""
    keys = [k for k in keys if any(r.get(k) is not None for r in rows)]
    cols = min(3, max(1, len(keys)))
    nrows = int(np.ceil(len(keys) / cols)) or 1
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 0.35 * len(rows) * nrows + 1.4 * nrows),
                             dpi=100, squeeze=False)  # fmt: skip
    names = [str(r["run"]) for r in rows]
    for ax, k in zip(axes.flat, keys):
        vals = [r.get(k) for r in rows]
        ax.barh(range(len(rows)), [v if v is not None else 0.0 for v in vals],
                color=[f"C{i % 10}" for i in range(len(rows))])  # fmt: skip
        for i, v in enumerate(vals):
            ax.text(v or 0.0, i, f" {v:.4g}" if v is not None else " -", va="center", fontsize=7)
        ax.set_yticks(range(len(rows)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(k, fontsize=9)
        ax.margins(x=0.25)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    return _save(fig, path, suptitle=title)


def signal_reconstructions(
    x: np.ndarray, recon: np.ndarray, path: str | Path, titles: list[str] | None = None,
    title: str = "", spectrogram: bool = False,
) -> Path:  # fmt: skip
    """Signals (N, 1, L) as lines, each with its reconstruction over it; spectrograms
    (N, bands, frames) as image pairs (input above, reconstruction below), one column each.
    With `spectrogram`, waveforms (N, 1, L) are shown as their log-magnitude spectrograms."""
    n = len(x)
    titles = titles or [""] * n
    if spectrogram and x.shape[1] == 1:
        x = np.stack([_log_spectrogram(s[0]) for s in x])
        recon = np.stack([_log_spectrogram(s[0]) for s in recon])
    if x.shape[1] == 1:
        cols = min(n, 4)
        rows = -(-n // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows), dpi=100,
                                 squeeze=False)  # fmt: skip
        for i, ax in enumerate(axes.flat):
            if i >= n:
                ax.axis("off")
                continue
            ax.plot(x[i, 0], lw=0.9, color="black", label="input")
            ax.plot(recon[i, 0], lw=0.9, color="tab:red", label="reconstruction")
            ax.set_title(titles[i], fontsize=8)
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.legend(fontsize=7)
        return _save(fig, path, title)
    fig, axes = plt.subplots(2, n, figsize=(1.9 * n, 3.6), dpi=100, squeeze=False)
    lo, hi = float(np.percentile(x, 1)), float(np.percentile(x, 99))
    for i in range(n):
        for r, (img, what) in enumerate(((x[i], "input"), (recon[i], "reconstruction"))):
            ax = axes[r, i]
            _bare_image(ax, img, origin="lower", aspect="auto", cmap="magma", vmin=lo, vmax=hi)
            if i == 0:
                ax.set_ylabel(what, fontsize=8)
        axes[0, i].set_title(titles[i], fontsize=8)
    return _save(fig, path, title)


def _log_spectrogram(wave: np.ndarray, n_fft: int = 256) -> np.ndarray:
    """log10 |STFT| (bins, frames) of one waveform (hann window, hop n_fft // 4)."""
    spec = torch.stft(torch.as_tensor(np.asarray(wave, dtype=np.float32)), n_fft, n_fft // 4,
                      window=torch.hann_window(n_fft), return_complex=True)  # fmt: skip
    return np.log10(spec.abs().numpy() + 1e-5)


def signal_rows(
    rows: list[np.ndarray], labels: list[str], path: str | Path, title: str = "",
    spectrogram: bool = False,
) -> Path:  # fmt: skip
    """A grid like image_rows for signals (N, 1, L): one row per array, labelled on the left;
    each cell a line, or with `spectrogram` the waveform's log-magnitude spectrogram (one
    colour scale for the whole grid, low frequencies at the bottom). Spectrograms already
    (N, bands, frames), e.g. log-mel features, are drawn as they are, on one colour scale
    from the grid's 1st to 99th percentile."""
    if rows[0].shape[1] > 1:  # (bands, frames) per cell
        specs = [list(r) for r in rows]
        values = np.concatenate([np.ravel(r) for r in rows])
        scale = {"vmin": float(np.percentile(values, 1)), "vmax": float(np.percentile(values, 99))}
        spectrogram = True
    elif spectrogram:
        specs = [[_log_spectrogram(s[0]) for s in r] for r in rows]
        hi = max(float(sp.max()) for r in specs for sp in r)
        scale = {"vmin": hi - 4.0, "vmax": hi}  # 80 dB of magnitude range
    if spectrogram:

        def draw(ax, r: int, i: int) -> None:
            _bare_image(ax, specs[r][i], origin="lower", aspect="auto", cmap="magma", **scale)

    else:

        def draw(ax, r: int, i: int) -> None:
            ax.plot(rows[r][i][0], lw=0.8, color="black")
            ax.tick_params(labelsize=7)

    return _labelled_grid(rows, labels, path, title, draw, cell=(2.6, 1.5), sharey=not spectrogram)


def series_overlay(
    groups: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, title: str = ""
) -> Path:
    """One panel per group ({name: (series (n, L), reconstructions (n, L))}): the series in
    thin lines and their reconstructions dashed, e.g. normal and anomalous heartbeats."""
    fig, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 3.0), dpi=100,
                             sharey=True, squeeze=False)  # fmt: skip
    for ax, (name, (xs, rs)) in zip(axes[0], groups.items()):
        for j, (s, r) in enumerate(zip(xs, rs)):
            color = plt.cm.tab10(j % 10)
            ax.plot(s, lw=0.9, color=color, alpha=0.85)
            ax.plot(r, lw=0.9, color=color, ls="--")
        ax.set_title(f"{name}: {len(xs)} series (solid) and reconstructions (dashed)", fontsize=8)
        ax.set_xlabel("time step", fontsize=8)
        ax.grid(alpha=0.3)
    return _save(fig, path, title)


def column_panels(
    real: dict[str, np.ndarray] | None, generated: dict[str, np.ndarray], path: str | Path,
    title: str = "", max_features: int = 12,
) -> Path:  # fmt: skip
    """One panel per column (the first `max_features`): the generated values over the real
    values' when given, each as a share of its rows. Numbers as histograms on shared bins,
    which span the real values' whole range and the generated values' 0.5th-99.5th
    percentiles (rare generated values beyond them count in the outermost bins); categories
    (text values) as bars side by side."""
    names = list(generated)[:max_features]
    k = len(names)
    cols = min(k, 4)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.2 * rows), dpi=100, squeeze=False)
    for j, ax in enumerate(axes.flat):
        if j >= k:
            ax.axis("off")
            continue
        name = names[j]
        groups = [("generated", np.asarray(generated[name]), "C1")]
        if real is not None:
            groups.insert(0, ("real", np.asarray(real[name]), "C0"))
        if groups[0][1].dtype == object:  # categories: shares, side by side
            cats = sorted(set().union(*(v.tolist() for _, v, _ in groups)))
            width = 0.8 / len(groups)
            for i, (label, v, color) in enumerate(groups):
                shares = [(v == c).mean() if len(v) else 0.0 for c in cats]
                ax.bar(np.arange(len(cats)) + (i - (len(groups) - 1) / 2) * width, shares,
                       width=width, alpha=0.8, color=color, label=label)  # fmt: skip
            ax.set_xticks(np.arange(len(cats)), [str(c)[:12] for c in cats], fontsize=7,
                          rotation=30 if len(cats) > 3 else 0)  # fmt: skip
        else:
            gen_v = groups[-1][1].astype(np.float64)
            lo, hi = np.percentile(gen_v, [0.5, 99.5])
            if real is not None:
                r = groups[0][1].astype(np.float64)
                lo, hi = min(lo, r.min()), max(hi, r.max())
            lo, hi = float(lo), float(hi)
            bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
            for label, v, color in groups:
                v = v.astype(np.float64)
                ax.hist(np.clip(v, bins[0], bins[-1]), bins=bins, alpha=0.55, color=color,
                        weights=np.full(len(v), 1.0 / max(len(v), 1)), label=label)  # fmt: skip
        ax.set_title(str(name), fontsize=8)
        ax.tick_params(labelsize=7)
        if j == 0:
            ax.legend(fontsize=7)
    return _save(fig, path, suptitle=title)


def path_heatmap(
    x: np.ndarray, names: list[str], row_labels: list[str], path: str | Path, title: str = "",
    max_features: int = 40,
) -> Path:  # fmt: skip
    """Rows of a table along a path (e.g. an interpolation), one row per step, as a heatmap of
    the first `max_features` columns in the model's standardized units (0: the training mean)."""
    x = np.asarray(x)[:, :max_features]
    lim = max(float(np.abs(x).max()), 1e-6)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.28 * x.shape[1] + 2.0), 0.3 * len(x) + 1.8),
                           dpi=100)  # fmt: skip
    im = ax.imshow(x, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(x.shape[1]), [str(n) for n in names[: x.shape[1]]], rotation=90, fontsize=7)
    ax.set_yticks(range(len(x)), row_labels, fontsize=7)
    fig.colorbar(im, ax=ax, label="standardized value", shrink=0.8)
    return _save(fig, path, suptitle=title)
