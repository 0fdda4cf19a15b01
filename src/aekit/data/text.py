"""Text: a column of documents in a CSV/TSV/Parquet file, as TF-IDF vectors.

The vectorizer (scikit-learn's, fitted on the training split only) is kept as plain data: the
vocabulary in column order and the IDF weights. It is saved with the model as JSON and
rebuilt from it, so new documents get exactly the training features and nothing is pickled.

Columns are named (`--text-column body`) or, for files without a header, given by 0-based
position (`--text-column 1`, or `1,2` to join a title and a body). Tab-separated files are
read with quoting off (the SMS Spam Collection holds unbalanced quotes); CSV files with
standard quoting.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AekitError

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default: words of 2+ letters or digits


@dataclass
class TextFeatures:
    """Sublinear TF-IDF with L2-normalized rows over a fixed vocabulary."""

    vocabulary: list[str] = field(default_factory=list)
    idf: list[float] = field(default_factory=list)
    max_features: int = 10000
    min_df: int = 2

    @classmethod
    def fit(cls, texts: np.ndarray, max_features: int = 10000, min_df: int = 2) -> TextFeatures:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(max_features=max_features, min_df=min_df, sublinear_tf=True,
                              token_pattern=TOKEN_PATTERN, dtype=np.float32)  # fmt: skip
        try:
            vec.fit(list(texts))
        except ValueError as e:  # empty vocabulary, or min_df above the number of documents
            raise AekitError(f"cannot build a vocabulary from the text: {e}") from None
        terms = vec.get_feature_names_out()
        return cls(vocabulary=[str(t) for t in terms], idf=[float(v) for v in vec.idf_],
                   max_features=max_features, min_df=min_df)  # fmt: skip

    def transform(self, texts: np.ndarray) -> np.ndarray:
        """(N,) documents -> (N, V) float32 TF-IDF rows."""
        return self.transform_sparse(texts).toarray()  # float32 while sparse: no float64 copy

    def transform_sparse(self, texts: np.ndarray):
        """(N,) documents -> the same rows as a float32 scipy CSR matrix."""
        import scipy.sparse

        if len(texts) == 0:
            return scipy.sparse.csr_matrix((0, len(self.vocabulary)), dtype=np.float32)
        return self._weights(texts).astype(np.float32)

    def _weights(self, texts: np.ndarray):
        """The TF-IDF rows as scikit-learn computes them: a float64 CSR matrix."""
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        counts = CountVectorizer(
            vocabulary={t: i for i, t in enumerate(self.vocabulary)}, token_pattern=TOKEN_PATTERN
        ).transform(list(texts))
        tf = counts.astype(np.float64)
        tf.data = 1.0 + np.log(tf.data)  # sublinear tf
        return normalize(tf.multiply(np.asarray(self.idf)[None]).tocsr(), norm="l2")

    def to_dict(self) -> dict[str, Any]:
        return {"type": "tfidf", "vocabulary": self.vocabulary, "idf": self.idf,
                "max_features": self.max_features, "min_df": self.min_df}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextFeatures:
        return cls(list(d["vocabulary"]), [float(v) for v in d["idf"]],
                   int(d.get("max_features", 10000)), int(d.get("min_df", 2)))  # fmt: skip


def _columns(spec: str) -> tuple[list[str] | list[int], bool]:
    """'body' -> (['body'], header); '1,2' -> ([1, 2], no header)."""
    parts = [p.strip() for p in str(spec).split(",") if p.strip()]
    if not parts:
        raise AekitError("--text-column is empty")
    if all(p.isdigit() for p in parts):
        return [int(p) for p in parts], False
    return parts, True


def _rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    try:
        with open(path, encoding="utf-8", newline="") as f:
            first = f.readline()
            f.seek(0)
            tab = suffix == ".tsv" or (suffix != ".csv" and "\t" in first)
            if tab:
                return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
            return list(csv.reader(f))
    except UnicodeDecodeError as e:
        raise AekitError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except (OSError, csv.Error) as e:
        raise AekitError(f"{path}: cannot read ({e})") from None


def read_text(
    path: Path, text_column: str, label_column: str | None = None, label_optional: bool = False
) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    """Documents (N,) as an object array, integer labels or None, and the class names. With
    `label_optional`, a file whose header has no `label_column` is read without labels."""
    cols, header = _columns(text_column)
    if path.suffix.lower() in (".parquet", ".pq"):
        from .tables import read_frame

        df = read_frame(path)
        rows = [list(map(str, df.columns))] + df.astype(str).values.tolist()
        header = True
    else:
        rows = [r for r in _rows(path) if r]
    if header:
        if not rows:
            raise AekitError(f"{path}: the file is empty")
        names, rows = rows[0], rows[1:]
        missing = [c for c in cols if c not in names]
        if missing:
            raise AekitError(f"{path}: no column {missing[0]!r}; columns are: {', '.join(names)}")
        idx = [names.index(str(c)) for c in cols]
        lab = None
        if label_column is not None and (label_column in names or not label_optional):
            if label_column not in names:
                raise AekitError(f"{path}: no label column {label_column!r}")
            lab = names.index(label_column)
    else:
        idx = [int(c) for c in cols]
        lab = None
        if label_column is not None:
            if not str(label_column).isdigit():
                raise AekitError(
                    "with --text-column given by position (no header), give --label-column "
                    "by position too"
                )
            lab = int(label_column)
    need = max(idx + ([lab] if lab is not None else [])) + 1
    for i, r in enumerate(rows, 2 if header else 1):
        if len(r) < need:
            raise AekitError(f"{path}: line {i} has {len(r)} field(s); need at least {need}")
    if not rows:
        raise AekitError(f"{path}: no rows")
    texts = np.array([" ".join(r[j] for j in idx) for r in rows], dtype=object)
    if not any(t.strip() for t in texts):
        raise AekitError(f"{path}: the text column {text_column!r} is empty")
    if lab is None:
        return texts, None, None
    raw = [r[lab].strip() for r in rows]
    classes = sorted(set(raw), key=lambda s: (not s.lstrip("-").isdigit(),
                                              int(s) if s.lstrip("-").isdigit() else 0, s))  # fmt: skip
    return texts, np.array([classes.index(v) for v in raw]), classes
