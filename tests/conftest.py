import os

import pytest
import torch

torch.set_num_threads(int(os.environ.get("AEKIT_NUM_THREADS", "1")))

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"
SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.fixture(scope="session")
def digits():
    from aekit import load_dataset

    return load_dataset("digits", seed=0)


def fmnist_available() -> bool:
    return os.path.isfile(os.path.join(FMNIST_DIR, "t10k-images-idx3-ubyte.gz"))


needs_fmnist = pytest.mark.skipif(
    not fmnist_available(),
    reason=f"Fashion-MNIST not in {FMNIST_DIR} (apt-get install dataset-fashion-mnist)",
)
