"""Variational autoencoders (MLP and convolutional): Gaussian posterior, reparameterization,
Bernoulli or Gaussian likelihood, a beta weight on the KL term with linear warm-up, sample(n)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import AekitError
from ..registry import register
from .base import Autoencoder, inside_fence, kept_mean
from .conv import check_conv_shape
from .layers import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder

LIKELIHOODS = ("bernoulli", "gaussian")
_LOG_2PI = math.log(2 * math.pi)


class VAEBase(Autoencoder):
    """Subclasses set `self.encoder` (-> 2*latent: mean and log-variance) and `self.decoder`."""

    def _init_vae(self, likelihood: str | None, beta: float, warmup_epochs: int) -> None:
        if self.sparsity is not None:
            raise AekitError(
                "sparsity applies to deterministic codes (mlp, conv, stacked); "
                "a VAE's KL term already regularizes its code"
            )
        likelihood = likelihood or ("bernoulli" if self.output == "sigmoid" else "gaussian")
        if likelihood not in LIKELIHOODS:
            raise AekitError(f"likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        if likelihood == "bernoulli" and self.output != "sigmoid":
            raise AekitError("a Bernoulli likelihood needs data in [0, 1] (output 'sigmoid')")
        if beta < 0 or warmup_epochs < 0:
            raise AekitError("beta and warmup_epochs must be >= 0")
        self.likelihood = likelihood
        self.beta = float(beta)
        self.warmup_epochs = int(warmup_epochs)
        self.kl_weight = self.beta if self.warmup_epochs == 0 else 0.0
        # Gaussian likelihood: one learned output scale (log sigma), shared by all features.
        self.log_sigma = nn.Parameter(torch.zeros(())) if likelihood == "gaussian" else None

    def on_epoch_start(self, epoch: int) -> None:
        """KL warm-up: the KL weight grows linearly to beta over `warmup_epochs` epochs."""
        if self.warmup_epochs:
            self.kl_weight = self.beta * min(1.0, (epoch + 1) / (self.warmup_epochs + 1))

    def encode_dist(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, *input_shape) -> posterior mean and log-variance, each (B, latent)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The posterior mean: a deterministic code for embedding and downstream tasks."""
        return self.encode_dist(x)[0]

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    def nll(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per sample (B,), summed over features, in nats."""
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        mean = self._out_act(logits)
        assert self.log_sigma is not None
        z2 = ((x - mean) * torch.exp(-self.log_sigma)) ** 2
        return (0.5 * z2 + self.log_sigma + 0.5 * _LOG_2PI).flatten(1).sum(1)

    @staticmethod
    def kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL(q(z|x) || N(0, I)) per sample (B,)."""
        return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)

    def loss(self, x: torch.Tensor, group: str = "main") -> dict[str, torch.Tensor]:
        """Negative ELBO per sample (mean over the batch); in eval mode the KL weight is beta.
        With `trim`, training leaves out the rows whose negative ELBO lies beyond the batch's
        fence (see Autoencoder)."""
        mu, logvar = self.encode_dist(self.corrupt(x))
        z = self.reparameterize(mu, logvar)
        nll, kl = self.nll(self.decoder(z), x), self.kl(mu, logvar)
        weight = self.kl_weight if self.training else self.beta
        if self.trim is not None and self.training:  # the rows inside the fence of -ELBO
            keep = inside_fence(nll + weight * kl, self.trim)
            nll, kl = kept_mean(nll, keep), kept_mean(kl, keep)
            return {"nll": nll, "kl": kl, "loss": nll + weight * kl, "kept": keep.mean()}
        nll, kl = nll.mean(), kl.mean()
        return {"nll": nll, "kl": kl, "loss": nll + weight * kl}

    @torch.no_grad()
    def log_weights(
        self, x: torch.Tensor, k: int, generator: torch.Generator | None = None, chunk: int = 100
    ) -> torch.Tensor:
        """Importance weights log p(x, z_i) - log q(z_i | x) of k posterior samples per row:
        (B, k), in nats, with the model's likelihood and beta = 1 (the true ELBO's terms).
        Their mean is an ELBO estimate; log-mean-exp is the importance-weighted bound
        (Burda et al. 2016), which tightens towards log p(x) as k grows."""
        mu, logvar = self.encode_dist(x)
        std = torch.exp(0.5 * logvar)
        b, d = mu.shape
        out = []
        for start in range(0, k, chunk):
            m = min(chunk, k - start)
            eps = torch.randn(b, m, d, generator=generator).to(mu.device)
            z = mu[:, None] + std[:, None] * eps  # (B, m, d)
            xr = x[:, None].expand(b, m, *x.shape[1:]).reshape(b * m, *x.shape[1:])
            log_px_z = -self.nll(self.decoder(z.reshape(b * m, d)), xr).view(b, m)
            log_pz = -0.5 * (z.pow(2) + _LOG_2PI).sum(2)
            log_qz = -0.5 * (eps.pow(2) + logvar[:, None] + _LOG_2PI).sum(2)
            out.append(log_px_z + log_pz - log_qz)
        return torch.cat(out, 1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n new samples (their means) from the prior: (n, *input_shape)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent, generator=generator).to(device)
        return self.decode(z)


@register("vae", "variational autoencoder (MLP): generative, Bernoulli or Gaussian likelihood")
class MLPVAE(VAEBase):
    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 16,
        hidden: Sequence[int] = (512, 256),
        activation: str = "relu",
        likelihood: str | None = None,  # None: bernoulli for [0, 1] data, gaussian otherwise
        beta: float = 1.0,  # weight of the KL term (beta-VAE when != 1)
        warmup_epochs: int = 0,  # KL weight ramps from 0 to beta over this many epochs
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, **common)
        self._init_vae(likelihood, beta, warmup_epochs)
        self.encoder = MLPEncoder(self.input_shape, hidden, 2 * self.latent, activation)
        self.decoder = MLPDecoder(self.latent, hidden, self.input_shape, activation)


@register("conv-vae", "convolutional variational autoencoder (2-D images, 1-D signals): generative")
class ConvVAE(VAEBase):
    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 16,
        channels: Sequence[int] = (32, 64),
        activation: str = "relu",
        likelihood: str | None = None,
        beta: float = 1.0,
        warmup_epochs: int = 0,
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, **common)
        self._init_vae(likelihood, beta, warmup_epochs)
        shape = check_conv_shape("conv-vae", self.input_shape)
        self.encoder = ConvEncoder(shape, channels, 2 * self.latent, activation)
        self.decoder = ConvDecoder(self.latent, channels, shape, activation)
