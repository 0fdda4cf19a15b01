"""Metrics against known answers."""

import math

import numpy as np
import pytest

from aekit.metrics import mse, psnr, reconstruction_metrics, ssim


def test_mse_and_psnr_known_values():
    a = np.zeros((4, 1, 8, 8), dtype=np.float32)
    b = a + 0.1  # every pixel off by 0.1: MSE 0.01, PSNR 20 dB
    assert mse(a, b) == pytest.approx(0.01)
    assert psnr(a, b) == pytest.approx(20.0, abs=1e-4)
    assert psnr(a, a + 0.5, data_range=1.0) == pytest.approx(10 * math.log10(1 / 0.25), abs=1e-4)


def test_ssim_identical_is_one_and_noise_lowers_it():
    rng = np.random.default_rng(0)
    x = rng.random((3, 1, 28, 28)).astype(np.float32)
    assert ssim(x, x) == pytest.approx(1.0, abs=1e-6)
    noise = rng.normal(0, 1, x.shape)
    s1, s3 = (ssim(x, np.clip(x + s * noise, 0, 1).astype(np.float32)) for s in (0.1, 0.3))
    assert 1.0 > s1 > s3


def test_ssim_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    x = rng.random((2, 28, 28)).astype(np.float32)
    y = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1).astype(np.float32)
    ref = np.mean([
        skm.structural_similarity(x[i], y[i], data_range=1.0, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False)
        for i in range(2)
    ])  # fmt: skip
    assert ssim(x, y) == pytest.approx(ref, abs=1e-4)


def test_reconstruction_metrics_tables_have_no_psnr():
    x = np.zeros((5, 3), dtype=np.float32)
    m = reconstruction_metrics(x, x + 1, "table")
    assert m == {"mse": pytest.approx(1.0), "psnr": None, "ssim": None}


def test_representation_metrics_known_answers():
    from aekit import metrics

    rng = np.random.default_rng(0)
    # 3 directions with large variance, 7 with almost none: 3 effective dimensions
    z = np.concatenate([rng.normal(0, 10, (500, 3)), rng.normal(0, 1e-3, (500, 7))], 1)
    assert metrics.effective_dims(z) == 3
    assert metrics.effective_dims(np.ones((20, 4))) == 0
    y = np.repeat([0, 1], 250)
    sep = rng.normal(0, 0.1, (500, 2)) + y[:, None] * 10.0  # two far-apart clusters
    assert metrics.silhouette(sep, y) > 0.9
    assert abs(metrics.silhouette(sep, rng.permutation(y))) < 0.05  # labels unrelated to space
    assert metrics.knn_test_accuracy(sep[::2], y[::2], sep[1::2], y[1::2]) == 1.0
    assert metrics.probe_accuracy(sep[::2], y[::2], sep[1::2], y[1::2]) == 1.0
    assert metrics.knn_test_accuracy(sep[::2], rng.permutation(y)[::2], sep[1::2], y[1::2]) < 0.7


def test_evaluate_reports_representation_metrics(digits):
    from aekit import build_model, fit
    from aekit.tasks import evaluate
    from aekit.training import TrainConfig

    m = build_model("conv", seed=0, input_shape=digits.sample_shape, latent=8)
    fit(m, digits, TrainConfig(epochs=5, progress=False))
    res = evaluate(m, digits)
    assert {"probe_accuracy", "knn_accuracy", "silhouette", "trustworthiness",
            "effective_dims"} <= set(res)  # fmt: skip
    assert res["probe_accuracy"] > 0.5 and res["knn_accuracy"] > 0.5  # chance is 0.1
    assert 1 <= res["effective_dims"] <= 8


def test_per_class_breakdown_adds_up():
    from aekit.tasks.evaluate import per_class

    rng = np.random.default_rng(0)
    x = rng.random((60, 1, 4, 4)).astype(np.float32)
    recon = x.copy()
    y = np.repeat([0, 1, 2], 20)
    recon[y == 1] += 0.1  # only class "b" is reconstructed with an error, 0.1 everywhere
    res = per_class(x, recon, y, "image", ["a", "b", "c"])
    assert set(res) == {"a", "b", "c"} and res["b"]["n"] == 20
    assert res["a"]["mse"] == 0 and res["b"]["mse"] == pytest.approx(0.01, rel=1e-4)
    assert res["b"]["psnr"] == pytest.approx(20.0, abs=1e-3)


