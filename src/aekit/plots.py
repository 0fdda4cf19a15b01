"""Figures a person can inspect: training curves and reconstruction grids (PNG, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .training import History  # noqa: E402


def _save(fig, path: str | Path, suptitle: str = "", tight: bool = True) -> Path:
    """Title, layout, write the PNG and free the figure (every figure ends here)."""
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    if tight:
        fig.tight_layout()
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


def _to_hwc(img: np.ndarray) -> np.ndarray:
    """(C, H, W) in [0, 1] -> (H, W) or (H, W, 3) for imshow."""
    img = np.clip(img, 0.0, 1.0)
    return img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)


def image_rows(
    rows: list[np.ndarray], labels: list[str], path: str | Path, title: str = ""
) -> Path:
    """A grid: one row per array of images (N, C, H, W), labelled on the left; shorter rows
    leave blank cells."""
    n = max(len(r) for r in rows)
    fig, axes = plt.subplots(
        len(rows), n, figsize=(1.2 * n, 1.3 * len(rows)), dpi=100, squeeze=False
    )
    for r, (imgs, label) in enumerate(zip(rows, labels)):
        for i in range(n):
            ax = axes[r][i]
            if i >= len(imgs):
                ax.axis("off")
                continue
            ax.imshow(_to_hwc(imgs[i]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_ylabel(label, fontsize=9)
    return _save(fig, path, suptitle=title)


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
