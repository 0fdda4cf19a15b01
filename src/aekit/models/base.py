"""The one interface every aekit model has: encode, decode, forward, loss -> named terms."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import AekitError
from ..regularizers import Noise, Sparsity

OUTPUTS = ("sigmoid", "linear", "softmax")
MULTINOMIAL_LOSSES = ("multinomial", "multinomial-binary")  # softmax outputs over features
RECON_LOSSES = ("mse", "l1", "bce", "psnr", *MULTINOMIAL_LOSSES)
CODE_ACTIVATIONS = ("linear", "relu", "sigmoid")


def fence(values: torch.Tensor, k: float) -> torch.Tensor:
    """Tukey's upper fence Q3 + k x IQR of `values` (B,), as a constant (no gradient). Where
    the IQR is 0 (most of a batch alike, e.g. duplicated rows) the fence would cut every row
    that differs at all, so it is +inf there: every row counts."""
    v = values.detach().float()
    q1, q3 = torch.quantile(v, torch.tensor([0.25, 0.75], device=v.device))
    return torch.where(q3 > q1, q3 + k * (q3 - q1), torch.full_like(q3, float("inf")))


def inside_fence(values: torch.Tensor, k: float) -> torch.Tensor:
    """0/1 weights (B,): 1 for the `values` at or below their fence. (Weights, not a boolean
    index, so that a GPU need not wait to learn how many rows are kept.)"""
    return (values.detach() <= fence(values, k)).to(values.dtype)


def kept_mean(values: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """The mean of the `values` (B,) of the rows `keep` (0/1) keeps: gradients reach those."""
    return (values * keep).sum() / keep.sum()


class Model(nn.Module):
    """What every registered model shares with the training loop and checkpoints.

    Class attributes a family may change:
      has_encoder  False for models that only generate (a GAN): tasks that encode refuse them
      select_best  False where no loss says which epoch is best (adversarial games): `fit`
                   keeps the last epoch and ignores early stopping
      default_lr   the peak learning rate `fit` uses when the TrainConfig gives none
      default_schedule  the learning-rate schedule `fit` uses when the TrainConfig gives none
    """

    has_encoder: bool = True
    select_best: bool = True
    default_lr: float = 2e-3
    default_schedule: str = "cosine"
    registry_name: str = ""
    config: dict = {}  # filled by registry.build_model: every constructor argument, JSON-able
    input_shape: tuple[int, ...]
    latent: int

    def parameter_groups(self) -> dict[str, list]:
        """Which parameters each loss group updates; one optimizer per group in `fit`, stepped
        in this order on every batch. An entry is a parameter or a dict {"params": [...],
        "lr_scale": s, ...} (other keys, e.g. Adam's "betas", go to the optimizer)."""
        return {"main": list(self.parameters())}

    def on_epoch_start(self, epoch: int) -> None:
        """Hook for schedules that live in the model (e.g. KL warm-up)."""

    def after_step(self, group: str) -> None:
        """Hook after each optimizer step of `group` (e.g. a running average of weights)."""

    def num_parameters(self) -> int:
        """The parameters training updates (a GAN's averaged generator, a copy that no
        optimizer sees, is not counted)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def check_input(self, shape: Sequence[int]) -> None:
        """AekitError unless samples of `shape` fit this model."""
        shape = tuple(int(s) for s in shape)
        if shape != self.input_shape and not (
            len(self.input_shape) == 1 and math.prod(shape) == self.input_shape[0]
        ):
            raise AekitError(
                f"model {self.registry_name or type(self).__name__!r} expects samples of shape "
                f"{self.input_shape}, got {shape}"
            )


class Autoencoder(Model):
    """Base class: subclasses set `self.encoder` ((B, *input_shape) -> (B, latent), pre-activation)
    and `self.decoder` ((B, latent) -> (B, *input_shape), pre-activation "logits").

    Options shared by every family:
      noise     corruption of the inputs during training only (denoising), e.g. "gaussian:0.3"
      sparsity  penalty on code activations, e.g. "l1:1e-4" or "kl:0.05"
      output    "sigmoid" for data in [0, 1] (images), "linear" for standardized tables,
                "softmax" for non-negative rows of unit L2 norm (TF-IDF): the softmax of the
                logits, rescaled to unit L2 norm
      recon_loss "mse", "l1" (mean absolute error: rows far from the rest pull less),
                 "bce" (needs output="sigmoid"), "psnr" (the mean over samples of
                 10 log10 of each sample's MSE: minimizing it maximizes the mean per-image PSNR)
                 or "multinomial" (needs output="softmax"; non-negative data such as TF-IDF:
                 the cross-entropy of the input's weights, normalized to sum to 1, against the
                 softmax of the logits, i.e. a document's words as a distribution) or
                 "multinomial-binary" (the same with every present feature weighted equally: the
                 set of words a document uses, as CountVectorizer(binary=True) counts them)
      trim      robust training on data that holds outliers (anomaly detection): in each
                training batch, rows whose loss lies beyond Tukey's fence Q3 + trim x IQR of
                the batch's per-row losses are left out of it (3: Tukey's "far out"), so the
                model does not learn to reconstruct the few rows unlike the rest. None: every
                row counts. Validation losses and scores use every row.
    """

    encoder: nn.Module
    decoder: nn.Module

    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int,
        noise: str | None = None,
        sparsity: str | None = None,
        output: str = "sigmoid",
        recon_loss: str = "mse",
        code_activation: str | None = None,
        trim: float | None = None,
    ):
        super().__init__()
        if trim is not None and not trim > 0:
            raise AekitError(f"trim must be > 0 (Tukey's fence, e.g. 3), got {trim}")
        if int(latent) != latent or latent < 1:  # 2.5 was read as 2
            raise AekitError(f"latent size must be a positive integer, got {latent}")
        if output not in OUTPUTS:
            raise AekitError(f"output must be one of {OUTPUTS}, got {output!r}")
        if recon_loss not in RECON_LOSSES:
            raise AekitError(f"recon_loss must be one of {RECON_LOSSES}, got {recon_loss!r}")
        if recon_loss == "bce" and output != "sigmoid":
            raise AekitError("recon_loss 'bce' needs output 'sigmoid' (data in [0, 1])")
        if recon_loss in MULTINOMIAL_LOSSES and output != "softmax":
            raise AekitError(f"recon_loss {recon_loss!r} needs output 'softmax' (text, counts)")
        self.input_shape = tuple(int(s) for s in input_shape)
        self.latent = int(latent)
        self.noise = Noise.parse(noise)
        self.sparsity = Sparsity.parse(sparsity)
        self.output = output
        self.recon_loss = recon_loss
        self.trim = None if trim is None else float(trim)
        default_act = self.sparsity.code_activation if self.sparsity else "linear"
        self.code_activation = code_activation or default_act
        if self.code_activation not in CODE_ACTIVATIONS:
            raise AekitError(f"code_activation must be one of {CODE_ACTIVATIONS}")
        if self.sparsity and self.sparsity.kind == "kl" and self.code_activation != "sigmoid":
            raise AekitError("KL sparsity needs sigmoid code activations (activations in (0, 1))")

    # -- the interface ---------------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, *input_shape) -> codes (B, latent)."""
        return self._code_act(self.encoder(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """codes (B, latent) -> reconstructions (B, *input_shape) in data space."""
        return self._out_act(self.decoder(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor, group: str = "main") -> dict[str, torch.Tensor]:
        """Named loss terms for a clean batch x; "loss" is the total that `group` minimizes
        ("kept", with `trim` while training, is the share of rows inside the fence)."""
        logits, code = self.logits_and_code(self.corrupt(x))
        terms = self.recon_terms(logits, x)
        loss = terms["recon"]
        if self.sparsity is not None:
            terms["sparsity"] = self.sparsity.penalty(code)
            loss = loss + terms["sparsity"]
        terms["loss"] = loss
        return terms

    # -- helpers ---------------------------------------------------------------------------
    def logits_and_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pre-activation outputs and codes (B, latent) for inputs x, in one pass: what `loss`
        scores. A family whose decoder needs more than the code overrides this."""
        code = self.encode(x)
        return self.decoder(code), code

    def reconstruct_and_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstructions (B, *input_shape) in data space and codes (B, latent), one pass."""
        logits, code = self.logits_and_code(x)
        return self._out_act(logits), code

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        """Training-time corruption; with sigmoid outputs (data in [0, 1]) the corrupted input
        is clipped to [0, 1] too, as a noisy image would be."""
        if not (self.training and self.noise is not None):
            return x
        if self.output != "sigmoid":
            return self.noise(x)
        return self.noise(x, (0.0, 1.0)).clamp(0.0, 1.0)

    def recon_terms(self, logits: torch.Tensor, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The reconstruction term a batch trains on, "recon": `reconstruction_loss`, or while
        training with `trim`, the mean of the per-row losses inside the batch's fence, with
        "kept", the share of rows inside it."""
        if self.trim is None or not self.training:
            return {"recon": self.reconstruction_loss(logits, x)}
        rows = self.row_losses(logits, x)
        keep = inside_fence(rows, self.trim)
        return {"recon": kept_mean(rows, keep), "kept": keep.mean()}

    def reconstruction_loss(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Mean over elements: MSE (or absolute error) of the output against x, or BCE with
        logits; the PSNR and multinomial losses as documented on the class. Equal to the mean
        of `row_losses` (every row has as many elements), reduced in one step."""
        if self.recon_loss == "bce":
            return F.binary_cross_entropy_with_logits(logits, x)
        if self.recon_loss == "l1":
            return F.l1_loss(self._out_act(logits), x)
        if self.recon_loss == "mse":
            return F.mse_loss(self._out_act(logits), x)
        return self.row_losses(logits, x).mean()

    def row_losses(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Each row's reconstruction loss (B,), as `reconstruction_loss` averages them."""
        if self.recon_loss == "bce":
            return (
                F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).mean(1)
            )
        if self.recon_loss == "l1":
            return (self._out_act(logits) - x).abs().flatten(1).mean(1)
        if self.recon_loss in ("mse", "psnr"):
            mse = (self._out_act(logits) - x).flatten(1).pow(2).mean(1)
            return mse if self.recon_loss == "mse" else 10.0 * torch.log10(mse + 1e-8)  # -PSNR
        w = x.flatten(1)  # multinomial: the input's weights as a distribution
        if bool((w < 0).any()):
            raise AekitError(f"recon_loss {self.recon_loss!r} needs non-negative inputs (TF-IDF)")
        if self.recon_loss == "multinomial-binary":  # every present feature alike
            w = (w > 0).to(w.dtype)
        target = w / w.sum(1, keepdim=True).clamp_min(1e-12)
        return -(target * torch.log_softmax(logits.flatten(1), 1)).sum(1)

    def _out_act(self, logits: torch.Tensor) -> torch.Tensor:
        if self.output == "softmax":  # a distribution, rescaled to unit L2 norm like TF-IDF rows
            p = torch.softmax(logits.flatten(1), 1)
            return (p / p.norm(dim=1, keepdim=True).clamp_min(1e-12)).view_as(logits)
        return torch.sigmoid(logits) if self.output == "sigmoid" else logits

    def _code_act(self, h: torch.Tensor) -> torch.Tensor:
        if self.code_activation == "relu":
            return F.relu(h)
        if self.code_activation == "sigmoid":
            return torch.sigmoid(h)
        return h
