"""Tables that are more than numbers: text columns as categories, and (on request) missing
numbers filled in. Fitted on the training split only and saved with the model as JSON, so that
every later file is encoded the same way.

Categorical columns: each non-numeric column one-hot encoded over the categories its training
split holds. A missing value is a category of its own, "(missing)"; a category the training
split did not hold is encoded as none of the known ones (all zeros), with a note.

Numeric columns pass through unchanged. Their missing values are refused, as in any table,
unless the table is read with `fill_missing`: then each numeric column's missing values are
filled with its training median, and a column that had missing values in the training split
gains an indicator feature `column=(missing)` (1 where the value was missing).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import AekitError, AekitNote

MAX_CATEGORIES = 100  # more distinct values than this in the training split: an ID or free text
MISSING = "(missing)"
FILL_HINT = "; a model trained with --fill-missing fills them"


def category_strings(values: Any) -> np.ndarray:
    """A categorical column's values as strings (object array); a missing value is MISSING."""
    import pandas as pd

    s = pd.Series(values, dtype=object)
    return np.asarray(s.where(s.notna(), MISSING).map(str), dtype=object)


def check_columns(expected: list[str], got: list[str], source: str) -> None:
    """AekitError naming the columns missing from `got` and those it has in excess."""
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    if missing or extra:
        raise AekitError(
            f"{source}: the columns differ from training"
            + (f"; missing: {', '.join(missing[:10])}" if missing else "")
            + (f"; unexpected: {', '.join(extra[:10])}" if extra else "")
        )


