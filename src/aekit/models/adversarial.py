"""Adversarial models: a DCGAN for images and an adversarial autoencoder (AAE).

Both train in the one loop of `aekit.training.fit`: `parameter_groups` names the parameters of
each player and `loss(x, group)` returns the loss that player minimizes, so the loop steps
"discriminator" and then "generator" (or "main", the AAE's autoencoder) on every batch.

The GAN's stabilisers are independent flags (each is off at its neutral value): spectral
normalisation of the discriminator (Miyato et al. 2018), one-sided label smoothing (real
targets 1 - s, Salimans et al. 2016), two time-scale learning rates (TTUR: the discriminator
learns at `lr_d_scale` times the generator's rate, Heusel et al. 2017) and the R1 gradient
penalty on real images (Mescheder et al. 2018). The loss is the non-saturating one.
Separately, `ema` keeps an exponential moving average of the generator's weights, which
generates in eval mode (Yazici et al. 2019).

Defaults are the best recipe measured on Fashion-MNIST (bench/gan.py, README "Adversarial
models"): R1 (gamma 1) as the only stabiliser, `ema` 0.998, lr 2e-3 held constant. The other
three stabilisers made every GAN tried there worse.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import AekitError
from ..registry import register
from .base import Autoencoder, Model
from .conv import check_image_shape
from .layers import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder

GAN_BETAS = (0.5, 0.999)  # Adam's betas for adversarial players (Radford et al. 2016)


def _check_stabilisers(label_smoothing: float, lr_d_scale: float, r1: float = 0.0) -> None:
    if not 0.0 <= label_smoothing < 0.5:
        raise AekitError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}")
    if lr_d_scale <= 0:
        raise AekitError(f"lr_d_scale must be > 0, got {lr_d_scale}")
    if r1 < 0:
        raise AekitError(f"r1 must be >= 0, got {r1}")


def _half(n: int) -> int:
    return (n + 1) // 2


@contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """No parameter gradients for `module` inside the block (gradients still flow through it)."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, f in zip(module.parameters(), flags):
            p.requires_grad_(f)


def discriminator_terms(
    real_logit: torch.Tensor, fake_logit: torch.Tensor, label_smoothing: float
) -> dict[str, torch.Tensor]:
    """The discriminator's binary cross-entropy (real -> 1 - smoothing, fake -> 0) and its
    accuracy on each side (logit > 0 means "real")."""
    real_t = torch.full_like(real_logit, 1.0 - label_smoothing)
    loss = F.binary_cross_entropy_with_logits(real_logit, real_t) + F.softplus(fake_logit).mean()
    return {
        "loss": loss,
        "acc_real": (real_logit > 0).float().mean().detach(),
        "acc_fake": (fake_logit < 0).float().mean().detach(),
    }


