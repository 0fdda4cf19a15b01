"""Convolutional autoencoder for images (grayscale or RGB, any size)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import AekitError
from ..registry import register
from .base import Autoencoder
from .layers import ConvDecoder, ConvEncoder


def check_image_shape(name: str, input_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise AekitError(
            f"model {name!r} needs images of shape (C, H, W); got samples of shape "
            f"{tuple(input_shape)} (use an mlp model for tables)"
        )
    c, h, w = (int(s) for s in input_shape)
    return c, h, w


@register("conv", "convolutional autoencoder for images (grayscale or RGB)")
class ConvAutoencoder(Autoencoder):
    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 32,
        channels: Sequence[int] = (32, 64),  # one stride-2 conv per entry
        activation: str = "relu",
        batch_norm: bool = False,  # BatchNorm after each hidden conv layer
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, **common)
        shape = check_image_shape("conv", self.input_shape)
        self.encoder = ConvEncoder(shape, channels, self.latent, activation, batch_norm)
        self.decoder = ConvDecoder(self.latent, channels, shape, activation, batch_norm)