def _dates(values: list[str], sample: int = 200) -> bool:
    """Whether most of (a sample of) the values read as dates or times: they hold a date's or a
    time's digits (2026-01-31, 31/01/2026, 12:30) and pandas parses them."""
    import pandas as pd

    v = pd.Series(values[:: max(1, len(values) // sample)][:sample], dtype=object)
    shaped = v.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}", regex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(v, errors="coerce", format="mixed").notna()
    return bool((shaped & parsed).mean() > 0.5)


def one_hot_name(column: str, category: str) -> str:
    return f"{column}={category}"


@dataclass
class TableFeatures:
    """`columns`: the table's feature columns in file order; `categories`: for each categorical
    column, its categories in the training split, sorted; `fill`: for each numeric column whose
    missing values are filled, the value (its training median); `indicators`: the numeric
    columns that gain a missing-value feature. Rows are (N, len(columns)) object arrays:
    numbers in numeric columns, strings in categorical ones; or, for a table without
    categorical columns, float arrays (`frame_rows`)."""

    columns: list[str]
    categories: dict[str, list[str]]
    fill: dict[str, float] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)

    @classmethod
    def fit(
        cls, raw_train: np.ndarray, columns: list[str], categorical: list[str], source: str = "",
        fill_missing: bool = False,
    ) -> TableFeatures:  # fmt: skip
        """The categories of each `categorical` column over the training rows (too many is an
        error naming the column and `source`); with `fill_missing`, every numeric column's
        training median, and the indicators of those with missing values."""
        where = f"{source}: " if source else ""
        cats: dict[str, list[str]] = {}
        for c in categorical:
            values = sorted(set(category_strings(raw_train[:, columns.index(c)]).tolist()))
            if len(values) > MAX_CATEGORIES:
                what = (
                    "they look like dates or times: turn them into numbers (hour, weekday, "
                    "seconds since a start) or drop the column" if _dates(values)
                    else "drop it (an ID or free text?) or encode it as numbers"
                )  # fmt: skip
                raise AekitError(
                    f"{where}column {c!r} holds {len(values):,} distinct text values in the "
                    f"training split; categorical columns are one-hot encoded up to "
                    f"{MAX_CATEGORIES} categories: {what}"
                )
            cats[c] = values
        fill: dict[str, float] = {}
        indicators: list[str] = []
        for j, c in enumerate(columns):
            if not fill_missing or c in cats:
                continue
            v = raw_train[:, j].astype(np.float64)
            missing = np.isnan(v)
            if missing.all():
                raise AekitError(f"{where}column {c!r} has no values in the training split")
            fill[c] = float(np.median(v[~missing]))
            if missing.any():
                indicators.append(c)
        return cls(list(columns), cats, fill, indicators)

    def frame_rows(self, df: Any, source: str, first_row: int = 0) -> np.ndarray:
        """A DataFrame's feature columns (any order; others refused) as (N, len(columns)) rows:
        object rows, categorical columns as strings and numeric ones as numbers (`numbers`);
        without categorical columns, float64 rows."""
        cols = [str(c) for c in df.columns]
        check_columns(self.columns, cols, source)
        df = df.set_axis(cols, axis=1)
        v = self.numbers(df, source, first_row)
        if not self.categories:  # numbers only: no objects (a large table stays cheap)
            return v
        raw = np.empty((len(df), len(self.columns)), dtype=object)
        numeric = iter(range(v.shape[1]))
        for j, c in enumerate(self.columns):
            raw[:, j] = (
                category_strings(df[c].to_numpy()) if c in self.categories else v[:, next(numeric)]
            )
        return raw

    def numbers(self, df: Any, source: str, first_row: int = 0) -> np.ndarray:
        """The numeric columns of a DataFrame named by them, as float64 (N, numeric columns),
        which must be finite within float32's range, as the model computes (a missing or
        infinite value is named with its data row, counted from `first_row` + 1), except that
        a missing one stays NaN in a column with a fill value."""
        import pandas as pd

        numeric = [c for c in self.columns if c not in self.categories]
        text = [c for c in numeric
                if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))]  # fmt: skip
        if text:
            raise AekitError(f"{source}: non-numeric column(s) {', '.join(text)}")
        v = df[numeric].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):  # NaN compares False
            infinite = np.abs(v) > np.finfo(np.float32).max  # inf, or inf once made float32
        bad = infinite | np.isnan(v)  # NaN: an empty cell
        filled = [c in self.fill for c in numeric]
        bad[:, filled] = infinite[:, filled]  # filled columns keep their NaN
        if bad.any():
            r, j = np.argwhere(bad)[0]
            what = "missing value" if np.isnan(v[r, j]) else "infinite value"
            raise AekitError(
                f"{source}: {what} in column {numeric[j]!r} at data row {first_row + r + 1}"
                + (FILL_HINT if what == "missing value" else "")
            )
        return v

    @property
    def encodes(self) -> bool:
        """Whether rows need `transform` (categories to one-hot, missing numbers to fill);
        without it `frame_rows`' float rows are the features."""
        return bool(self.categories or self.fill)

    def names(self) -> list[str]:
        """The encoded features' names: numeric columns as they are (followed by
        `column=(missing)` where it has an indicator), and in place of each categorical column
        one `column=category` per category."""
        out: list[str] = []
        for c in self.columns:
            if c in self.categories:
                out += [one_hot_name(c, v) for v in self.categories[c]]
            else:
                out += [c] + ([one_hot_name(c, MISSING)] if c in self.indicators else [])
        return out

    def groups(self) -> list[tuple[str, slice]]:
        """For each table column, the slice of encoded features it became."""
        out, at = [], 0
        for c in self.columns:
            width = len(self.categories[c]) if c in self.categories else 1 + (c in self.indicators)
            out.append((c, slice(at, at + width)))
            at += width
        return out

    def transform(self, raw: np.ndarray, unknown: dict[str, list] | None = None) -> np.ndarray:
        """(N, len(columns)) rows (`frame_rows`') -> (N, len(names())) float32 features.
        Unknown categories become all zeros, with one note per column naming examples; given
        `unknown` (column -> [rows, examples]), they are added up there instead, for the
        caller's `note_unknown` once its last chunk is encoded."""
        raw = np.asarray(raw)
        seen: dict[str, list] = {} if unknown is None else unknown
        blocks = []
        for j, c in enumerate(self.columns):
            if c not in self.categories:
                v = raw[:, j].astype(np.float64)
                missing = np.isnan(v)  # only in a column with a fill value (frame_rows)
                v[missing] = self.fill.get(c, np.nan)
                blocks.append(v[:, None].astype(np.float32))
                if c in self.indicators:
                    blocks.append(missing[:, None].astype(np.float32))
                continue
            known = self.categories[c]
            values = category_strings(raw[:, j])
            idx = np.minimum(np.searchsorted(known, values), len(known) - 1)  # known is sorted
            hit = np.asarray(known, dtype=object)[idx] == values
            if not hit.all():
                rows, examples = seen.setdefault(c, [0, set()])
                seen[c] = [rows + int((~hit).sum()), examples | set(values[~hit].tolist())]
            block = np.zeros((len(raw), len(known)), dtype=np.float32)
            block[np.flatnonzero(hit), idx[hit]] = 1.0
            blocks.append(block)
        if unknown is None:
            self.note_unknown(seen)
        if not blocks:
            return np.zeros((len(raw), 0), dtype=np.float32)
        return np.concatenate(blocks, axis=1)

    def note_unknown(self, unknown: dict[str, list]) -> None:
        """One note per column whose rows held categories the training split did not."""
        for c, (rows, examples) in unknown.items():
            shown = sorted(examples)
            warnings.warn(
                f"column {c!r}: {rows:,} row(s) hold categories the model was not trained on "
                f"({', '.join(map(repr, shown[:3]))}{', ...' if len(shown) > 3 else ''}); they "
                f"are encoded as none of its {len(self.categories[c])} categories",
                AekitNote,
                stacklevel=3,
            )

    def decode(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Encoded rows (N, len(names())) in the data's units -> the table's columns: numbers
        (missing where the column's indicator is above 0.5), and for each categorical column
        the category with the highest value."""
        out: dict[str, np.ndarray] = {}
        for c, s in self.groups():
            if c in self.categories:
                out[c] = np.asarray(self.categories[c], dtype=object)[x[:, s].argmax(axis=1)]
            elif c in self.indicators:
                out[c] = np.where(x[:, s.start + 1] > 0.5, np.nan, x[:, s.start])
            else:
                out[c] = x[:, s.start]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "table", "columns": list(self.columns),
                "categories": {c: list(v) for c, v in self.categories.items()},
                "fill": dict(self.fill), "indicators": list(self.indicators)}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableFeatures:
        return cls([str(c) for c in d["columns"]],
                   {str(c): [str(v) for v in vs] for c, vs in d["categories"].items()},
                   {str(c): float(v) for c, v in d.get("fill", {}).items()},
                   [str(c) for c in d.get("indicators", [])])  # fmt: skip


def table_features(data: dict[str, Any]) -> TableFeatures | None:
    """The TableFeatures of a checkpoint's data description, or None (a table of numbers, or
    other data)."""
    feats = data.get("features") or {}
    return TableFeatures.from_dict(feats) if feats.get("type") == "table" else None
