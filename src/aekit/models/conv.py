"""Convolutional autoencoder for images (C, H, W: 2-D convs) and signals (C, L: 1-D convs:
waveforms, time series, spectrograms with one channel per frequency band)."""

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


def check_conv_shape(name: str, input_shape: Sequence[int]) -> tuple[int, ...]:
    """Images (C, H, W) or signals (C, L); tables and text vectors go to the MLP family."""
    if len(input_shape) not in (2, 3):
        raise AekitError(
            f"model {name!r} needs images (C, H, W) or signals (C, L); got samples of shape "
            f"{tuple(input_shape)} (use an mlp model for tables and text)"
        )
    return tuple(int(s) for s in input_shape)


@register("conv", "convolutional autoencoder: 2-D for images, 1-D for signals and spectrograms")
class ConvAutoencoder(Autoencoder):
    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 32,
        channels: Sequence[int] = (32, 64),  # one stride-2 conv per entry
        activation: str = "relu",
        batch_norm: bool = False,  # BatchNorm after each hidden conv layer
        depth: int = 1,  # convs per resolution: 1 stride-2 conv + depth - 1 stride-1 convs
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, **common)
        shape = check_conv_shape("conv", self.input_shape)
        if int(depth) < 1:
            raise AekitError(f"model 'conv' needs depth >= 1 (convs per resolution); got {depth}")
        self.encoder = ConvEncoder(shape, channels, self.latent, activation, batch_norm, depth)
        self.decoder = ConvDecoder(self.latent, channels, shape, activation, batch_norm, depth)
