"""What every task shares: loading a run and its data, the output folder, summary.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint import Checkpoint, atomic_write_bytes, check_folder, load, write_json
from ..data import BUILTIN, Dataset, load_dataset
from ..data.base import raw_in_units_of
from ..errors import AekitError
from ..rows import dense, is_sparse
from .evaluate import evaluation_data, reader_options

__all__ = ["check_file_out", "data_form", "evaluation_data", "input_data", "input_samples",
           "load_run", "output_dir", "read_summary", "reader_options", "require_images",
           "sample_columns", "sample_frame", "write_summary", "write_table"]  # fmt: skip

SUMMARY = "summary.json"


def load_run(run: str | Path, device: str = "cpu", need_encoder: bool = True) -> Checkpoint:
    """A trained autoencoder's checkpoint (a classifier checkpoint is refused). With
    `need_encoder` False (a task that only needs samples, e.g. generate), a generator without
    an encoder (a GAN) is accepted too."""
    from ..registry import get_entry

    ck = load(run, device=device)
    role = get_entry(ck.info["model"]).role
    if not need_encoder and role == "generator":
        return ck
    if role == "generator":
        raise AekitError(
            f"{run} holds a {ck.info['model']!r} model: it generates but has no encoder to "
            "encode or reconstruct with; train an aae for both"
        )
    if role == "classifier":
        raise AekitError(
            f"{run} holds a fine-tuned classifier, not an autoencoder; `aekit predict {run} "
            "DATA --out FILE` classifies data with it (and scores it where DATA has labels)"
        )
    if role != "autoencoder":
        raise AekitError(f"{run} holds a {ck.info['model']!r} model, not an autoencoder")
    return ck


def input_data(ck: Checkpoint, source: str | Path, data_dir: str | None = None) -> Dataset:
    """Every sample of `source` in file order (no split) as the training split of a Dataset,
    scaled with the run's scaler (text: sparse rows), with labels where the data has them; for
    the built-in data sets, their test split (as the Dataset's training split). A table or
    text file without the run's label column is read without labels: the tasks that apply a
    model to data (encode, predict, compress, ...) need none."""
    if str(source) in BUILTIN:
        ds = evaluation_data(ck, source, data_dir)
        return dataclasses.replace(ds, x_train=ds.x_test, y_train=ds.y_test)
    ds = load_dataset(source, val_fraction=0.0, test_fraction=0.0, data_dir=data_dir,
                      label_optional=True, **reader_options(ck.data))  # fmt: skip
    if ds.kind != ck.data.get("kind", ds.kind):
        raise AekitError(
            f"{source} holds {ds.kind}s but the model was trained on {ck.data['kind']}s"
        )
    ck.model.check_input(ds.sample_shape)
    x = ck.scaler.transform(raw_in_units_of(ck.data, ds, ds.x_train))
    return dataclasses.replace(ds, x_train=x if is_sparse(x) else x.astype(np.float32))


def input_samples(ck: Checkpoint, source: str | Path, data_dir: str | None = None) -> np.ndarray:
    """`input_data`'s samples as one dense float32 array."""
    return dense(input_data(ck, source, data_dir).x_train).astype(np.float32)


def sample_frame(ds: Dataset) -> Any:
    """A DataFrame with one row per sample of ds's training split, in order: `row` (its index),
    `file` (data read from a folder: the file's path within it), `label` (the class name, when
    the data has labels) and `text` (documents)."""
    import pandas as pd

    n = ds.x_train.shape[0]
    df = pd.DataFrame({"row": np.arange(n)})
    named = sample_columns(ds, "train")
    if "file" in named:
        df["file"] = named["file"]
    if ds.y_train is not None:
        names = ds.class_names  # labels index them; a table's labels are its values
        df["label"] = [names[int(c)] for c in ds.y_train] if names else list(ds.y_train)
    if "text" in named:
        df["text"] = named["text"]
    return df


def sample_columns(ds: Dataset, split: str, n: int | None = None) -> dict[str, np.ndarray]:
    """What names the first n samples of a split (all when n is None) beyond their label:
    `file` for data read from a folder, `text` for documents."""
    cols = {}
    if ds.files is not None:
        cols["file"] = ds.files[split][:n]
    if ds.documents is not None:
        cols["text"] = ds.documents[split][:n]
    return cols


TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def check_file_out(
    out: str | Path, suffixes: tuple[str, ...] = TABLE_SUFFIXES, option: str = "--out"
) -> Path:
    """OPTION's file as a Path: a file with one of `suffixes` in a folder that exists."""
    out = Path(out)
    if out.suffix.lower() not in suffixes:
        shown = [x for x in suffixes if x != ".pq"]  # .parquet says it
        names = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        raise AekitError(f"{option} {out}: give a {names} file")
    if out.is_dir():
        raise AekitError(f"{option} {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise AekitError(f"{option} {out}: folder {out.parent} does not exist")
    return out


def write_table(df: Any, out: Path) -> None:
    """A DataFrame to OUT, as Parquet for .parquet/.pq and CSV otherwise, atomically."""
    if out.suffix.lower() in (".parquet", ".pq"):
        import io

        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        atomic_write_bytes(out, df.to_csv(index=False).encode())


def require_images(x: np.ndarray, task: str) -> None:
    """AekitError unless x is a batch of images (N, C, H, W)."""
    if np.asarray(x).ndim != 4:
        raise AekitError(f"{task} works on images; this data holds {data_form(x)}")


def data_form(x: np.ndarray) -> str:
    """What a batch holds, by its shape, for messages: images, signals, or rows."""
    return {4: "images", 3: "signals (series or audio)"}.get(np.asarray(x).ndim,
                                                             "rows (a table or text)")  # fmt: skip


def output_dir(out: str | Path) -> Path:
    out = check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_summary(out: Path, summary: dict[str, Any]) -> Path:
    """summary.json, written last and atomically: its presence means the task finished."""
    write_json(out / SUMMARY, summary)
    return out / SUMMARY


def read_summary(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / SUMMARY).read_text())
