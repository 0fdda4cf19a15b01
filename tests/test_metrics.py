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
