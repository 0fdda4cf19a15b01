"""The Fashion-MNIST feature network of the evaluation suite.

A small CNN classifier, trained once by `bench/featurenet.py` through the one training loop and
shipped inside the package (safetensors + JSON, under 1 MB; no download). Generated samples are
compared with real images in the space of its penultimate layer (Fréchet distance, precision and
recall), and its predicted classes give the class histogram of generated samples, which makes
mode collapse visible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import atomic_write_bytes, read_tensors, tensor_bytes, write_json
from .errors import AekitError
from .models.base import Model
from .models.layers import random_shift

ASSET_DIR = Path(__file__).parent / "assets"
ASSET = "fmnist_featurenet"
INPUT_SHAPE = (1, 28, 28)


class FeatureNet(Model):
    """Three conv-BN-ReLU-maxpool stages, a 128-unit feature layer, a linear head."""

    def __init__(
        self,
        channels: Sequence[int] = (32, 64, 128),
        features: int = 128,
        n_classes: int = 10,
        dropout: float = 0.3,
        augment_shift: int = 2,  # training only: random shifts of up to this many pixels
    ):
        super().__init__()
        self.config: dict[str, Any] = {
            "channels": list(channels),
            "features": int(features),
            "n_classes": int(n_classes),
            "dropout": float(dropout),
            "augment_shift": int(augment_shift),
        }
        layers: list[nn.Module] = []
        c_in, side = INPUT_SHAPE[0], INPUT_SHAPE[1]
        for c in channels:
            layers += [
                nn.Conv2d(c_in, c, 3, padding=1),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            c_in, side = c, side // 2
        self.conv = nn.Sequential(*layers)
        self.fc = nn.Linear(c_in * side * side, features)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(features, n_classes)
        self.augment_shift = int(augment_shift)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 28, 28) in [0, 1] -> (B, features), non-negative."""
        return F.relu(self.fc(self.conv(x).flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))

    # What `aekit.training.fit` asks of a model:
    def loss(
        self, x: torch.Tensor, group: str = "main", y: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        if y is None:
            raise AekitError("the feature network trains on labels: pass targets to fit")
        logits = self(random_shift(x, self.augment_shift) if self.training else x)
        ce = F.cross_entropy(logits, y)
        return {"ce": ce, "error": (logits.argmax(1) != y).float().mean(), "loss": ce}

    def check_input(self, shape: Sequence[int]) -> None:
        if tuple(shape) != INPUT_SHAPE:
            raise AekitError(f"the feature network takes {INPUT_SHAPE} images, got {tuple(shape)}")


def save(net: FeatureNet, directory: str | Path, info: dict[str, Any]) -> Path:
    """Write <directory>/fmnist_featurenet.safetensors and .json (config, SHA-256, `info`)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    data = tensor_bytes(state)
    atomic_write_bytes(d / f"{ASSET}.safetensors", data)
    meta = {"config": net.config, "weights_sha256": hashlib.sha256(data).hexdigest(), **info}
    write_json(d / f"{ASSET}.json", meta)
    return d / f"{ASSET}.json"


@lru_cache(maxsize=2)
def load(directory: str | None = None) -> tuple[FeatureNet, dict[str, Any]]:
    """The shipped feature network (eval mode, CPU) and its JSON record (test accuracy, recipe)."""
    d = Path(directory) if directory else ASSET_DIR
    meta_path = d / f"{ASSET}.json"
    if not meta_path.is_file():
        raise AekitError(
            f"{meta_path} is missing: the Fashion-MNIST feature network ships with aekit; "
            "rebuild it with 'python bench/featurenet.py'"
        )
    meta = json.loads(meta_path.read_text())
    net = FeatureNet(**meta["config"])
    net.load_state_dict(read_tensors(d / f"{ASSET}.safetensors", meta["weights_sha256"]))
    return net.eval(), meta


@torch.no_grad()
def embed(x: np.ndarray | torch.Tensor, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Features (N, 128) and predicted classes (N,) of images (N, 1, 28, 28) in [0, 1]."""
    net, _ = load()
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32))
    net.check_input(xt.shape[1:])
    feats, preds = [], []
    for i in range(0, len(xt), batch_size):
        f = net.features(xt[i : i + batch_size])
        feats.append(f.numpy())
        preds.append(net.head(f).argmax(1).numpy())
    if not feats:
        return np.zeros((0, net.config["features"]), np.float32), np.zeros(0, np.int64)
    return np.concatenate(feats), np.concatenate(preds)
