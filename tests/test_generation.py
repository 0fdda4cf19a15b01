"""Generation metrics with the shipped Fashion-MNIST feature network: the network itself, and
the metrics on generators whose answer is known (real images replayed; one image repeated)."""

import shutil

import numpy as np
import pytest
import torch

from aekit import featurenet, load_dataset
from aekit.errors import AekitError
from aekit.tasks.evaluate import generation_applies, generation_metrics

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


def test_generation_applies_only_to_samplers_on_fashion_mnist(digits):
    assert not generation_applies(Replay(digits.x_train), digits)  # digits: no feature network