def _zero_gaussian_vae():
    """A VAE whose encoder outputs the prior (mu 0, logvar 0) and whose decoder outputs mean 0
    with sigma 1 whatever z is: every importance weight equals log N(x; 0, I) exactly."""
    import torch

    from aekit import build_model

    m = build_model("vae", input_shape=(1, 6, 6), latent=3, hidden=[], output="linear")
    for p in m.parameters():
        torch.nn.init.zeros_(p)
    return m


def test_vae_likelihood_known_answer():
    import torch

    from aekit.metrics import vae_likelihood

    x = torch.randn(9, 1, 6, 6, generator=torch.Generator().manual_seed(1))
    expected = float((0.5 * x.flatten(1).pow(2).sum(1) + 36 / 2 * math.log(2 * math.pi)).mean())
    r = vae_likelihood(_zero_gaussian_vae(), x, k=20, batch_rows=4)
    assert r["likelihood"] == "gaussian" and r["iw_samples"] == 20
    assert r["iw_nll"] == pytest.approx(expected, rel=1e-6)
    assert r["elbo"] == pytest.approx(-expected, rel=1e-6)


def test_iw_bound_is_tighter_than_elbo_and_equal_at_k1(digits):
    from aekit import build_model
    from aekit.metrics import vae_likelihood

    m = build_model("vae", input_shape=digits.sample_shape, latent=4, hidden=[32], output="sigmoid")
    x = digits.x_test[:50]
    one = vae_likelihood(m, x, k=1)
    assert one["iw_nll"] == pytest.approx(-one["elbo"], rel=1e-9)
    many = vae_likelihood(m, x, k=200)
    assert many["iw_nll"] < -many["elbo"]


def test_frechet_distance_known_answers():
    from aekit.metrics import frechet_distance

    a = np.random.default_rng(0).normal(size=(500, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.array([1.0, -2.0, 0.5, 0.0])
    assert frechet_distance(a, a + shift) == pytest.approx(float((shift**2).sum()), rel=1e-6)
    # scaling by 2: tr(S + 4S - 2 * 2S) + |mu - 2 mu|^2 = tr(S) + |mu|^2
    expected = np.trace(np.cov(a, rowvar=False)) + float((a.mean(0) ** 2).sum())
    assert frechet_distance(a, 2 * a) == pytest.approx(expected, rel=1e-6)


def test_precision_recall_known_answers():
    from aekit.metrics import precision_recall

    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 5))
    assert precision_recall(real, real) == (1.0, 1.0)
    far = rng.normal(size=(200, 5)) + 100.0
    assert precision_recall(real, far) == (0.0, 0.0)
    half = np.concatenate([real[:100], far[:100]])  # half the fakes lie on real samples
    assert precision_recall(real, half)[0] == 0.5
    with pytest.raises(ValueError, match="more than 3"):
        precision_recall(real[:3], real)


def test_class_histogram_known_answer():
    from aekit.metrics import class_histogram

    pred = np.array([0] * 6 + [1] * 3 + [2])  # 60%, 30%, 10% of 10 samples; classes 3, 4 empty
    h = class_histogram(pred, 5)
    assert h["class_shares"] == pytest.approx([0.6, 0.3, 0.1, 0.0, 0.0])
    assert h["class_coverage"] == 3 and h["max_class_share"] == pytest.approx(0.6)
    assert class_histogram(pred, 5, min_share=0.2)["class_coverage"] == 2


def test_knn_accuracy_caps_k_at_the_smallest_training_fold():
    """Three samples per class give training folds of four: k = 5 would fail in every fold, and
    scikit-learn would quietly score each fold NaN."""
    import warnings

    from aekit.metrics import knn_accuracy

    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 0.1, (3, 2)), rng.normal(5, 0.1, (3, 2))]
    y = np.r_[np.zeros(3, int), np.ones(3, int)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        acc = knn_accuracy(x, y, k=5)
    assert np.isfinite(acc) and 0.0 <= acc <= 1.0
    assert knn_accuracy(np.r_[x, x + 0.01], np.r_[y, y], k=5) == 1.0  # folds big enough: k = 5
