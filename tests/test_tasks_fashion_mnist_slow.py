"""The tasks on Fashion-MNIST with small, quickly trained models (run with `make test-slow`).

Thresholds are far below what bench/ measures with fully trained models: these check that the
tasks work end to end on the real data, not the benchmark targets.
"""

import pytest

from aekit.cli import main
from aekit.tasks.common import read_summary

from .conftest import needs_fmnist

pytestmark = [pytest.mark.slow, needs_fmnist]


@pytest.fixture(scope="module")
def dae(tmp_path_factory):
    out = tmp_path_factory.mktemp("fm") / "dae"
    argv = ["train", "fashion-mnist", "--model", "conv", "--latent", "64", "--noise", "gaussian:0.3",
            "--epochs", "3", "--limit", "20000", "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return out


def test_denoise_beats_noise_and_filters(dae, tmp_path):
    out = tmp_path / "dn"
    assert main(["denoise", str(dae), "--out", str(out), "--baselines", "median,gaussian",
                 "--no-progress"]) == 0  # fmt: skip
    s = read_summary(out)
    assert s["images"] == 1000 and abs(s["psnr_noisy"] - 12.8) < 0.1  # the noisy figure
    assert s["psnr_denoised"] > s["psnr_noisy"] + 6
    assert s["psnr_denoised"] > s["baselines"]["median"] + 2


def test_compress_undercuts_jpeg(dae, tmp_path):
    f = tmp_path / "fm.aekz"
    assert main(["compress", str(dae), "fashion-mnist", "--quality", "60", "--out", str(f)]) == 0
    s = read_summary(tmp_path)
    assert s["images"] == 10000
    # this 3-epoch denoising model reconstructs clean images at about 18.9 dB; JPEG q10 takes
    # 3,263 bits per image (21.8 dB)
    assert s["psnr"] > 18.5 and s["bits_per_image"] < 3263 / 4


def test_embed_and_finetune(dae, tmp_path):
    assert (
        main(["embed", str(dae), "--map", "tsne", "--n", "2000", "--out", str(tmp_path / "m")]) == 0
    )
    assert read_summary(tmp_path / "m")["knn_accuracy"] > 0.65
    assert main(["finetune", str(dae), "--labels", "500", "--seeds", "0", "--epochs", "10",
                 "--out", str(tmp_path / "f"), "--no-progress"]) == 0  # fmt: skip
    acc = read_summary(tmp_path / "f")["accuracy"]
    assert acc["finetuned"] > 0.65 and acc["svm"] > 0.65
