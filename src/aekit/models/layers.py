"""Building blocks shared by the model families: MLP stacks, tied linear layers, conv stacks."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import AekitError

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "elu": nn.ELU, "tanh": nn.Tanh, "silu": nn.SiLU}


def activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise AekitError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def check_sizes(what: str, sizes: Sequence[int]) -> None:
    """AekitError unless every layer size is a positive integer (hidden units, channels)."""
    if any(int(n) != n or n < 1 for n in sizes):
        raise AekitError(f"{what} must be positive integers, got {list(sizes)}")


def random_shift(x: torch.Tensor, s: int) -> torch.Tensor:
    """Images (B, C, H, W), each shifted by its own random (dy, dx) in [-s, s], zeros shifted in."""
    if not s:
        return x
    h, w = x.shape[-2:]
    padded = F.pad(x, (s, s, s, s))
    dy = torch.randint(0, 2 * s + 1, (len(x),), device=x.device)
    dx = torch.randint(0, 2 * s + 1, (len(x),), device=x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    b = torch.arange(len(x), device=x.device)[:, None, None, None]
    c = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[b, c, rows, cols]


class TiedLinear(nn.Module):
    """A linear layer that uses the transpose of another layer's weight (its own bias only)."""

    def __init__(self, tied_to: nn.Linear):
        super().__init__()
        self.tied_to = [
            tied_to
        ]  # a list hides the module from state_dict: the weight is stored once
        self.bias = nn.Parameter(torch.zeros(tied_to.in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.tied_to[0].weight.t(), self.bias)


class MLPEncoder(nn.Module):
    """(B, *input_shape) -> (B, out_dim) through Linear+activation layers."""

    def __init__(self, input_shape: Sequence[int], hidden: Sequence[int], out_dim: int, act: str):
        super().__init__()
        check_sizes("hidden sizes", hidden)
        sizes = [math.prod(input_shape), *hidden, out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.flatten(1)
        for i, lin in enumerate(self.linears):
            h = lin(h)
            if i < len(self.linears) - 1:
                h = self.act(h)
        return h


class MLPDecoder(nn.Module):
    """(B, latent) -> (B, *output_shape); with `tied_to`, reuses that encoder's weights transposed."""

    def __init__(
        self,
        latent: int,
        hidden: Sequence[int],
        output_shape: Sequence[int],
        act: str,
        tied_to: MLPEncoder | None = None,
    ):
        super().__init__()
        self.output_shape = tuple(output_shape)
        if tied_to is not None:
            encoder_linears = [m for m in tied_to.linears if isinstance(m, nn.Linear)]
            self.linears = nn.ModuleList(TiedLinear(lin) for lin in reversed(encoder_linears))
        else:
            sizes = [latent, *reversed(hidden), math.prod(output_shape)]
            self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = activation(act)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = z
        for i, lin in enumerate(self.linears):
            h = lin(h)
            if i < len(self.linears) - 1:
                h = self.act(h)
        return h.view(h.shape[0], *self.output_shape)


def _down(n: int, layers: int) -> int:
    for _ in range(layers):
        n = (n + 1) // 2  # conv k3 s2 p1
    return n


def _conv_classes(ndim: int) -> tuple[type, type, type]:
    """(Conv, ConvTranspose, BatchNorm) for signals (C, L): 1-D, or images (C, H, W): 2-D."""
    if ndim == 1:
        return nn.Conv1d, nn.ConvTranspose1d, nn.BatchNorm1d
    return nn.Conv2d, nn.ConvTranspose2d, nn.BatchNorm2d


def _norm_act(bn: type, ch: int, act: str, norm: bool) -> list[nn.Module]:
    """What follows every hidden conv: BatchNorm (with `norm`), then the activation."""
    return [bn(ch), activation(act)] if norm else [activation(act)]


def _conv_block(
    conv: type, bn: type, c_in: int, c_out: int, stride: int, act: str, norm: bool
) -> list[nn.Module]:
    """A hidden size-3 conv (stride 2 halves every spatial size, stride 1 keeps it), then what
    follows it."""
    return [conv(c_in, c_out, 3, stride=stride, padding=1, bias=not norm),
            *_norm_act(bn, c_out, act, norm)]  # fmt: skip


def _same_convs(conv: type, bn: type, ch: int, n: int, act: str, norm: bool) -> list[nn.Module]:
    """n stride-1 conv blocks that keep `ch` channels and the spatial size."""
    return [m for _ in range(n) for m in _conv_block(conv, bn, ch, ch, 1, act, norm)]


class ConvEncoder(nn.Module):
    """(B, C, L) or (B, C, H, W) -> (B, out_dim): stride-2 size-3 convs (each halves every
    spatial size; with depth > 1, each followed by depth - 1 stride-1 convs of the same width),
    then a linear map. Signals (C, L) get 1-D convs, images 2-D."""

    def __init__(
        self,
        input_shape: Sequence[int],
        channels: Sequence[int],
        out_dim: int,
        act: str,
        norm: bool = False,
        depth: int = 1,
    ):
        super().__init__()
        check_sizes("conv channels", channels)
        c, *spatial = input_shape
        conv, _, bn = _conv_classes(len(spatial))
        layers: list[nn.Module] = []
        for ch in channels:
            layers += _conv_block(conv, bn, c, ch, 2, act, norm)
            layers += _same_convs(conv, bn, ch, depth - 1, act, norm)
            c = ch
        self.convs = nn.Sequential(*layers)
        self.flat_shape = (c, *(_down(s, len(channels)) for s in spatial))
        self.fc = nn.Linear(math.prod(self.flat_shape), out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.convs(x).flatten(1))  # (B, C, *spatial) -> (B, out_dim)


class ConvDecoder(nn.Module):
    """(B, latent) -> (B, C, L) or (B, C, H, W): a linear map, then stride-2 transposed convs
    (with depth > 1, each preceded by depth - 1 stride-1 convs: the encoder's mirror); cropped
    to the output size."""

    def __init__(
        self,
        latent: int,
        channels: Sequence[int],
        output_shape: Sequence[int],
        act: str,
        norm: bool = False,
        depth: int = 1,
    ):
        super().__init__()
        c_out, *spatial = output_shape
        self.spatial = tuple(int(s) for s in spatial)
        conv, deconv, bn = _conv_classes(len(spatial))
        rev = list(reversed(channels))
        self.flat_shape = (rev[0], *(_down(s, len(rev)) for s in spatial))
        self.fc = nn.Sequential(nn.Linear(latent, math.prod(self.flat_shape)), activation(act))
        layers: list[nn.Module] = []
        outs = [*rev[1:], c_out]
        for i, (a, b) in enumerate(zip(rev, outs)):
            last = i == len(outs) - 1  # no norm or activation last: the model adds its own
            layers += _same_convs(conv, bn, a, depth - 1, act, norm)
            layers.append(
                deconv(a, b, 3, stride=2, padding=1, output_padding=1, bias=last or not norm)
            )
            if not last:
                layers += _norm_act(bn, b, act, norm)
        self.deconvs = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(z.shape[0], *self.flat_shape)
        out = self.deconvs(h)  # (B, C, >=L) or (B, C, >=H, >=W)
        if len(self.spatial) == 1:
            return out[:, :, : self.spatial[0]]
        return out[:, :, : self.spatial[0], : self.spatial[1]]
