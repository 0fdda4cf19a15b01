"""Greedy layer-wise pre-training of a fully connected autoencoder: the stacked autoencoder
trained one layer pair at a time (Bengio et al. 2007; Hinton & Salakhutdinov 2006), before
`fit` trains the whole model end to end.

Pair 1 is the first encoder layer and the last decoder layer: a shallow autoencoder of the
inputs, trained on the model's own reconstruction loss. Pair i > 1 is encoder layer i and its
mirror decoder layer, trained (mean squared error) to reconstruct the outputs of the encoder
layers below it, which stay as trained. Each pair is a `LayerPair` that shares its parameters
with the model (tied weights stay tied), so training it trains the model in place; each is
trained by `fit` itself, for `TrainConfig.layerwise_epochs` epochs. Noise, sparsity and trim
apply to the end-to-end training only.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import torch
import torch.nn.functional as F

from .errors import AekitError
from .models.base import Model


def layer_count(model: Any) -> int:
    """The number of layer pairs of a fully connected autoencoder with hidden layers;
    AekitError for any other model."""
    from .models.mlp import MLPAutoencoder

    name = getattr(model, "registry_name", "") or type(model).__name__
    if not isinstance(model, MLPAutoencoder):
        raise AekitError(
            f"layer-wise pre-training applies to fully connected autoencoders (mlp, stacked), "
            f"not {name!r}"
        )
    encoder: Any = model.encoder
    k = len(encoder.linears)
    if k < 2:
        raise AekitError(
            "layer-wise pre-training needs hidden layers (--hidden); this model has none"
        )
    return k


class LayerPair(Model):
    """Encoder layer `i` (0-based) of `model` and its mirror decoder layer, as a shallow
    autoencoder of that layer's inputs; its parameters are the model's own."""

    def __init__(self, model: Any, i: int):
        super().__init__()
        k = layer_count(model)
        self.enc = model.encoder.linears[i]
        self.dec = model.decoder.linears[k - 1 - i]
        self.whole: list[Any] = [model]  # a list hides it from the submodules: only the pair trains
        self.i, self.k = i, k
        self.input_shape = tuple(model.input_shape) if i == 0 else (self.enc.in_features,)
        self.latent = self.enc.out_features
        self.registry_name = f"layer pair {i + 1}"

    def code(self, h: torch.Tensor) -> torch.Tensor:
        """This layer's output, as the whole model computes it: the hidden activation, or the
        code activation for the innermost layer."""
        z = self.enc(h.flatten(1))
        return self.whole[0].encoder.act(z) if self.i < self.k - 1 else self.whole[0]._code_act(z)

    def loss(self, x: torch.Tensor, group: str = "main") -> dict[str, torch.Tensor]:
        r = self.dec(self.code(x))
        if self.i == 0:  # the inputs themselves: the model's own output and loss
            recon = self.whole[0].reconstruction_loss(r.view_as(x), x)
        else:  # a hidden layer's outputs, which pass the hidden activation
            recon = F.mse_loss(self.whole[0].decoder.act(r), x)
        return {"recon": recon, "loss": recon}


@torch.no_grad()
def _codes(pair: LayerPair, x: Any, batch: int = 4096) -> torch.Tensor:
    """The pair's layer outputs for every row of x (a tensor, or SparseRows, which a slice
    makes dense), batch by batch."""
    pair.eval()
    device = next(pair.parameters()).device
    return torch.cat([pair.code(x[i : i + batch].to(device))
                      for i in range(0, len(x), batch)])  # fmt: skip


def pretrain_layerwise(model: Any, x_train: Any, x_val: Any, config: Any, engine: Any = None
                       ) -> list[dict[str, float]]:  # fmt: skip
    """Train `model`'s layer pairs in turn, outermost first, for `config.layerwise_epochs`
    epochs each (the rest of `config` as given); returns one row per pair: layer, input and
    output sizes, epochs, its last train and best validation loss, seconds."""
    from tqdm.auto import tqdm

    from .training import fit

    k = layer_count(model)
    cfg = dataclasses.replace(config, epochs=config.layerwise_epochs, layerwise_epochs=0,
                              patience=None)  # fmt: skip
    rows = []
    for i in range(k):
        pair = LayerPair(model, i)
        if cfg.progress:
            tqdm.write(f"layer pair {i + 1}/{k}: {pair.enc.in_features} -> {pair.latent}")
        t0 = time.perf_counter()
        hist = fit(pair, (x_train, x_val), cfg, engine=engine)
        rows.append({"layer": i + 1, "inputs": pair.enc.in_features, "outputs": pair.latent,
                     "epochs": len(hist.rows), "train_loss": hist.rows[-1]["train_loss"],
                     "val_loss": hist.best.get("val_loss"), "seconds": time.perf_counter() - t0})  # fmt: skip
        if i < k - 1:  # the next pair learns to reconstruct this layer's outputs
            x_train = _codes(pair, x_train)
            x_val = _codes(pair, x_val) if x_val is not None else None
    return rows
