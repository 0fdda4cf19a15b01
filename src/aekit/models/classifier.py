"""A classifier made of any registered autoencoder's encoder and a linear head on its codes.

The semi-supervised recipe: pre-train the autoencoder on unlabeled data, copy its weights into
`backbone`, then fine-tune encoder + head on the few labels with cross-entropy (`fit` passes
the labels as `y`). The same class with fresh weights is the from-scratch baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import AekitError
from ..registry import build_model, register
from .base import Model
from .layers import random_shift


def check_head_options(
    dropout: float, head_hidden: int, encoder_lr_scale: float, augment_shift: int,
    label_smoothing: float = 0.0,
) -> None:  # fmt: skip
    """AekitError for fine-tuning options out of range (the classifier's and FinetuneConfig's)."""
    if not 0.0 <= dropout < 1.0 or not 0.0 <= label_smoothing < 1.0:
        raise AekitError(
            f"dropout and label_smoothing must be in [0, 1), got {dropout} and {label_smoothing}"
        )
    if head_hidden < 0:
        raise AekitError(f"head_hidden must be >= 0, got {head_hidden}")
    if encoder_lr_scale < 0 or augment_shift < 0:
        raise AekitError("encoder_lr_scale and augment_shift must be >= 0")


@register(
    "classifier",
    "encoder of any autoencoder + a linear head on its codes (aekit finetune)",
    role="classifier",
)
class Classifier(Model):
    def __init__(
        self,
        input_shape: Sequence[int],
        n_classes: int,
        backbone: str = "mlp",  # a registered autoencoder; its encoder is used
        backbone_config: dict[str, Any] | None = None,
        dropout: float = 0.0,  # on the codes, before the head
        label_smoothing: float = 0.0,
        encoder_lr_scale: float = 1.0,  # the encoder learns at this fraction of the head's rate
        augment_shift: int = 0,  # images: random shifts of up to this many pixels in training
        recon_weight: float = 0.0,  # > 0: also minimize the autoencoder's own loss (all rows)
        head_hidden: int = 0,  # > 0: a hidden layer of this size in the head (else linear)
    ):
        super().__init__()
        if int(n_classes) < 2:
            raise AekitError(f"a classifier needs at least 2 classes, got {n_classes}")
        check_head_options(dropout, head_hidden, encoder_lr_scale, augment_shift, label_smoothing)
        cfg = {k: v for k, v in (backbone_config or {}).items() if k != "input_shape"}
        self.backbone = build_model(backbone, input_shape=input_shape, **cfg)
        self.input_shape = self.backbone.input_shape
        self.latent = self.backbone.latent
        self.n_classes = int(n_classes)
        self.dropout = nn.Dropout(dropout)
        self.head: nn.Module = (
            nn.Sequential(
                nn.Linear(self.latent, head_hidden),
                nn.ReLU(),
                nn.Dropout(dropout),
                nn.Linear(head_hidden, self.n_classes),
            )  # fmt: skip
            if head_hidden
            else nn.Linear(self.latent, self.n_classes)
        )
        self.label_smoothing = float(label_smoothing)
        self.encoder_lr_scale = float(encoder_lr_scale)
        if recon_weight < 0:
            raise AekitError("recon_weight must be >= 0")
        self.recon_weight = float(recon_weight)
        self.augment_shift = int(augment_shift)
        if self.augment_shift and len(self.input_shape) != 3:
            raise AekitError("augment_shift applies to images (C, H, W)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (B, n_classes)."""
        return self.head(self.dropout(self.backbone.encode(x)))

    def loss(
        self, x: torch.Tensor, group: str = "main", y: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Cross-entropy on the labelled rows (y >= 0; y = -1 marks unlabelled rows), plus
        recon_weight x the autoencoder's loss on every row when recon_weight > 0."""
        if y is None:
            raise AekitError("a classifier trains on labels: pass targets to fit")
        labelled = y >= 0
        terms: dict[str, torch.Tensor] = {}
        zero = x.new_zeros(())
        if bool(labelled.any()):
            xl, yl = x[labelled], y[labelled]
            logits = self(self._augment(xl) if self.training else xl)
            terms["ce"] = F.cross_entropy(logits, yl, label_smoothing=self.label_smoothing)
            terms["error"] = (logits.argmax(1) != yl).float().mean()
        else:
            terms["ce"], terms["error"] = zero, zero
        total = terms["ce"]
        if self.recon_weight > 0:
            terms["recon"] = self.backbone.loss(x)["loss"]
            total = total + self.recon_weight * terms["recon"]
        terms["loss"] = total
        return terms

    def parameter_groups(self) -> dict[str, list[Any]]:
        """Encoder and head only: the decoder is kept (weights load as saved) but never trained."""
        enc = list(self.backbone.encoder.parameters())
        if self.recon_weight > 0:  # the decoder trains too
            enc = list(self.backbone.parameters())
        if self.encoder_lr_scale == 1.0:
            return {"main": enc + list(self.head.parameters())}
        return {
            "main": [
                {"params": enc, "lr_scale": self.encoder_lr_scale},
                {"params": list(self.head.parameters()), "lr_scale": 1.0},
            ]
        }

    def check_input(self, shape: Sequence[int]) -> None:
        self.backbone.check_input(shape)

    def num_parameters(self) -> int:
        """Parameters used for prediction: encoder and head."""
        enc = self.backbone.encoder.parameters()
        return sum(p.numel() for p in enc) + sum(p.numel() for p in self.head.parameters())

    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        return random_shift(x, self.augment_shift)

    def load_backbone(self, autoencoder: nn.Module) -> None:
        """Start from a pre-trained autoencoder's weights (same family and config)."""
        self.backbone.load_state_dict(autoencoder.state_dict())

    def predict_proba(self, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
        """Class probabilities (N, n_classes), in eval mode, batched on the model's device."""
        from ..metrics import batched

        if len(x) == 0:
            return torch.zeros(0, self.n_classes)
        return torch.from_numpy(batched(self, lambda b: torch.softmax(self(b), 1), x, batch_size))
