"""`aekit encode`: the codes of every sample of a data set, as a file another tool can read.

The reduced representation itself: one row per sample, in input order, with the code units as
columns (`z0` ...), for a classifier, a clustering, a map or a database of the user's own. A
VAE's code is its posterior mean; a sparse model's code is its (mostly zero) activations.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..checkpoint import Checkpoint, save_npy
from ..data import Dataset
from ..errors import AekitError
from ..metrics import batched
from .common import TABLE_SUFFIXES, check_file_out, sample_frame, write_table

SUFFIXES = (*TABLE_SUFFIXES, ".npy")


def encode_run(
    ck: Checkpoint, ds: Dataset, out: str | Path, *, progress: bool = False
) -> dict[str, Any]:
    """Write the codes of ds's samples (its training split: `input_data` puts every sample of
    a file there) to OUT: .npy, an (N, latent) float32 array; .csv or .parquet, one row per
    sample with `row`, `file` (data read from a folder), `label` (the class name, when the data
    has labels), `text` (documents) and the codes `z0` ... Returns what was written."""
    out = check_file_out(out, SUFFIXES)
    n = ds.x_train.shape[0]
    if n == 0:
        raise AekitError("no samples to encode")
    t0 = time.perf_counter()
    z = batched(ck.model, ck.model.encode, ds.x_train, progress=progress, desc="encoding")
    seconds = time.perf_counter() - t0
    if out.suffix.lower() == ".npy":
        save_npy(out, z)
    else:
        import pandas as pd

        names = [f"z{j}" for j in range(z.shape[1])]
        write_table(pd.concat([sample_frame(ds), pd.DataFrame(z, columns=names)], axis=1), out)
    return {"samples": int(n), "latent": int(z.shape[1]), "seconds": seconds,
            "labels": ds.y_train is not None, "out": str(out)}  # fmt: skip
