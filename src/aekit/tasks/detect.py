"""Anomaly detection: fit an AnomalyDetector on a data set's training split (all rows, or the
normal rows only), report detection metrics on the test split when labels exist, and score new
files (tables in chunks of bounded memory; images, series, audio and text in memory).

Labels are 0 (normal) / 1 (anomaly) and never enter the features. Columns pandas names
"Unnamed: N" (an unnamed index column written by `DataFrame.to_csv`) are not features either;
scoring keeps them in its output.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint import read_info, temp_beside
from ..data.base import raw_in_units_of
from ..data.table_features import TableFeatures, table_features
from ..errors import AekitError
from ..rows import is_sparse
from .common import SUMMARY, read_summary, write_summary

TOP = 3  # columns named per row in scored output


def is_index_column(name: Any) -> bool:
    return str(name).startswith("Unnamed: ")


def binary_labels(y: np.ndarray, source: str) -> np.ndarray:
    """Labels as 0/1 ints; anything else is refused."""
    vals = set(np.unique(y).tolist())
    if not vals <= {0, 1}:
        shown = ", ".join(map(str, sorted(vals, key=str)[:5]))
        raise AekitError(f"{source}: labels must be 0 (normal) / 1 (anomaly); found {shown}")
    return np.asarray(y).astype(int)


# what backs the detector for each kind of data, unless the caller says otherwise: series and
# spectrograms a 1-D conv autoencoder over one mean/std, TF-IDF vectors an MLP on the raw
# weights (standardizing 10,000 sparse columns would blow up the rare words). Code density
# joins the score, training minimizes the absolute error ("l1") and leaves out the rows beyond
# each batch's fence ("trim") only for tables, where bench/anomaly.py measured them; the others
# train on the squared reconstruction error of every row, as their benchmarks (bench/ecg.py,
# bench/sms.py) measured.
_AS_MEASURED = {"batch_size": 32, "score_by": "reconstruction", "recon_loss": "mse", "trim": None}
KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "table": {},
    "series": {"model": "conv", "hidden": None, "latent": 8, "scaling": "global", "epochs": 50,
               **_AS_MEASURED},
    "audio": {"model": "conv", "hidden": None, "latent": 16, "scaling": "global", "epochs": 30,
              **_AS_MEASURED},
    "text": {"model": "mlp", "hidden": (1024,), "latent": 128, "scaling": "identity",
             "epochs": 30, **_AS_MEASURED},
    # images: a 2-D conv autoencoder on pixels mapped to [0, 1], scored by reconstruction and
    # code density, which bench/image_anomaly.py measured above reconstruction alone
    "image": {"model": "conv", "hidden": None, "latent": 16, "scaling": "minmax", "epochs": 20,
              "batch_size": 32, "recon_loss": "mse", "trim": None},
}  # fmt: skip


def flat_rows(a: np.ndarray) -> np.ndarray:
    """(n, *shape) -> (n, features), also for n = 0 (reshape(0, -1) cannot infer the width);
    sparse rows (text) are flat already and stay sparse."""
    if is_sparse(a):
        return a
    return a.reshape(len(a), int(np.prod(a.shape[1:])))


def _stack(parts: list) -> Any:
    """Rows one under another: numpy arrays, or sparse rows (kept sparse)."""
    if any(is_sparse(p) for p in parts):
        import scipy.sparse

        return scipy.sparse.vstack(parts, format="csr")
    return np.concatenate(parts)


def _frame(x: Any, names: list[str]) -> Any:
    """Rows for the detector: a DataFrame named by the features, or sparse rows as they are
    (the detector reads them one dense batch at a time)."""
    import pandas as pd

    return x if is_sparse(x) else pd.DataFrame(x, columns=names)


def _binary(y: np.ndarray, ds, normal_class: str | None, source: str) -> np.ndarray:
    """0/1 labels: as given, or 0 for `normal_class` and 1 for every other class."""
    if normal_class is None:
        return binary_labels(y, source)
    names = ds.class_names or []
    if str(normal_class) not in names:
        raise AekitError(
            f"{source}: no class {normal_class!r}; classes are: {', '.join(map(str, names))}"
        )
    return (np.asarray(y) != names.index(str(normal_class))).astype(int)


def detection_metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """ROC-AUC and PR-AUC of the scores; precision, recall and F1 of `scores > threshold`."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    flagged = scores > threshold
    tp = int((flagged & (y == 1)).sum())
    out: dict[str, Any] = {
        "n": int(len(y)), "n_anomalies": int(y.sum()), "n_flagged": int(flagged.sum()),
        "roc_auc": None, "pr_auc": None,
        "precision": tp / int(flagged.sum()) if flagged.any() else 0.0,
        "recall": tp / int(y.sum()) if y.any() else None,
    }  # fmt: skip
    if 0 < y.sum() < len(y):
        out["roc_auc"] = float(roc_auc_score(y, scores))
        out["pr_auc"] = float(average_precision_score(y, scores))
    p, r = out["precision"], out["recall"]
    out["f1"] = 2 * p * r / (p + r) if r is not None and p + r > 0 else 0.0
    return out