class ImageDiscriminator(nn.Module):
    """(B, C, H, W) -> (B,) logits: 4x4 stride-2 convs with LeakyReLU(0.2), then a linear map;
    optionally every layer spectrally normalised."""

    def __init__(self, shape: Sequence[int], channels: Sequence[int], spectral_norm: bool):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm if spectral_norm else (lambda m: m)
        c, h, w = shape
        layers: list[nn.Module] = []
        for ch in channels:
            layers += [sn(nn.Conv2d(c, ch, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            c, h, w = ch, h // 2, w // 2
        if h < 1 or w < 1:
            raise AekitError(f"images of {tuple(shape)} are too small for {len(channels)} layers")
        self.convs = nn.Sequential(*layers)
        self.fc = sn(nn.Linear(c * h * w, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.convs(x).flatten(1)).squeeze(1)


class ImageGenerator(nn.Module):
    """(B, latent) -> (B, C, H, W) logits: a linear map to a small feature map (the DCGAN's
    first transposed conv from 1x1), then 4x4 stride-2 transposed convs (each doubles H and W),
    BatchNorm and ReLU after each but the last; cropped to H, W. `channels` run from the
    largest (first) to the smallest."""

    def __init__(self, latent: int, channels: Sequence[int], shape: Sequence[int]):
        super().__init__()
        c_out, self.h, self.w = shape
        rev = list(channels)
        h0, w0 = self.h, self.w
        for _ in rev:
            h0, w0 = _half(h0), _half(w0)
        self.start = (rev[0], h0, w0)
        self.fc = nn.Sequential(nn.Linear(latent, math.prod(self.start), bias=False))
        self.norm0 = nn.Sequential(nn.BatchNorm2d(rev[0]), nn.ReLU())
        layers: list[nn.Module] = []
        outs = [*rev[1:], c_out]
        for i, (a, b) in enumerate(zip(rev, outs)):
            last = i == len(outs) - 1
            layers.append(nn.ConvTranspose2d(a, b, 4, stride=2, padding=1, bias=last))
            if not last:
                layers += [nn.BatchNorm2d(b), nn.ReLU()]
        self.deconvs = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.norm0(self.fc(z).view(z.shape[0], *self.start))
        return self.deconvs(h)[:, :, : self.h, : self.w]


def _average_from_live_generator(state: dict, prefix: str, *_: Any) -> None:
    """Loading weights saved without an averaged generator (runs from before `ema` existed,
    whose model.json has no `ema` and so gets the default): the average starts as a copy of the
    live generator, so such a run generates exactly as it did."""
    if f"{prefix}ema_updates" in state:
        return
    live = f"{prefix}generator."
    for k in [k for k in state if k.startswith(live)]:
        state[f"{prefix}generator_ema." + k[len(live) :]] = state[k].clone()
    state[f"{prefix}ema_updates"] = torch.zeros((), dtype=torch.long)


@register("gan", "DCGAN for images: generates, has no encoder; stabilisers selectable",
          role="generator")  # fmt: skip
class GAN(Model):
    """A generator G(z), z ~ N(0, I), and a discriminator D(x) playing the non-saturating game.
    Images in [0, 1] (the generator ends in a sigmoid)."""

    has_encoder = False
    select_best = False  # neither player's loss says which epoch generates best
    default_lr = 2e-3  # with the constant schedule: FD 0.41-0.42x the conv VAE in 10 epochs
    default_schedule = "constant"

    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 64,  # size of the noise vector z
        channels: Sequence[int] = (64, 128),  # discriminator convs, one stride-2 conv each
        g_channels: Sequence[int]
        | None = None,  # generator, largest first; None: 2x channels reversed
        spectral_norm: bool = False,  # spectral normalisation of every discriminator layer
        label_smoothing: float = 0.0,  # one-sided: real targets are 1 - this (0: off)
        lr_d_scale: float = 1.0,  # TTUR: the discriminator's lr over the generator's (1: off)
        r1: float = 1.0,  # gamma of the R1 penalty gamma/2 E|grad D(x_real)|^2 (0: off)
        ema: float = 0.998,  # decay of a moving average of G's weights that generates (0: off)
        output: str = "sigmoid",
    ):
        super().__init__()
        if output != "sigmoid":
            raise AekitError("the gan generates images in [0, 1]; it needs output 'sigmoid'")
        if int(latent) != latent or latent < 1:  # 2.5 was read as 2
            raise AekitError(f"latent size must be a positive integer, got {latent}")
        _check_stabilisers(label_smoothing, lr_d_scale, r1)
        if not 0.0 <= ema < 1.0:
            raise AekitError(f"ema must be in [0, 1), got {ema}")
        self.input_shape = check_image_shape("gan", input_shape)
        self.latent = int(latent)
        self.output = output
        self.label_smoothing = float(label_smoothing)
        self.lr_d_scale = float(lr_d_scale)
        self.r1 = float(r1)
        g_channels = g_channels or [2 * c for c in reversed(channels)]
        if len(g_channels) < 1 or len(channels) < 1:
            raise AekitError("channels and g_channels need at least one layer each")
        self.generator = ImageGenerator(self.latent, g_channels, self.input_shape)
        self.discriminator = ImageDiscriminator(self.input_shape, channels, spectral_norm)
        self.ema = float(ema)
        if self.ema > 0:  # a copy that no optimizer sees; after_step moves it towards G
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)
            self.register_buffer("ema_updates", torch.zeros((), dtype=torch.long))
            self._register_load_state_dict_pre_hook(_average_from_live_generator)

    def after_step(self, group: str) -> None:
        """After each generator step: ema_weights += (1 - d) (weights - ema_weights), with the
        decay d = min(ema, (1 + t) / (10 + t)) at update t, so that the random initial weights
        fade fast in short runs (below about 9 / (1 - ema) updates this warm-up, not `ema`,
        sets d); BatchNorm's running statistics are copied."""
        if group != "generator" or self.ema == 0:
            return
        with torch.no_grad():
            updates: torch.Tensor = self.ema_updates  # type: ignore[assignment]
            t = float(updates)
            d = min(self.ema, (1.0 + t) / (10.0 + t))
            for avg, w in zip(self.generator_ema.parameters(), self.generator.parameters()):
                avg.lerp_(w, 1.0 - d)
            for avg_buf, buf in zip(self.generator_ema.buffers(), self.generator.buffers()):
                avg_buf.copy_(buf)
            updates.add_(1)

    def parameter_groups(self) -> dict[str, list]:
        d = {"params": list(self.discriminator.parameters()), "lr_scale": self.lr_d_scale,
             "betas": GAN_BETAS}  # fmt: skip
        g = {"params": list(self.generator.parameters()), "betas": GAN_BETAS}
        return {"discriminator": [d], "generator": [g]}

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Noise vectors (B, latent) -> images (B, C, H, W) in [0, 1]; in eval mode by the
        averaged generator when `ema` is on."""
        g = self.generator_ema if self.ema > 0 and not self.training else self.generator
        return torch.sigmoid(g(z))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise AekitError("a gan has no encoder: it generates, but cannot encode or reconstruct")

    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n noise vectors z ~ N(0, I): (n, latent)."""
        device = next(self.parameters()).device
        return torch.randn(n, self.latent, generator=generator).to(device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n new images (n, C, H, W)."""
        return self.decode(self.prior(n, generator))

    def loss(self, x: torch.Tensor, group: str = "main") -> dict[str, torch.Tensor]:
        """ "discriminator": its cross-entropy (+ R1) on x against fresh fakes, and its accuracy;
        "generator": the non-saturating loss -log D(G(z)); "main" (validation): both, no
        gradients."""
        b = len(x)
        z = torch.randn(b, self.latent, device=x.device)
        if group == "generator":
            with frozen(self.discriminator):
                return {"loss": F.softplus(-self.discriminator(self.decode(z))).mean()}
        if group not in ("discriminator", "main"):
            raise AekitError(
                f"the gan has loss groups 'discriminator' and 'generator', not {group!r}"
            )
        with torch.no_grad():
            fake = self.decode(z)
        use_r1 = group == "discriminator" and self.r1 > 0
        if use_r1:
            x = x.detach().requires_grad_(True)
        real_logit = self.discriminator(x)
        fake_logit = self.discriminator(fake)
        terms = discriminator_terms(real_logit, fake_logit, self.label_smoothing)
        if use_r1:
            (grad,) = torch.autograd.grad(real_logit.sum(), x, create_graph=True)
            terms["r1"] = grad.pow(2).flatten(1).sum(1).mean()
            terms["loss"] = terms["loss"] + 0.5 * self.r1 * terms["r1"]
        if group == "main":
            terms["g_loss"] = F.softplus(-fake_logit).mean()
        return terms


class LatentDiscriminator(nn.Module):
    """(B, latent) -> (B,) logits: an MLP telling prior samples from encoded codes."""

    def __init__(self, latent: int, hidden: Sequence[int]):
        super().__init__()
        self.net = MLPEncoder((latent,), hidden, 1, "relu")

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).squeeze(1)


AAE_CHANNELS, AAE_HIDDEN = (32, 64), (512, 256)


@register(
    "aae", "adversarial autoencoder: codes pushed to N(0, I) by a latent discriminator; generates"
)
class AdversarialAutoencoder(Autoencoder):
    """A deterministic autoencoder (convolutional for images, MLP for tables) whose encoder
    also plays against a discriminator on the codes, so that codes of the data look like
    samples of the prior N(0, I) (Makhzani et al. 2016); decoding prior samples generates."""

    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 8,
        channels: Sequence[int] = AAE_CHANNELS,  # images and signals: one stride-2 conv each
        hidden: Sequence[int] = AAE_HIDDEN,  # tables: hidden layer sizes
        activation: str = "relu",
        critic_hidden: Sequence[int] = (256, 256),  # the latent discriminator's layers
        adv_weight: float = 0.001,  # weight of the encoder's adversarial loss beside recon
        label_smoothing: float = 0.0,
        lr_d_scale: float = 1.0,
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, **common)
        if self.sparsity is not None:
            raise AekitError("the aae's code is shaped by its prior; sparsity does not apply")
        if adv_weight < 0:
            raise AekitError(f"adv_weight must be >= 0, got {adv_weight}")
        _check_stabilisers(label_smoothing, lr_d_scale)
        self.adv_weight = float(adv_weight)
        self.label_smoothing = float(label_smoothing)
        self.lr_d_scale = float(lr_d_scale)
        conv = len(self.input_shape) in (2, 3)  # signals (C, L) and images (C, H, W)
        unused = ("hidden", hidden, AAE_HIDDEN) if conv else ("channels", channels, AAE_CHANNELS)
        if tuple(unused[1]) != unused[2]:  # it would be ignored: say so instead
            raise AekitError(
                f"the aae on samples of shape {tuple(self.input_shape)} is "
                f"{'convolutional' if conv else 'an MLP'}; {unused[0]} does not apply (give "
                f"{'channels' if conv else 'hidden'})"
            )
        if conv:
            self.encoder = ConvEncoder(self.input_shape, channels, self.latent, activation)
            self.decoder = ConvDecoder(self.latent, channels, self.input_shape, activation)
        else:
            self.encoder = MLPEncoder(self.input_shape, hidden, self.latent, activation)
            self.decoder = MLPDecoder(self.latent, hidden, self.input_shape, activation)
        self.critic = LatentDiscriminator(self.latent, critic_hidden)

    def parameter_groups(self) -> dict[str, list]:
        ae = [p for n, p in self.named_parameters() if not n.startswith("critic.")]
        d = {"params": list(self.critic.parameters()), "lr_scale": self.lr_d_scale,
             "betas": GAN_BETAS}  # fmt: skip
        return {"main": ae, "discriminator": [d]}

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n new samples decoded from the prior N(0, I): (n, *input_shape)."""
        device = next(self.parameters()).device
        return self.decode(torch.randn(n, self.latent, generator=generator).to(device))

    def loss(self, x: torch.Tensor, group: str = "main") -> dict[str, torch.Tensor]:
        """ "main": reconstruction + adv_weight * (the encoder's non-saturating loss against
        the critic); "discriminator": the critic's cross-entropy, prior samples vs codes. In
        eval mode (validation) "loss" is the reconstruction alone: the adversarial term rises
        as the critic learns, so only the reconstruction says which epoch is best."""
        if group == "discriminator":
            with torch.no_grad():
                code = self.encode(self.corrupt(x))
            prior = torch.randn_like(code)
            return discriminator_terms(self.critic(prior), self.critic(code), self.label_smoothing)
        logits, code = self.logits_and_code(self.corrupt(x))
        terms = self.recon_terms(logits, x)
        with frozen(self.critic):
            terms["adversarial"] = F.softplus(-self.critic(code)).mean()
        weight = self.adv_weight if self.training else 0.0
        terms["loss"] = terms["recon"] + weight * terms["adversarial"]
        return terms
