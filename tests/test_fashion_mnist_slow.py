"""Full Fashion-MNIST training: the demo's quality promise (run with `make test-slow`)."""

import json

import pytest

from aekit.cli import main

from .conftest import needs_fmnist


@pytest.mark.slow
@needs_fmnist
def test_demo_run_reaches_its_target(tmp_path):
    out = tmp_path / "demo"
    argv = ["train", "fashion-mnist", "--model", "conv", "--latent", "32", "--epochs", "8", "--batch-size", "32",
            "--seed", "0", "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["test_n"] == 10000
    assert m["test_mse"] <= 0.010, m["test_mse"]
    assert (out / "loss.png").is_file() and (out / "reconstructions.png").is_file()
