"""Fully connected autoencoders: under- or overcomplete by the latent size; optionally tied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..registry import register
from .base import Autoencoder
from .layers import MLPDecoder, MLPEncoder


@register(
    "stacked",
    "stacked autoencoder with tied weights: the decoder reuses the encoder's weights transposed",
    tied=True,
)
@register(
    "mlp", "fully connected autoencoder; any hidden sizes; latent < or > input (under/overcomplete)"
)
class MLPAutoencoder(Autoencoder):
    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 32,
        hidden: Sequence[int] = (512, 256),  # encoder sizes; the decoder mirrors them
        activation: str = "relu",
        tied: bool = False,  # decoder = transposed encoder weights (about half the parameters)
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, **common)
        self.encoder = MLPEncoder(self.input_shape, hidden, self.latent, activation)
        self.decoder = MLPDecoder(
            self.latent, hidden, self.input_shape, activation, self.encoder if tied else None
        )
