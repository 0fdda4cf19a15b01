"""Sparse rows (e.g. TF-IDF of a large corpus) that training and encoding read one dense batch
at a time: the matrix stays sparse in memory; only a batch is ever dense."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def is_sparse(x: Any) -> bool:
    import scipy.sparse

    return bool(scipy.sparse.issparse(x))


def dense(x: Any) -> Any:
    """x as a dense array: a scipy sparse matrix made dense (float32 kept), anything else as is."""
    return x.toarray() if is_sparse(x) else x


class SparseRows:
    """A scipy sparse matrix (N, features) as rows: `len`, `shape`, and indexing by a slice or
    an index tensor, which returns those rows as a dense float32 tensor on `device`. `to` and
    `float` mirror a tensor's, so `fit` slices it as it slices a tensor."""

    def __init__(self, matrix: Any, device: torch.device | str = "cpu"):
        # CSR: fast row selection; no copy of a matrix that is CSR float32 already
        self.matrix = matrix.tocsr(copy=False).astype(np.float32, copy=False)
        self.device = torch.device(device)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.matrix.shape)  # type: ignore[return-value]

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def __getitem__(self, index: slice | torch.Tensor | np.ndarray) -> torch.Tensor:
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        dense = np.ascontiguousarray(self.matrix[index].toarray())
        return torch.from_numpy(dense).to(self.device, non_blocking=True)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> SparseRows:
        return SparseRows(self.matrix, device) if torch.device(device) != self.device else self

    def float(self) -> SparseRows:
        return self