def detect_fit(
    source: str | Path,
    out: str | Path,
    *,
    label_column: str | None = None,
    normal_class: str | None = None,
    normal_only: bool = False,
    seed: int = 0,
    overwrite: bool = False,
    detector_options: dict[str, Any] | None = None,
    data_options: dict[str, Any] | None = None,
    report: bool = True,
) -> dict[str, Any]:
    """Fit a detector on SOURCE's training split into the run folder OUT; returns the summary
    (threshold, fit time, and with labels the test split's detection metrics).

    Tables, time series, audio and text are all scored as flat rows of features; series and
    spectrograms go to a 1-D conv autoencoder by default (KIND_DEFAULTS). `normal_class`
    names the class that is normal when labels are not 0/1 (every other class is an anomaly).
    `data_options` go to load_dataset (e.g. text_column)."""
    from ..data import load_dataset
    from ..estimators import AnomalyDetector
    from ..runs import load_args, prepare_out

    data_options = {k: v for k, v in (data_options or {}).items() if v is not None}
    ds = load_dataset(source, label_column=label_column, seed=seed, **data_options)
    if ds.kind not in KIND_DEFAULTS:
        raise AekitError(f"{source}: detect works on tables, images, time series, audio and text")
    raw = {s: ds.scaler.inverse_transform(getattr(ds, f"x_{s}")) for s in ("train", "val", "test")}
    flat = {s: flat_rows(a) for s, a in raw.items()}
    x_fit = _stack([flat["train"], flat["val"]])
    labels: dict[str, Any] = {}  # 0/1 per split, worked out once
    y_fit = None
    if ds.y_train is not None:
        labels = {f"y_{s}": _binary(getattr(ds, f"y_{s}"), ds, normal_class, str(source))
                  for s in ("train", "val", "test")}  # fmt: skip
        y_fit = np.concatenate([labels["y_train"], labels["y_val"]])
    elif normal_class is not None:
        raise AekitError("--normal-class needs labels: give --label-column")
    if normal_only:
        if y_fit is None:
            raise AekitError("--normal-only needs labels: give --label-column (or y in the file)")
        x_fit = x_fit[y_fit == 0]
    if x_fit.shape[0] < 2:
        raise AekitError(f"{source}: {x_fit.shape[0]} training rows; need at least 2")
    out = Path(out)
    prepare_out(out, resume=False, overwrite=overwrite)
    names = ds.column_names()
    options = {**KIND_DEFAULTS[ds.kind], **(detector_options or {})}
    if ds.kind in ("series", "audio", "image") and options.get("model") in ("conv", "conv-vae"):
        options.setdefault("input_shape", tuple(ds.sample_shape))
    det = AnomalyDetector(random_state=seed, **options)
    t0 = time.perf_counter()
    det.fit(_frame(x_fit, names))
    fit_seconds = time.perf_counter() - t0
    det.save(out, data={**ds.describe(), "load_args": load_args(
        source, label_column=label_column, seed=seed, **data_options)})  # fmt: skip
    summary: dict[str, Any] = {
        "source": str(source), "kind": ds.kind, "label_column": label_column,
        "normal_class": normal_class, "normal_only": normal_only,
        "seed": seed,
        "contamination": det.contamination, "threshold": det.threshold_,
        "n_fit": int(x_fit.shape[0]), "n_flagged_fit": int(det.labels_.sum()),
        "fit_seconds": fit_seconds, "features": names,
        "trimmed_share": det.history_.trimmed_share,
        "detector": {k: v for k, v in det.get_params().items() if k != "verbose"},
    }  # fmt: skip
    test_scores = det.decision_function(_frame(flat["test"], names))
    if ds.y_test is not None and len(test_scores):
        y_test = labels["y_test"]
        summary["test"] = detection_metrics(y_test, test_scores, det.threshold_)
    det.history_.to_csv(out / "metrics.csv")
    if report:
        if normal_class is not None:  # the report shows normal vs anomaly, not every class
            ds = dataclasses.replace(ds, class_names=[f"normal ({normal_class})", "anomaly"],
                                     **labels)  # fmt: skip
        _write_report(det, ds, raw, out, summary, test_scores)
    write_summary(out, summary)
    return summary


