"""Tables and arrays: CSV, Parquet, NumPy .npy/.npz, ODDS-style MATLAB .mat (X, y).

Everything is read without pickle. Returns features, optional labels, and feature names;
text columns of a table are categorical (`table_features.TableFeatures` one-hot encodes them).
Columns without a header (pandas calls them "Unnamed: N"; a row index saved by
`DataFrame.to_csv`) are not features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import AekitError
from .table_features import FILL_HINT, TableFeatures

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
ARRAY_SUFFIXES = (".npy", ".npz", ".mat")


def read_frame(path: Path):
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",")
    except (OSError, ValueError, ImportError) as e:
        raise AekitError(f"{path}: cannot read table ({str(e).splitlines()[0]})") from None


def frame_to_arrays(
    df, source: str, label_column: str | None, label_optional: bool = False,
    features: TableFeatures | None = None, fill_missing: bool = False,
):  # fmt: skip
    """Features, labels or None, feature columns, and the categorical columns among them; clear
    errors otherwise. A table of numbers gives float32 features and no categorical columns;
    one with text columns, one read to `fill_missing` numbers, or one read for `features` (a
    trained model's) gives `TableFeatures.frame_rows`' rows (object rows where there are text
    columns, else float64) for `TableFeatures` to encode. With `label_optional`, a frame
    without `label_column` is read without labels."""
    import pandas as pd

    if len(df) == 0:
        raise AekitError(f"{source}: the table has no rows")
    y = None
    if label_column is not None and (label_column in df.columns or not label_optional):
        if label_column not in df.columns:
            raise AekitError(
                f"{source}: no label column {label_column!r}; columns are: "
                f"{', '.join(map(str, df.columns[:20]))}"
            )
        y = df[label_column].to_numpy()
        df = df.drop(columns=[label_column])
    # "Unnamed: N" is pandas' name for a column without a header: a saved row index, not data
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed: ")])
    if features is not None:
        return features.frame_rows(df, source), y, features.columns, list(features.categories)
    text = [str(c) for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    text = [c for c in text if not pd.api.types.is_bool_dtype(df[c])]
    if len(text) == df.shape[1] == 1:
        sep = next((c for c in ";|\t" if c in text[0]), None)
        if sep:
            raise AekitError(
                f"{source}: one non-numeric column {text[0]}; the file seems to be separated by "
                f"{sep!r}: .csv files are read with commas, .tsv with tabs"
            )
    if df.shape[1] == 0:
        raise AekitError(f"{source}: no feature columns")
    columns = [str(c) for c in df.columns]
    if text or fill_missing:  # object rows, encoded once the training split is known
        _check_not_numbers(df, text, source)
        df.columns = columns
        fill = {c: np.nan for c in columns if c not in text} if fill_missing else {}
        rows = TableFeatures(columns, {c: [] for c in text}, fill).frame_rows(df, source)
        return rows, y, columns, text
    missing = [str(c) for c in df.columns if df[c].isna().any()]
    if missing:
        raise AekitError(f"{source}: missing values in column(s) {', '.join(missing)}{FILL_HINT}")
    with np.errstate(over="ignore"):  # beyond float32's range: inf, refused below
        x = df.to_numpy(dtype=np.float32)
    infinite = [str(c) for c, bad in zip(df.columns, ~np.isfinite(x).all(0)) if bad]
    if infinite:  # inf in the file, or a value beyond float32's range
        raise AekitError(f"{source}: infinite values in column(s) {', '.join(infinite)}")
    return x, y, columns, []


def _check_not_numbers(df, text: list[str], source: str) -> None:
    """A text column that mostly holds numbers is a numeric column with a few stray text values
    ("n/a", "12 kg"), not categories: refused, naming the first such value and its row."""
    import pandas as pd

    for c in text:
        col = df[c].dropna()
        numbers = pd.to_numeric(col, errors="coerce").notna()
        if len(col) and numbers.mean() > 0.5:
            r = int(np.flatnonzero(~numbers.to_numpy())[0])
            raise AekitError(
                f"{source}: column {c!r} holds numbers and text ({col.iloc[r]!r} at data row "
                f"{int(df.index.get_loc(col.index[r])) + 1}); make it all numbers, or all "
                "categories"
            )


def read_table(
    path: Path, label_column: str | None = None, label_optional: bool = False,
    features: TableFeatures | None = None, fill_missing: bool = False,
):  # fmt: skip
    return frame_to_arrays(read_frame(path), str(path), label_column, label_optional, features,
                           fill_missing)  # fmt: skip


def read_array(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """X and optional y from .npy (X only), .npz (keys X/x and y) or .mat (X and y)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False), None
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                keys = list(z.keys())
                xk = next((k for k in ("X", "x", "data", "arr_0") if k in keys), None)
                if xk is None:
                    raise AekitError(f"{path}: no array named X (found: {', '.join(keys)})")
                yk = next((k for k in ("y", "Y", "labels") if k in keys), None)
                return z[xk], (z[yk] if yk else None)
        if suffix == ".mat":
            import scipy.io

            try:
                m = scipy.io.loadmat(path)
            except NotImplementedError:
                raise AekitError(
                    f"{path}: MATLAB v7.3 (HDF5) files are not supported; save as v7"
                ) from None
            if "X" not in m:
                keys = [k for k in m if not k.startswith("__")]
                raise AekitError(f"{path}: no variable X (found: {', '.join(keys)})")
            y = m.get("y")
            return m["X"], (np.asarray(y).ravel() if y is not None else None)
    except AekitError:
        raise
    except (OSError, ValueError) as e:
        raise AekitError(f"{path}: cannot read array ({str(e).splitlines()[0]})") from None
    raise AekitError(f"{path}: unsupported array format {suffix!r}")


def check_numeric(x: np.ndarray, source: str) -> np.ndarray:
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise AekitError(f"{source}: array of dtype {x.dtype} is not numeric")
    x = x.astype(np.float32)
    if x.ndim < 2 or len(x) == 0:
        raise AekitError(f"{source}: expected an array of samples (N, ...), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise AekitError(f"{source}: contains NaN or infinite values")
    return x
