"""Generation metrics with the shipped Fashion-MNIST feature network (the network itself), and
in the data's own space elsewhere: the metrics on generators whose answer is known (real
samples replayed; one sample repeated; noise)."""

import shutil

import numpy as np
import pytest
import torch

from aekit import featurenet, load_dataset
from aekit.data.base import make_dataset
from aekit.errors import AekitError
from aekit.tasks.evaluate import classifier_features_apply, generation_applies, generation_metrics

from .conftest import needs_fmnist


@pytest.fixture(scope="module")
def fmnist():
    return load_dataset("fashion-mnist", seed=0)


class Replay:
    """An ideal generator: returns real training images."""

    def __init__(self, x: np.ndarray):
        self.x = torch.from_numpy(x)

    def sample(self, n, generator=None):
        return self.x[torch.randint(len(self.x), (n,), generator=generator)]


class Collapsed(Replay):
    """Mode collapse: every sample is the same image."""

    def sample(self, n, generator=None):
        return self.x[:1].expand(n, *self.x.shape[1:]).clone()


def test_shipped_network_is_small_and_checked():
    net, meta = featurenet.load()
    size = (featurenet.ASSET_DIR / f"{featurenet.ASSET}.safetensors").stat().st_size
    assert size < 1_100_000 and net.num_parameters() == meta["num_parameters"]
    assert meta["test_accuracy"] >= 0.90


def test_damaged_or_missing_network_is_refused(tmp_path):
    with pytest.raises(AekitError, match="ships with aekit"):
        featurenet.load(str(tmp_path))
    for suffix in (".json", ".safetensors"):
        shutil.copy(featurenet.ASSET_DIR / f"{featurenet.ASSET}{suffix}", tmp_path)
    weights = tmp_path / f"{featurenet.ASSET}.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[-10] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(AekitError, match="checksum"):
        featurenet.load(str(tmp_path))


@needs_fmnist
def test_network_accuracy_is_what_it_records(fmnist):
    _, meta = featurenet.load()
    feats, pred = featurenet.embed(fmnist.x_test)
    assert feats.shape == (10_000, 128) and (feats >= 0).all()
    assert float((pred == fmnist.y_test).mean()) == pytest.approx(meta["test_accuracy"], abs=2e-3)


@needs_fmnist
def test_real_images_score_near_the_floor_and_cover_every_class(fmnist):
    m = generation_metrics(Replay(fmnist.x_train), fmnist, n=2000)
    assert m["generated_n"] == 2000
    assert m["frechet_distance"] < 2 * m["frechet_floor"] + 0.5
    assert m["precision"] > 0.9 * m["precision_floor"] and m["recall"] > 0.9 * m["recall_floor"]
    assert m["class_coverage"] == 10 and m["max_class_share"] < 0.15
    assert sum(m["generated_class_shares"]) == pytest.approx(1.0)


@needs_fmnist
def test_mode_collapse_is_visible(fmnist):
    m = generation_metrics(Collapsed(fmnist.x_train), fmnist, n=2000)
    ideal = generation_metrics(Replay(fmnist.x_train), fmnist, n=2000)
    assert m["class_coverage"] == 1 and m["max_class_share"] == 1.0
    assert m["frechet_distance"] > 10 * ideal["frechet_distance"]
    assert m["recall"] < 0.05


def test_other_data_is_judged_in_its_own_scaled_space(digits):
    """Digits (64 pixels) and a 300-wide table: no feature network, so samples are compared
    in the data itself (PCA-128 beyond 128 values); the floors are real half vs real half."""
    assert generation_applies(Replay(digits.x_train), digits)
    assert not classifier_features_apply(digits)
    ideal = generation_metrics(Replay(digits.x_train), digits, n=2000)
    assert ideal["generation_space"] == "data" and ideal["generated_n"] == len(digits.x_test) // 2
    assert "class_coverage" not in ideal
    assert ideal["frechet_distance"] < 2 * ideal["frechet_floor"]
    assert abs(ideal["precision"] - ideal["precision_floor"]) < 0.15
    assert abs(ideal["recall"] - ideal["recall_floor"]) < 0.15
    collapsed = generation_metrics(Collapsed(digits.x_train), digits, n=2000)
    assert (
        collapsed["recall"] < 0.05 and collapsed["frechet_distance"] > 5 * ideal["frechet_distance"]
    )
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(600, 8)) @ rng.normal(size=(8, 300))
    table = make_dataset("wide", "table", wide.astype(np.float32), None, seed=0,
                         val_fraction=0.0, test_fraction=0.5)  # fmt: skip
    m = generation_metrics(Replay(table.x_train), table)
    assert m["generation_space"] == "data, PCA to 128 dims"
    assert m["frechet_distance"] < 2 * m["frechet_floor"] + 1e-6
    noise = generation_metrics(Replay(rng.normal(size=(200, 300)).astype(np.float32)), table)
    assert noise["precision"] < 0.05 and noise["frechet_distance"] > 10 * m["frechet_distance"]