def _write_report(det, ds, raw: dict[str, np.ndarray], out: Path, summary: dict[str, Any],
                  test_scores: np.ndarray) -> None:  # fmt: skip
    """The run's report, on the data as the detector scales it, with its detection metrics
    and its own scores of the test rows."""
    from ..checkpoint import read_info
    from ..report import REPORT, build_report, write_report
    from .evaluate import evaluate

    scaled = dataclasses.replace(
        ds, scaler=det.scaler_,
        **{f"x_{s}": det.scaler_.transform(flat_rows(raw[s]))
           .reshape(raw[s].shape).astype(np.float32) for s in raw},
    )  # fmt: skip
    scores = evaluate(det.model_, scaled, generation=False)
    info, _ = read_info(out)
    page = build_report(det.model_, scaled, info, scores, det.history_, name=out.resolve().name,
                        detection={**summary, "test_scores": test_scores})  # fmt: skip
    write_report(out / REPORT, page)


# -- scoring files ---------------------------------------------------------------------------
def _chunks(path: Path, rows: int) -> Iterator[Any]:
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            # streamed column chunks (not the whole row group pre-buffered): less memory
            stream = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 22)
            for batch in stream.iter_batches(batch_size=rows):
                yield batch.to_pandas()
        elif suffix in (".csv", ".tsv"):
            yield from pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", chunksize=rows)
        else:
            raise AekitError(f"{path}: score a CSV, TSV or Parquet file")
    except (OSError, ValueError) as e:
        raise AekitError(f"{path}: cannot read table ({str(e).splitlines()[0]})") from None


def _features(df, table: TableFeatures, label_column: str | None, path: Path, first_row: int,
              unknown: dict) -> np.ndarray:  # fmt: skip
    """The feature block of a chunk: its columns (all but the label and index columns) read by
    name against the training columns, `table.columns`, and encoded by `table` where it
    encodes (rows of unknown categories are added up in `unknown`)."""
    feats = df[[c for c in df.columns if c != label_column and not is_index_column(c)]]
    rows = table.frame_rows(feats, str(path), first_row)
    return table.transform(rows, unknown) if table.encodes else rows


def _calls(det, scores: np.ndarray) -> dict[str, np.ndarray]:
    """`is_anomaly` (score > threshold) and, for a detector saved with its training scores,
    `confidence`: how sure it is of that call (`AnomalyDetector.predict_confidence`)."""
    calls = {"is_anomaly": (scores > det.threshold_).astype(int)}
    if getattr(det, "_sorted_scores", None) is not None:
        calls["confidence"] = det._confidence(scores)
    return calls


