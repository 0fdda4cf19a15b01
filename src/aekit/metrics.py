"""Metrics of reconstruction (MSE, PSNR, SSIM; pixels in [0, 1] for images), of codes (probe,
kNN, silhouette, trustworthiness, effective dimensionality), of VAE likelihood (ELBO and the
importance-weighted bound) and of generated samples (Fréchet distance, precision and recall,
class coverage)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .rows import SparseRows, is_sparse


def _t(x: Any) -> torch.Tensor:
    return (
        x.detach().float().cpu()
        if isinstance(x, torch.Tensor)
        else torch.as_tensor(np.asarray(x, dtype=np.float32))
    )


def mse(a: Any, b: Any) -> float:
    """Mean squared error over every element."""
    return float(F.mse_loss(_t(a), _t(b)))


def psnr(a: Any, b: Any, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, computed per sample and averaged over samples."""
    a, b = _t(a), _t(b)
    per = (a - b).flatten(1).pow(2).mean(1).clamp_min(1e-12)
    return float((10 * torch.log10(data_range**2 / per)).mean())


def snr(estimate: Any, clean: Any) -> float:
    """Signal-to-noise ratio in dB of an estimate of clean signals (N, C, L), per signal over
    its extent (the zero padding after a short clip is left out), averaged over signals."""
    from .regularizers import signal_extent

    est, ref = _t(estimate), _t(clean)
    ext = signal_extent(ref)
    signal = (ref.pow(2) * ext).flatten(1).sum(1)
    error = ((est - ref).pow(2) * ext).flatten(1).sum(1)
    return float((10 * torch.log10(signal.clamp_min(1e-20) / error.clamp_min(1e-20))).mean())


def _gaussian_window(size: int, sigma: float) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    return g / g.sum()


