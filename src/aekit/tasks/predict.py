"""`aekit predict`: put a fine-tuned classifier (`aekit finetune`'s `classifier/`) to work on
new data: each sample's predicted class and the class probabilities, in input order.

The data is read as the classifier's pre-training run read its own (the same columns, TF-IDF
vocabulary, clip length or series length). Samples that carry labels (the label column, class
sub-folders) are also scored: accuracy, compared by class name, so a file holding only some of
the classes is scored right.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..checkpoint import Checkpoint, load
from ..data import Dataset
from ..errors import AekitError
from ..metrics import batched
from .common import check_file_out, sample_frame, write_table


def load_classifier(run: str | Path, device: str = "cpu") -> Checkpoint:
    """A classifier checkpoint written by `aekit finetune`: its `classifier/` folder, or the
    finetune output folder that holds it."""
    from ..checkpoint import MODEL_JSON
    from ..registry import get_entry

    inner = Path(run) / "classifier"
    if not (Path(run) / MODEL_JSON).is_file() and (inner / MODEL_JSON).is_file():
        run = inner
    ck = load(run, device=device)
    if get_entry(ck.info["model"]).role != "classifier":
        raise AekitError(
            f"{run} holds a {ck.info['model']!r} model, not a classifier; give the classifier/ "
            "folder that `aekit finetune` writes"
        )
    if ck.train_config.get("estimator"):
        raise AekitError(
            f"{run} was saved by a scikit-learn estimator; load it with "
            "aekit.AutoencoderClassifier.load and call predict"
        )
    if "classes" not in ck.data:
        raise AekitError(f"{run} does not record its classes; run `aekit finetune` again")
    return ck


def class_names(ck: Checkpoint) -> list[str]:
    """The name of each of the classifier's outputs, in output order."""
    names = ck.data.get("class_names")
    return [str(names[int(c)]) if names else str(c) for c in ck.data["classes"]]


def predict_run(
    ck: Checkpoint, ds: Dataset, out: str | Path, batch_size: int = 1024,
    plot: str | Path | None = None, progress: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Classify ds's samples (its training split: `input_data` puts every sample of a file
    there) and write OUT (.csv or .parquet): `row`, `file`, `label` and `text` where the data
    has them, then `predicted` (the class name), `probability` (of that class) and `p_NAME` for every
    class. Returns the counts, the accuracy on labelled samples (else None) and the time.
    `plot` (a .png) draws the confusion matrix of labelled samples, else the predicted counts."""
    out = check_file_out(out)
    plot = check_file_out(plot, (".png",), "--plot") if plot is not None else None
    n = ds.x_train.shape[0]
    if n == 0:
        raise AekitError("no samples to classify")
    import pandas as pd

    t0 = time.perf_counter()
    logits = batched(ck.model, ck.model, ds.x_train, batch_size, progress, "classifying")
    probs = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    seconds = time.perf_counter() - t0
    names = class_names(ck)
    k = probs.argmax(1)
    ours = pd.DataFrame({"predicted": np.asarray(names, dtype=object)[k],
                         "probability": probs[np.arange(n), k],
                         **{f"p_{name}": probs[:, j] for j, name in enumerate(names)}})  # fmt: skip
    df = pd.concat([sample_frame(ds), ours], axis=1)
    write_table(df, out)
    accuracy = None
    counts = dict(zip(names, np.bincount(k, minlength=len(names)).tolist()))
    if "label" in df:
        truth = df["label"].astype(str).to_numpy()
        accuracy = float((truth == df["predicted"]).mean())
    if plot is not None:
        from .. import plots

        if "label" in df:  # true classes: the classifier's in its order, then any others
            true_names = names + sorted(set(truth) - set(names))
            true_names = [c for c in true_names if c in set(truth)]
            matrix = np.zeros((len(true_names), len(names)), dtype=np.int64)
            row = {c: i for i, c in enumerate(true_names)}
            np.add.at(matrix, (np.array([row[c] for c in truth]), k), 1)
            plots.confusion(matrix, true_names, names, plot,
                            title=f"{n:,} samples, accuracy {accuracy:.3f}")  # fmt: skip
        else:
            plots.class_shares([counts[c] / n for c in names], names, plot,
                               title=f"{n:,} samples: predicted classes")  # fmt: skip
    return {"samples": int(n), "classes": names, "accuracy": accuracy,
            "predicted_counts": counts, "seconds": seconds, "out": str(out),
            "plot": None if plot is None else str(plot)}  # fmt: skip
