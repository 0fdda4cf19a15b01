"""Several autoencoders side by side, trained in one loop: a committee.

The code is the members' codes concatenated; a reconstruction is the mean of the members'
reconstructions. `AnomalyDetector(n_models=N)` builds one and scores each row by the members'
errors, each scaled by its own training scores, averaged: members that start from different
weights (and here, different code sizes) err differently on normal rows, and alike on anomalies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..errors import AekitError
from ..registry import build_model, get_entry, register
from .base import Autoencoder


@register(
    "ensemble",
    "several autoencoders side by side: codes concatenated, outputs averaged (AnomalyDetector)",
    role="ensemble",  # a building block of the detector, not one of the families `train` lists
)
class Ensemble(Autoencoder):
    def __init__(
        self,
        input_shape: Sequence[int],
        members: Sequence[dict[str, Any]] = (
            {"model": "mlp", "latent": 4},
            {"model": "mlp", "latent": 2},
        ),
        output: str = "linear",
    ):
        if len(members) < 1:
            raise AekitError("an ensemble needs at least one member")
        built = []
        for m in members:
            cfg = {k: v for k, v in dict(m).items() if k not in ("model", "input_shape", "output")}
            name = str(dict(m).get("model", "mlp"))
            if get_entry(name).role != "autoencoder" or name == "ensemble":
                raise AekitError(f"ensemble members are autoencoders; {name!r} is not one")
            built.append(build_model(name, input_shape=input_shape, output=output, **cfg))
        super().__init__(input_shape, sum(b.latent for b in built), output=output)
        self.members = nn.ModuleList(built)
        self.sizes = [b.latent for b in built]

    @property
    def autoencoders(self) -> list[Autoencoder]:
        return list(self.members)  # type: ignore[arg-type]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([m.encode(x) for m in self.autoencoders], 1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        parts = torch.split(z, self.sizes, 1)
        return torch.stack([m.decode(p) for m, p in zip(self.autoencoders, parts)]).mean(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.autoencoders]).mean(0)

    def loss(self, x: torch.Tensor, group: str = "main") -> dict[str, torch.Tensor]:
        """The sum of the members' own losses (their parameters are disjoint, so each member
        learns as if trained alone on the same batches); "recon" (and "kept") their mean."""
        terms = [m.loss(x) for m in self.autoencoders]
        out = {
            "recon": torch.stack([t["recon"] for t in terms]).mean(),
            "loss": torch.stack([t["loss"] for t in terms]).sum(),
        }
        if all("kept" in t for t in terms):  # members that trim: their mean share kept
            out["kept"] = torch.stack([t["kept"] for t in terms]).mean()
        return out

    def on_epoch_start(self, epoch: int) -> None:
        for m in self.autoencoders:
            m.on_epoch_start(epoch)

    def check_input(self, shape: Sequence[int]) -> None:
        for m in self.autoencoders:
            m.check_input(shape)