def ssim(a: Any, b: Any, data_range: float = 1.0, win_size: int = 11, sigma: float = 1.5) -> float:
    """Structural similarity (Wang et al. 2004) of images (N, C, H, W) or (N, H, W), averaged.

    Gaussian window (11x11, sigma 1.5; shrunk to the image for small images), K1 = 0.01,
    K2 = 0.03, population covariances, valid region only: the settings of scikit-image's
    structural_similarity(gaussian_weights=True, use_sample_covariance=False).
    """
    a, b = _t(a), _t(b)
    if a.ndim == 3:
        a, b = a[:, None], b[:, None]
    n, c, h, w = a.shape
    win = min(win_size, h, w)
    win -= 1 - win % 2  # odd
    g = _gaussian_window(win, sigma)
    kernel = (g[:, None] * g[None, :]).expand(c, 1, win, win).contiguous()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    total = 0.0
    for i in range(0, n, 512):
        x, y = a[i : i + 512], b[i : i + 512]

        def filt(t: torch.Tensor) -> torch.Tensor:
            return F.conv2d(t, kernel, groups=c)

        mx, my = filt(x), filt(y)
        sxx = filt(x * x) - mx * mx
        syy = filt(y * y) - my * my
        sxy = filt(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        total += float(s.flatten(1).mean(1).sum())
    return total / n


@torch.no_grad()
def batched(
    model, fn, x: Any, batch_size: int = 1024, progress: bool = False, desc: str = ""
) -> np.ndarray:
    """fn applied to x in batches on the model's device, in eval mode, as a float32 array;
    `progress` shows a bar over the samples (on a terminal or in a notebook)."""
    from .progress import progress_bar

    model.eval()
    device = next(model.parameters()).device
    xt = SparseRows(x) if is_sparse(x) else _t(x)  # sparse rows: dense one batch at a time
    starts = range(0, len(xt), batch_size)
    if progress:  # a bar over the batches, counted in samples
        bar = progress_bar(total=len(xt), desc=desc, unit="sample", leave=False)
        starts = _counted(starts, bar, batch_size, len(xt))
    outs = [fn(xt[i : i + batch_size].to(device)).cpu() for i in starts]
    return torch.cat(outs).numpy()


def _counted(starts: range, bar: Any, step: int, n: int) -> Any:
    """The batch starts, moving `bar` by each batch's samples once it is done; closes it."""
    with bar:
        for i in starts:
            yield i
            bar.update(min(step, n - i))


def reconstruct(model, x: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's reconstructions of x (in scaled data space), as a float32 array."""
    return batched(model, model, x, batch_size)


def row_errors(model, x: Any, batch_size: int = 1024) -> np.ndarray:
    """Each row's mean squared reconstruction error, batch by batch (sparse rows too)."""
    return batched(model, lambda xb: ((model(xb) - xb) ** 2).flatten(1).mean(1), x, batch_size)


def reconstruction_mse(model, x: Any) -> float:
    """The model's mean squared reconstruction error over every element of x. Sparse rows go
    batch by batch (the mean of the rows' means: every row has as many elements), so neither x
    nor its reconstructions are ever dense whole; dense x as mse(reconstruct(x), x)."""
    if not is_sparse(x):
        return mse(reconstruct(model, x), x)
    return float(row_errors(model, x).astype(np.float64).mean())


def encode(model, x: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's codes for x, as a float32 array (N, latent)."""
    return batched(model, model.encode, x, batch_size)


def decode(model, z: Any, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for codes z (N, latent), as a float32 array (N, *input_shape)."""
    return batched(model, model.decode, z, batch_size)


def reconstruction_metrics(x: np.ndarray, recon: np.ndarray, kind: str) -> dict[str, float | None]:
    """mse always; psnr and ssim for images (data range 1); None where they do not apply."""
    out: dict[str, float | None] = {"mse": mse(recon, x), "psnr": None, "ssim": None}
    if kind == "image":
        out["psnr"] = psnr(recon, x)
        out["ssim"] = ssim(recon, x)
    if not math.isfinite(out["mse"] or 0.0):
        out["mse"] = None
    return out


# -- representation: how useful codes (or a map of them) are ---------------------------------
def subsample(n: int, k: int | None, seed: int = 0) -> np.ndarray:
    """Sorted indices of a seeded subset of k out of n (all n when k is None or >= n)."""
    if k is None or n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, k, replace=False))


def probe_accuracy(
    z_train: np.ndarray,
    y_train: np.ndarray,
    z_test: np.ndarray,
    y_test: np.ndarray,
    max_train: int | None = None,
    seed: int = 0,
    max_iter: int = 1000,
) -> float:
    """Test accuracy of logistic regression on standardized codes, fitted on (at most
    `max_train` seeded) training codes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    idx = subsample(len(z_train), max_train, seed)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    probe.fit(z_train[idx], y_train[idx])
    return float(probe.score(z_test, y_test))


def knn_test_accuracy(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, k: int = 5
) -> float:
    """Test accuracy of a k-nearest-neighbour classifier (Euclidean) fitted on training codes."""
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(min(k, len(z_train)))
    return float(knn.fit(z_train, y_train).score(z_test, y_test))


def silhouette(z: np.ndarray, labels: np.ndarray, max_samples: int = 2000, seed: int = 0) -> float:
    """scikit-learn's silhouette score of the classes in code space (-1..1; higher: classes
    form compact, separate clusters), on at most `max_samples` seeded points."""
    from sklearn.metrics import silhouette_score

    return float(
        silhouette_score(z, labels, sample_size=min(max_samples, len(z)), random_state=seed)
    )


def effective_dims(z: np.ndarray, fraction: float = 0.95) -> int:
    """How many principal directions of the codes carry `fraction` of their variance."""
    zc = np.asarray(z, dtype=np.float64) - np.mean(z, axis=0)
    var = np.linalg.svd(zc, compute_uv=False) ** 2
    if var.sum() == 0:
        return 0
    return int(np.searchsorted(np.cumsum(var) / var.sum(), fraction - 1e-12) + 1)


def knn_accuracy(features: np.ndarray, labels: np.ndarray, k: int = 5, seed: int = 0) -> float:
    """Mean stratified 5-fold accuracy of a k-nearest-neighbour classifier on the features (k
    capped at the smallest training fold, so a handful of samples still gives a number)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    from .errors import AekitError

    counts = np.bincount(np.unique(labels, return_inverse=True)[1])
    folds = int(min(5, counts.min()))
    if folds < 2:
        raise AekitError("kNN accuracy needs at least 2 samples of every class")
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    k = min(k, min(len(train) for train, _ in cv.split(features, labels)))
    return float(cross_val_score(KNeighborsClassifier(k), features, labels, cv=cv).mean())


def trustworthiness(
    high: np.ndarray, low: np.ndarray, k: int = 5, seed: int = 0, max_samples: int = 2000
) -> float:
    """scikit-learn's trustworthiness of `low` for `high` (1 = no false neighbours), on at most
    `max_samples` seeded points (it is quadratic in N)."""
    from sklearn.manifold import trustworthiness as tw

    high = np.asarray(high, dtype=np.float32).reshape(len(high), -1)
    idx = subsample(len(high), max_samples, seed)
    return float(tw(high[idx], low[idx], n_neighbors=min(k, len(idx) // 2 - 1)))


def vae_likelihood(
    model, x: Any, k: int = 1000, batch_rows: int | None = None, seed: int = 0,
    progress: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Test ELBO and importance-weighted negative log-likelihood of a VAE, in nats per row.

    Both come from the same k posterior samples per row: `elbo` is the mean log weight,
    `iw_nll` is -(log-mean-exp of the weights), so iw_nll <= -elbo, with equality at k = 1.
    """
    from .progress import progress_bar

    if k < 1:
        raise ValueError("k (importance samples) must be >= 1")
    xt = _t(x)
    device = next(model.parameters()).device
    batch_rows = batch_rows or max(1, 20_000 // k)
    gen = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    elbo, iw = [], []
    steps = range(0, len(xt), batch_rows)
    for i in progress_bar(steps, show=progress, desc=f"IW bound, k={k}", unit="batch", leave=False):
        lw = model.log_weights(xt[i : i + batch_rows].to(device), k, generator=gen).double()
        elbo.append(lw.mean(1).cpu())
        iw.append((torch.logsumexp(lw, 1) - math.log(k)).cpu())
    model.train(was_training)
    return {
        "elbo": float(torch.cat(elbo).mean()),
        "iw_nll": float(-torch.cat(iw).mean()),
        "iw_samples": int(k),
        "likelihood": model.likelihood,
    }


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (rows are samples):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)), the FID formula.

    tr((S_a S_b)^(1/2)) is computed as the sum of square roots of the eigenvalues of the
    symmetric S_a^(1/2) S_b S_a^(1/2), which stays exact when a covariance is singular."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ s_b @ root_a), 0.0, None)).sum()
    d = float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * cross)
    return max(d, 0.0)


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019): precision is the share of
    fake samples inside the real manifold (the union of balls around each real sample reaching
    its k-th nearest real neighbour); recall is the share of real samples inside the fake one."""

    def inside(ref: np.ndarray, query: np.ndarray) -> float:
        ref_t, q_t = (
            torch.as_tensor(ref, dtype=torch.float32),
            torch.as_tensor(query, dtype=torch.float32),
        )
        radii = torch.cat([torch.cdist(ref_t[i : i + 1000], ref_t).kthvalue(k + 1, 1).values
                           for i in range(0, len(ref_t), 1000)])  # fmt: skip
        hits = [(torch.cdist(q_t[i : i + 1000], ref_t) <= radii[None]).any(1)
                for i in range(0, len(q_t), 1000)]  # fmt: skip
        return float(torch.cat(hits).float().mean())

    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples in each set")
    return inside(real, fake), inside(fake, real)


def class_histogram(
    pred: np.ndarray, n_classes: int, min_share: float | None = None
) -> dict[str, Any]:
    """Share of samples per predicted class, how many classes are covered (share at least
    `min_share`, by default a fifth of the uniform share 1/n_classes) and the largest share."""
    counts = np.bincount(np.asarray(pred, np.int64), minlength=n_classes)[:n_classes]
    share = counts / max(1, counts.sum())
    floor = (0.2 / n_classes) if min_share is None else min_share
    return {
        "class_shares": [float(s) for s in share],
        "class_coverage": int((share >= floor).sum()),
        "max_class_share": float(share.max()) if counts.sum() else 0.0,
    }
