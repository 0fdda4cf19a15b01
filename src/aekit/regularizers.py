"""Regularizers that wrap any model: input corruption (denoising) and code sparsity.

Specs are short strings so they travel through the CLI and the checkpoint JSON unchanged:
  noise:    "gaussian:0.3" (sigma) | "saltpepper:0.1" (p) | "mask:0.25" (p)
            | "snr:5" (white noise 5 dB below each sample's mean power: audio, signals;
            a signal's trailing zero padding gets no noise and does not count)
  sparsity: "l1:1e-4" (weight)     | "kl:0.05" (target rho; weight 1.0) | "kl:0.05:3" (rho, weight)
            L1: the codes' absolute values summed over units; KL: the divergence between rho and
            each unit's mean activation over the batch, averaged over units
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .errors import AekitError


def signal_extent(x: torch.Tensor) -> torch.Tensor:
    """1 where a sample holds signal, 0 elsewhere, shaped like x. For signals (B, C, L): up to
    the last time step where any channel is nonzero, so the zeros that pad short clips to one
    length are left out; other data: everywhere."""
    if x.dim() != 3:
        return torch.ones_like(x)
    nonzero = (x != 0).any(1, keepdim=True).to(x.dtype)
    return nonzero.flip(-1).cummax(-1).values.flip(-1).expand_as(x)


NOISE_KINDS = ("gaussian", "saltpepper", "mask", "snr")
SPARSITY_KINDS = ("l1", "kl")


def _parse(spec: str, what: str, kinds: tuple[str, ...]) -> tuple[str, list[float]]:
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower().replace("-", "").replace("_", "")
    if kind not in kinds:
        raise AekitError(f"{what} {spec!r}: kind must be one of {', '.join(kinds)}")
    try:
        values = [float(v) for v in rest.split(":")] if rest else []
    except ValueError:
        raise AekitError(f"{what} {spec!r}: expected numbers after '{kind}:'") from None
    if not values:
        raise AekitError(f"{what} {spec!r}: give a value, e.g. '{kind}:0.1'")
    return kind, values


@dataclass(frozen=True)
class Noise:
    """Corruption applied to inputs during training only; the loss is taken against clean input."""

    kind: str
    level: float

    @classmethod
    def parse(cls, spec: str | None) -> Noise | None:
        if spec is None or spec == "" or spec == "none":
            return None
        kind, values = _parse(spec, "noise", NOISE_KINDS)
        if len(values) != 1:
            raise AekitError(f"noise {spec!r}: expected one value")
        level = values[0]
        if kind != "snr" and (level < 0 or (kind != "gaussian" and level > 1)):
            raise AekitError(f"noise {spec!r}: level must be in [0, 1] (sigma >= 0 for gaussian)")
        return cls(kind, level)

    def __str__(self) -> str:
        return f"{self.kind}:{self.level:g}"

    def __call__(
        self, x: torch.Tensor, value_range: tuple[float, float] | None = None
    ) -> torch.Tensor:
        """Corrupt x. Salt and pepper take the values of `value_range` (e.g. (0, 1) for images)
        or, without it, the batch's min and max."""
        if self.kind == "gaussian":
            return x + self.level * torch.randn_like(x)
        if self.kind == "snr":  # per sample: noise power = the sample's mean power / 10^(dB/10)
            ext = signal_extent(x)  # a signal's zero padding stays silent and is not counted
            power = (x.pow(2) * ext).flatten(1).sum(1) / ext.flatten(1).sum(1).clamp_min(1.0)
            scale = torch.sqrt(power / 10 ** (self.level / 10)).view(-1, *[1] * (x.dim() - 1))
            return x + torch.randn_like(x) * scale * ext
        if self.kind == "mask":  # masking noise: a fraction p of the inputs set to zero
            return x * (torch.rand_like(x) >= self.level)
        # salt-and-pepper: a fraction p of the inputs set to the low or high value, half each
        u = torch.rand_like(x)
        lo, hi = (x.min(), x.max()) if value_range is None else value_range
        out = torch.where(u < self.level / 2, lo, x)
        return torch.where((u >= self.level / 2) & (u < self.level), hi, out)


@dataclass(frozen=True)
class Sparsity:
    """A penalty on code activations so that only a fraction of code units is active."""

    kind: str
    weight: float  # L1: the penalty's weight; KL: the weight of the KL term
    rho: float = 0.0  # KL only: the target mean activation

    @classmethod
    def parse(cls, spec: str | None) -> Sparsity | None:
        if spec is None or spec == "" or spec == "none":
            return None
        kind, values = _parse(spec, "sparsity", SPARSITY_KINDS)
        if kind == "l1":
            if len(values) != 1 or values[0] < 0:
                raise AekitError(f"sparsity {spec!r}: expected 'l1:WEIGHT' with WEIGHT >= 0")
            return cls("l1", values[0])
        if len(values) not in (1, 2) or not 0 < values[0] < 1 or min(values[1:], default=0) < 0:
            raise AekitError(
                f"sparsity {spec!r}: expected 'kl:RHO[:WEIGHT]' with 0 < RHO < 1 and WEIGHT >= 0"
            )
        return cls("kl", values[1] if len(values) == 2 else 1.0, values[0])

    def __str__(self) -> str:
        return f"l1:{self.weight:g}" if self.kind == "l1" else f"kl:{self.rho:g}:{self.weight:g}"

    @property
    def code_activation(self) -> str:
        """L1 drives ReLU codes to exact zeros; KL compares sigmoid activations with rho."""
        return "relu" if self.kind == "l1" else "sigmoid"

    def penalty(self, code: torch.Tensor) -> torch.Tensor:
        code = code.flatten(1)
        if self.kind == "l1":
            return self.weight * code.abs().sum(1).mean()
        rho_hat = code.mean(0).clamp(1e-6, 1 - 1e-6)  # mean activation of each unit over the batch
        rho = self.rho
        kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
        # averaged over the units, as the reconstruction error is over the inputs: a sum made
        # the penalty grow with the code size and collapse every unit to a constant rho
        return self.weight * kl.mean()


def active_fraction(code: torch.Tensor, activation: str) -> float | None:
    """Measured fraction of code units active per sample (ReLU: > 0; sigmoid: > 0.5).

    Linear codes have no notion of "inactive", so the answer is None.
    """
    if activation == "relu":
        return float((code > 0).float().mean())
    if activation == "sigmoid":
        return float((code > 0.5).float().mean())
    return None
