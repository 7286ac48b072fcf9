"""Row-local stages (clean, classify) over chunks of a night's rows.

A chunk bounds the memory a stage needs, and chunks run side by side on as many cores (or Dask
workers) as the task runner has; the stages themselves do not change. Dedupe is not row-local
and always sees the whole night.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.clean import batch_record_ids

CHUNK_ROWS = 100_000
"""Rows per chunk: about 150 MB of cleaned and classified frame, and a few seconds of work."""


def listing_chunks(raw: pd.DataFrame, rows: int = CHUNK_ROWS) -> list[pd.DataFrame]:
    """Contiguous slices of about `rows` raw rows, every repeat of a listing in its first row's chunk.

    Clean quarantines a record id's repeats within one batch (keeping its first row), so the
    repeats must meet the first row in the same chunk."""
    if len(raw) <= rows:
        return [raw]
    codes, _ = pd.factorize(batch_record_ids(raw))
    position = np.arange(len(raw))
    # factorize numbers ids in order of appearance, so the k-th first appearance is id k's first row
    firsts = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy() & (codes >= 0))
    first = np.where(codes >= 0, firsts[np.maximum(codes, 0)], position)  # a row without id stays put
    chunk_of = first // rows
    return [raw.iloc[np.flatnonzero(chunk_of == c)] for c in np.unique(chunk_of)]


def row_chunks(frame: pd.DataFrame, rows: int = CHUNK_ROWS) -> list[pd.DataFrame]:
    """Contiguous slices of `rows` rows (for stages with no cross-row rule, such as classify)."""
    return [frame.iloc[i:i + rows] for i in range(0, len(frame), rows)] or [frame]
