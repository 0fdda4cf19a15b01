"""Watching generative training for mode collapse.

`CoverageProbe` is a `fit` probe: every `log_every` steps it draws the same batch of samples
(fixed noise) and classifies them with the evaluation suite's Fashion-MNIST feature network.
The number of classes covered and the largest class's share go into the run's steps.csv (and
its report); a warning is printed when coverage collapses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from . import featurenet, metrics


def collapsed(covered: int, best: int, n_classes: int) -> bool:
    """Coverage has collapsed when it fell to half the classes or fewer after having been
    higher, or 3 or more classes below its best so far (early blobs that all look like one
    class are not a collapse: coverage has not risen yet)."""
    return (covered <= n_classes // 2 < best) or covered <= best - 3


class CoverageProbe:
    """Class histogram of `n` fixed samples through the feature network: `classes_covered`,
    `max_class_share`, and `collapse` (1 while coverage is collapsed)."""

    def __init__(
        self, n: int = 500, seed: int = 0, warn: Callable[[str], None] | None = None
    ) -> None:
        self.n, self.seed = n, seed
        self.best = 0
        self.is_collapsed = False
        self.warn = warn or (lambda msg: tqdm.write(msg, file=sys.stderr))

    @torch.no_grad()
    def __call__(self, model) -> dict[str, float]:
        x = model.sample(self.n, generator=torch.Generator().manual_seed(self.seed))
        _, pred = featurenet.embed(np.clip(x.float().cpu().numpy(), 0.0, 1.0))
        n_classes = featurenet.load()[0].config["n_classes"]
        hist = metrics.class_histogram(pred, n_classes)
        covered, share = hist["class_coverage"], hist["max_class_share"]
        self.best = max(self.best, covered)
        now = collapsed(covered, self.best, n_classes)
        if now and not self.is_collapsed:
            self.warn(
                f"warning: mode collapse? {self.n} fixed samples now cover {covered} of "
                f"{n_classes} classes (best so far {self.best}); the largest class takes "
                f"{100 * share:.0f}%"
            )
        self.is_collapsed = now
        return {"classes_covered": covered, "max_class_share": share, "collapse": float(now)}
