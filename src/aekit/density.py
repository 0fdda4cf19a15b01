"""A Gaussian mixture over codes: how typical a row's code is among the training codes.

Fitted by scikit-learn's GaussianMixture (full covariances), then kept as plain numbers
(weights, means, Cholesky factors of the precisions) so it saves as JSON and scores in torch
without scikit-learn or pickle. AnomalyDetector adds its negative log-likelihood to the
reconstruction error: a row can reconstruct well and still sit where few training rows do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch


class CodeDensity:
    def __init__(self, weights: Any, means: Any, precisions_cholesky: Any):
        self.weights = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        self.means = torch.as_tensor(np.asarray(means, dtype=np.float64))
        self.prec_chol = torch.as_tensor(np.asarray(precisions_cholesky, dtype=np.float64))
        d = self.means.shape[1]  # what every score needs, once: the means in whitened space,
        self._means_w = torch.einsum("kd,kde->ke", self.means, self.prec_chol)  # and per
        self._log_norm = (  # component log(weight) + log det(precision)^(1/2) - d/2 log(2 pi)
            torch.log(self.weights)
            + torch.log(torch.diagonal(self.prec_chol, dim1=1, dim2=2)).sum(1)
            - 0.5 * d * math.log(2 * math.pi)
        )

    @classmethod
    def fit(cls, codes: np.ndarray, components: int = 5, seed: int = 0) -> CodeDensity:
        """A mixture of up to `components` full-covariance Gaussians (fewer when there are
        fewer distinct codes), with a small ridge so that flat directions stay finite."""
        from sklearn.mixture import GaussianMixture

        codes = np.asarray(codes, dtype=np.float64)
        k = max(1, min(components, len(np.unique(codes, axis=0))))
        g = GaussianMixture(k, covariance_type="full", reg_covar=1e-4, random_state=seed)
        g.fit(codes)
        return cls(g.weights_, g.means_, g.precisions_cholesky_)

    def nll(self, codes: torch.Tensor) -> torch.Tensor:
        """Negative log-density of each code (n, d) -> (n,), float64."""
        y = torch.einsum("nd,kde->nke", codes.double(), self.prec_chol) - self._means_w
        return -torch.logsumexp(self._log_norm - 0.5 * y.pow(2).sum(2), dim=1)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": self.weights.tolist(), "means": self.means.tolist(),
                "precisions_cholesky": self.prec_chol.tolist()}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CodeDensity:
        return cls(d["weights"], d["means"], d["precisions_cholesky"])
