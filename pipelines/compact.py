"""A night's frames held dictionary-encoded between stages.

Most text columns of a listing repeat: a night has one `classifier_version`, a `fetched_at` per
crawl, a few formats, time zones and origins, and descriptions written once per association
(at a million classified rows, 63 of the 69 text columns have fewer than 5 % distinct values; the
frame takes 1.48 GB as Arrow strings, 0.36 GB with those columns as pandas categoricals, one copy
of each distinct value and a code per row). Stages still receive and return plain text columns:
only what a night holds between them, and hands from one process to another, is compact.
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import union_categoricals

REPEATED_SHARE = 0.5
"""A text column is encoded when it has at most this many distinct values per row: with more, the
dictionary saves little over the column, and every slice of the combined night would carry it."""


def compact(frame: pd.DataFrame, share: float = REPEATED_SHARE) -> pd.DataFrame:
    """`frame` with its repeated text columns as categoricals, values and nulls unchanged."""
    encoded = {}
    for column in frame.columns:
        if frame[column].dtype == "str":
            codes, values = pd.factorize(frame[column])  # a quarter cheaper than astype("category")
            if len(values) <= share * len(frame):
                encoded[column] = pd.Categorical.from_codes(codes, categories=values)
    return frame.assign(**encoded) if encoded else frame


def expanded(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every categorical column back as plain text (what `compact` encoded)."""
    encoded = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.assign(**{c: as_text(frame[c]) for c in encoded}) if encoded else frame


def as_text(column: pd.Series) -> pd.Series:
    """A column as plain text, whether encoded or not (a categorical only takes the values it
    already has: a new value written into one would be lost as null)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype("str")
    # one `take` of the categories at the codes: a ninth of what `astype("str")` costs
    values = column.cat.categories.astype("str").array
    return pd.Series(values.take(column.cat.codes.to_numpy(), allow_fill=True), index=column.index, name=column.name)


def concatenated(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other (index 0..n-1), as `pd.concat` gives them, with a column
    encoded in every frame still encoded over the union of their values: `pd.concat` turns
    categoricals with different categories into Python objects, several times the plain text."""
    if not frames:
        return pd.DataFrame()
    common = [c for c in frames[0].columns
              if all(c in f.columns and isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames)]
    plain = pd.concat([expanded(f.drop(columns=common)) for f in frames], ignore_index=True)
    encoded = {c: pd.Series(union_categoricals([f[c] for f in frames], ignore_order=True), index=plain.index)
               for c in common}
    order = list(dict.fromkeys(c for f in frames for c in f.columns))
    return plain.assign(**encoded)[order]
