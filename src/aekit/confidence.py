"""How sure a thresholded anomaly detector is of each 0/1 call, as PyOD's detectors say it.

ExCeeD (Perini, Vercruyssen and Davis, "Quantifying the confidence of anomaly detectors in
their example-wise predictions", ECML PKDD 2020): a test score's rank among the n training
scores gives, with a uniform prior, the probability that a training set drawn again would
rank the row as an outlier; the confidence is the binomial probability that the row stays on
its side of the threshold, which sits at the n (1 - contamination) -th training score. The
rejection option (Perini, Buzzega and Davis, 2023) declines the calls whose confidence is
below 1 - 2 exp(-T). The formulas are PyOD's `BaseDetector.predict_confidence`,
`predict_with_rejection` and `compute_rejection_stats` (BSD 2-clause), vectorized.
"""

from __future__ import annotations

import numpy as np


def confidence(
    sorted_train: np.ndarray, scores: np.ndarray, contamination: float, threshold: float
) -> np.ndarray:
    """Per row of `scores`, the probability in [0, 1] that the detector would make the same
    0/1 call (score > threshold) had it been fitted on another draw of its training rows.
    `sorted_train`: the training scores in ascending order (sorted once by the caller, not at
    every batch scored)."""
    from scipy.stats import binom

    n = len(sorted_train)
    ranked = np.searchsorted(sorted_train, scores, side="right")  # training scores <= s
    posterior = (1.0 + ranked) / (2.0 + n)
    outlier = 1.0 - binom.cdf(n - int(n * contamination), n, posterior)
    return np.where(scores > threshold, outlier, 1.0 - outlier)


def reject(calls: np.ndarray, conf: np.ndarray, t: float) -> np.ndarray:
    """The 0/1 calls with those less sure than 1 - 2 exp(-t) replaced by -2 (PyOD's mark)."""
    out = np.asarray(calls).copy()
    out[2.0 * np.abs(conf - 0.5) <= 1.0 - 2.0 * np.exp(-t)] = -2
    return out


def rejection_stats(
    n: int, contamination: float, t: float = 32, delta: float = 0.1,
    c_fp: float = 1.0, c_fn: float = 1.0, c_r: float | None = None,
) -> tuple[float, float, float]:  # fmt: skip
    """(expected rejection rate, its upper bound holding with probability 1 - delta, upper
    bound of the cost) for a detector fitted on n rows, with costs c_fp per false positive,
    c_fn per false negative and c_r per rejection (default: the contamination)."""
    from scipy.optimize import root_scalar
    from scipy.stats import binom

    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    c = contamination
    c_r = c if c_r is None else c_r
    k = int(n * c) - 1

    def quantile(level: float) -> float:
        return root_scalar(lambda p: binom.cdf(k, n, p) - level, bracket=[0, 1],
                           method="brentq").root  # fmt: skip

    q1, q2 = quantile(1 - np.exp(-t)), quantile(np.exp(-t))
    right = min(1.0, (-c * (n + 2) + n + 1) / n + (t * (n + 2)) / np.sqrt(2 * n**3 * t))
    inner = 2 * n * (-3 * c**2 - 2 * n * (1 - c) ** 2 + 4 * c - 3) + t * (n + 2) ** 2 - 8
    left = 0.0  # with small t the root is of a negative number; PyOD's max(0, nan) gives 0
    if inner >= 0:
        left = max(0.0, (2 + n * (1 - c) * (n + 1)) / n**2 - np.sqrt(0.5 * n**5 * inner) / n**4)
    upper_rate = right - left + 2 * np.sqrt(np.log(2 / delta) / (2 * n))
    cost = min(c, q1) * c_fp + min(1 - q2, c) * c_fn + (q2 - q1) * c_r
    return float(q2 - q1), float(upper_rate), float(cost)