def detect_score(
    run: str | Path, path: str | Path, out: str | Path, *, chunk_rows: int = 20_000,
    top: int = TOP, progress: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Score every row of PATH with the detector in RUN and write the rows plus `score`,
    `is_anomaly`, `confidence` (`_calls`) and the `top` contributing columns (`top_1`...,
    with `top_1_share`...) to OUT (CSV, or Parquet for .parquet), in input order. Reads `chunk_rows` rows at a time;
    OUT appears only when every row was scored."""
    from ..estimators import AnomalyDetector
    from ..progress import progress_bar

    run, path, out = Path(run), Path(path), Path(out)
    if chunk_rows < 1:
        raise AekitError("--chunk-rows must be >= 1")
    if not path.exists():
        raise AekitError(f"{path}: no such file")
    parquet_out = out.suffix.lower() in (".parquet", ".pq")
    if not parquet_out and out.suffix.lower() != ".csv":
        raise AekitError(f"--out {out}: give a .csv or .parquet file")
    if not out.parent.is_dir():
        raise AekitError(f"--out {out}: folder {out.parent} does not exist")
    det = AnomalyDetector.load(run)
    data = read_info(run)[0].get("data", {})
    if data.get("kind", "table") != "table":
        return _score_samples(det, data, path, out, top)
    names = [str(c) for c in getattr(det, "feature_names_in_", [])]
    names = names or [f"x{i}" for i in range(det.n_features_in_)]
    # the training columns, and for a table with categorical columns their one-hot encoding
    encoding = table_features(data) or TableFeatures(names, {})
    unknown: dict[str, list] = {}  # categories the detector was not fitted on: one note
    # a column's one-hot (or missing-value) features explain as the column
    groups = np.asarray([s.start for _, s in encoding.groups()]) if encoding.encodes else None
    columns = np.asarray(encoding.columns, dtype=object)  # what top_1... name
    # the label column `detect fit` kept out of the features may stand in the file to score
    label_column = read_summary(run).get("label_column") if (run / SUMMARY).is_file() else None
    fd, tmp = temp_beside(out)  # renamed onto OUT only when every row is scored
    os.close(fd)
    n = flagged = 0
    t0 = time.perf_counter()
    score_seconds = 0.0
    writer = None
    bar = progress_bar(show=progress, desc="scoring", unit="row", leave=False)
    try:
        for i, df in enumerate(_chunks(path, chunk_rows)):
            x = _features(df, encoding, label_column, path, n, unknown)
            t1 = time.perf_counter()
            scores, idx, share = det._scores_and_explain(x, top, groups)
            score_seconds += time.perf_counter() - t1
            df = df.copy()
            df["score"] = scores
            for col, v in _calls(det, scores).items():
                df[col] = v
            for j in range(idx.shape[1]):
                df[f"top_{j + 1}"] = columns[idx[:, j]]
                df[f"top_{j + 1}_share"] = share[:, j]
            if parquet_out:
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pandas(df, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
            else:
                df.to_csv(tmp, mode="w" if i == 0 else "a", header=i == 0, index=False)
            n += len(df)
            flagged += int(df["is_anomaly"].sum())
            bar.update(len(df))
        if writer is not None:
            writer.close()
        if n == 0:
            raise AekitError(f"{path}: no rows to score")
        os.replace(tmp, out)
        encoding.note_unknown(unknown)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        bar.close()
    seconds = time.perf_counter() - t0
    return {"rows": n, "flagged": flagged, "threshold": det.threshold_, "seconds": seconds,
            "rows_per_second": n / seconds, "model_rows_per_second": n / max(score_seconds, 1e-9),
            "out": str(out)}  # fmt: skip


def _score_samples(det, data: dict[str, Any], path: Path, out: Path, top: int) -> dict[str, Any]:
    """Score images, time series, audio or text with a detector fitted on that kind: the file
    (or folder) is read as the run read its own data (same TF-IDF vocabulary, clip length,
    series length, image size and grey levels), in memory, and OUT gets one row per sample in
    input order: `row`, `file` (folders), `label` (when the data has labels), `text` (documents), `score`, `is_anomaly`,
    `confidence` and the top features."""
    from ..data import load_dataset
    from .common import reader_options, sample_frame, write_table

    t0 = time.perf_counter()
    ds = load_dataset(path, val_fraction=0.0, test_fraction=0.0, **reader_options(data))
    if ds.kind != data["kind"]:
        raise AekitError(f"{path} holds {ds.kind} data; the detector was fitted on {data['kind']}")
    x = flat_rows(raw_in_units_of(data, ds, ds.x_train))  # the detector's own raw units
    if x.shape[1] != det.n_features_in_:
        raise AekitError(f"{path}: samples of {x.shape[1]} features; the detector was fitted on "
                         f"{det.n_features_in_}")  # fmt: skip
    scores, idx, share = det._scores_and_explain(x, top)
    df = sample_frame(ds)
    df["score"] = scores
    for col, v in _calls(det, scores).items():
        df[col] = v
    columns = np.asarray(ds.column_names(), dtype=object)
    for j in range(idx.shape[1]):
        df[f"top_{j + 1}"] = columns[idx[:, j]]
        df[f"top_{j + 1}_share"] = share[:, j]
    write_table(df, out)
    seconds = time.perf_counter() - t0
    return {"rows": int(x.shape[0]), "flagged": int(df["is_anomaly"].sum()),
            "threshold": det.threshold_, "seconds": seconds, "rows_per_second": x.shape[0] / seconds,
            "out": str(out)}  # fmt: skip
