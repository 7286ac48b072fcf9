"""Row-local stages (clean, classify) over chunks of a night's rows.

A chunk bounds the memory a stage needs, and chunks run side by side on as many cores (or Dask
workers) as the task runner has; the stages themselves do not change. Dedupe is not row-local
and always sees the whole night.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHUNK_ROWS = 100_000
"""Rows per chunk: about 150 MB of cleaned and classified frame, and a few seconds of work."""


def listing_chunks(raw: pd.DataFrame, rows: int = CHUNK_ROWS) -> list[pd.DataFrame]:
    """Contiguous slices of about `rows` raw rows, every repeat of a listing in its first row's chunk.

    Clean quarantines an identity's repeats within one batch (keeping its first row), so the
    repeats must meet the first row in the same chunk; the identity is the one `record_ids`
    builds: source, then external id, else listing URL, else the row's own id."""
    if len(raw) <= rows:
        return [raw]
    text = {c: _text(raw, c) for c in ("source_id", "external_id", "listing_url", "id")}
    local = text["external_id"].str.strip().replace("", np.nan)
    local = local.fillna(text["listing_url"]).fillna(text["id"])
    identity = text["source_id"].fillna("") + "\x1f" + local.fillna("")
    codes, _ = pd.factorize(identity)
    first = pd.Series(np.arange(len(raw))).groupby(codes).transform("min").to_numpy()
    chunk_of = first // rows
    return [raw.iloc[np.flatnonzero(chunk_of == c)] for c in np.unique(chunk_of)]


def row_chunks(frame: pd.DataFrame, rows: int = CHUNK_ROWS) -> list[pd.DataFrame]:
    """Contiguous slices of `rows` rows (for stages with no cross-row rule, such as classify)."""
    return [frame.iloc[i:i + rows] for i in range(0, len(frame), rows)] or [frame]


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    if column not in raw.columns:
        return pd.Series(np.nan, index=raw.index, dtype="object")
    return raw[column].astype("str").where(raw[column].notna(), np.nan)
