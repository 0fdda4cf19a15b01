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
