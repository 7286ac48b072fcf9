"""Text hygiene: what association sites paste (markup, entities, mojibake) becomes plain text.

Library calls (html-text, ftfy) run only on the unique values that need them; the rest of the
work is vectorised pandas string methods, so a million rows stay cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import ftfy
import html_text
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MAX_LENGTHS: dict[str, int] = {
    "title": 300,
    "description": 5_000,
    "organizer": 300,
    "facilitator_text": 1_000,
    "schedule_text": 1_000,
    "location_text": 1_000,
    "price_text": 500,
    "contact_text": 1_000,
    "categories": 500,
}
DEFAULT_MAX_LENGTH = 1_000

_MARKUP = re.compile(r"<[a-zA-Z/!?][^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,10});")
_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>")
_MOJIBAKE_HINT = r"[ÃÂÅÄâ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]"
"""Literal characters (not escapes) so that pyarrow's RE2 runs it without a Python fallback.
Bidirectional embeddings, overrides and isolates go too: they let a title display other than it
reads ("Trojan source"); right-to-left letters themselves are kept."""
_SPACES = "[ \t\n\r\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
"""Unicode spaces as literal characters: pyarrow's RE2 `\\s` would miss some, Python's would be slow."""
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_latin_ligatures=False, normalization=None)


def plain_text(value: str) -> str:
    """Markup and entities removed, repeatedly: sites sometimes escape their HTML twice."""
    text = value
    for _ in range(3):
        if not _MARKUP.search(text):
            break
        text = html_text.extract_text(text, guess_layout=False)
    return _TAG.sub(" ", text)


def repaired_encoding(value: str) -> str:
    """UTF-8 that was read as Windows-1252 / ISO-8859-1 (and saved again), decoded back."""
    return ftfy.fix_text(value, _FTFY_CONFIG)


def map_unique_where(series: pd.Series, mask: pd.Series, func) -> pd.Series:
    """`func` applied once per distinct value among the rows of `mask`; other rows unchanged."""
    if not mask.any():
        return series
    selected = series[mask]
    mapping = {value: func(value) for value in pd.unique(selected)}
    return series.mask(mask, selected.map(mapping))


def clean_text_column(series: pd.Series, max_length: int = DEFAULT_MAX_LENGTH) -> pd.Series:
    """Plain, NFC, single-spaced text bounded to `max_length` characters; empty becomes null."""
    text = series.astype("str")
    known = text.notna()
    text = map_unique_where(text, known & text.str.contains(r"[<&]", regex=True), plain_text)
    text = map_unique_where(text, known & text.str.contains(_MOJIBAKE_HINT, regex=True), repaired_encoding)
    text = text.str.normalize("NFC")
    text = text.str.replace(_CONTROL, " ", regex=True).str.replace(_SPACES, " ", regex=True).str.strip()
    too_long = text.str.len() > max_length
    if too_long.any():
        text = text.mask(too_long, text.str.slice(0, max_length - 1).str.rstrip() + "…")
    return text.mask(text == "")


def clean_text_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with each of `columns` cleaned (columns it lacks are left absent), each distinct text
    once: a feed repeats its descriptions and organisers across its meetings."""
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            limit = MAX_LENGTHS.get(column, DEFAULT_MAX_LENGTH)
            out[column] = per_distinct(out[column], lambda distinct, limit=limit: clean_text_column(distinct, limit))
    return out


def as_flags(values: pd.Series) -> pd.Series:
    """Booleans with missing values read as False (whatever dtype pandas inferred)."""
    return values.astype("object").where(values.notna(), False).astype(bool)


def per_distinct(series: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`func` (vectorised, Series to Series) run over each distinct value once and taken back onto
    the rows (nulls stay null): titles, names and cities repeat across a night, so a million rows
    cost what their distinct values cost."""
    codes, uniques = pd.factorize(series)
    done = func(pd.Series(uniques, dtype=series.dtype))
    return pd.Series(done.array.take(codes, allow_fill=True), index=series.index, name=series.name)


def among(values: pd.Series, candidates: Iterable[object]) -> np.ndarray:
    """Whether each value (as text) is one of `candidates`; nulls are not. pyarrow's `is_in` over
    the column: pandas' `isin` on Arrow strings converts the candidates one scalar at a time
    (2.5 s for 740,000 listing ids)."""
    column = pa.array(values.astype("str").array)
    value_set = pa.array([c for c in candidates if isinstance(c, str)], type=column.type)
    return np.asarray(pc.is_in(column, value_set=value_set).fill_null(False), dtype=bool)


def unique_map(series: pd.Series, func) -> pd.Series:
    """`func` of each distinct non-null value, mapped back onto the rows (object dtype)."""
    known = series.notna()
    mapping = {value: func(value) for value in pd.unique(series[known])}
    return series.astype("object").where(known).map(mapping, na_action="ignore")


def matches(series: pd.Series | pd.DataFrame, pattern: str, hint: str | None = None) -> pd.Series:
    """Whether each text (or any text column of a frame) contains `pattern`, case-insensitive.

    Searched once per distinct text, column by column (columns repeat far more than their
    concatenation). `hint` is a plain keyword alternation every match must contain: pyarrow (RE2)
    checks it over the whole column first, so the Python regex only reads texts that may match.
    """
    if isinstance(series, pd.DataFrame):
        found = pd.Series(False, index=series.index)
        for column in series.columns:
            found |= matches(series[column], pattern, hint)
        return found
    text = series.astype("str")
    if hint:
        text = text.where(text.str.contains(hint, case=False, regex=True).fillna(False).astype(bool))
    regex = re.compile(pattern, re.IGNORECASE)
    return as_flags(unique_map(text, lambda v: regex.search(v) is not None))


def unique_rows_map(keys: pd.DataFrame, func) -> pd.Series:
    """`func(*row)` once per distinct row of `keys` (nulls passed as None), mapped back in row order."""
    frame = keys.astype("object")
    frame = frame.where(frame.notna(), None)
    distinct = frame.drop_duplicates()
    results = [func(*row) for row in distinct.itertuples(index=False, name=None)]
    table = distinct.assign(_result=pd.Series(results, index=distinct.index, dtype="object"))
    merged = frame.merge(table, how="left", on=list(frame.columns), sort=False)
    return pd.Series(merged["_result"].to_numpy(), index=keys.index, dtype="object")
