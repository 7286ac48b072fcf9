"""Survivorship: the canonical listing of each cluster, field by field.

People see one listing per group, so each field comes from the source most likely to be right:
a value the source gave as data beats one parsed from its text, then the most complete record
wins, then the most recently fetched one (docs/DEDUPE.md).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from pipelines.compact import as_text, expanded

ORIGIN_RANK = {"structured": 0, "declared": 1, "detected": 2, "parsed": 2, "unknown": 3}
CLASSIFICATION_COLUMNS = (
    "format", "format_confidence", "format_evidence", "facilitator_type", "audience", "topics",
    "needs_review", "classifier_version",
)
"""Taken together from the record the classifier was surest about, so the labels stay coherent."""
TITLE_RECORD_COLUMNS = ("title", "record_id", "source_id", "listing_url")
"""Provenance follows the title: `record_id` names the record whose title is shown."""
SPECIAL_COLUMNS = frozenset(
    CLASSIFICATION_COLUMNS + TITLE_RECORD_COLUMNS + ("listing_id", "next_occurrence", "fetched_at", "content_hash")
)


def canonical_listings(listings: pd.DataFrame, listing_ids: pd.Series) -> pd.DataFrame:
    """One row per listing id, in id order; `listing_ids` is aligned with `listings` (one id per record).

    Each output column is one `take` of the input column at the rows that won it: at a million
    listings a copy of the ~80-column frame costs about 1.5 GB, and Arrow strings turned into
    Python objects cost seconds per column. Columns may come dictionary-encoded
    (`pipelines.compact`); the listings leave as plain text, ready for corrections and the load."""
    codes, ids = pd.factorize(pd.Series(listing_ids.to_numpy()), sort=True)
    alone = np.bincount(codes, minlength=len(ids))[codes] == 1
    together = np.flatnonzero(~alone)
    own_row = np.full(len(ids), -1, dtype="int64")
    own_row[codes[alone]] = np.flatnonzero(alone)  # a listing of one record shows that record
    merged = np.unique(codes[together])
    rows = _winning_rows(listings, together, codes[together]) if len(together) else {}
    nobody = np.full(len(merged), -1)  # a column no rule names (an origin without its field) stays empty

    def column_from(winners: np.ndarray) -> np.ndarray:
        positions = own_row.copy()
        positions[merged] = np.where(winners >= 0, together[winners], -1)
        return positions

    urls, sizes, hashes = [], np.ones(len(ids), dtype="int64"), []
    if len(together):
        urls, sizes[merged] = _sorted_and_joined(codes[together], listings["listing_url"].take(together), " ")
        hashes = [_combined_hash(h) for h in _sorted_and_joined(codes[together], listings["content_hash"].take(together), "\n")[0]]
    out = {
        "listing_id": pd.array(ids, dtype="str"),
        "source_count": pd.array(sizes, dtype="Int64"),
        "source_urls": _per_listing(as_text(listings["listing_url"]), own_row, merged, urls),
        "content_hash": _per_listing(as_text(listings["content_hash"]), own_row, merged, hashes),
    }
    for column in listings.columns.difference(list(out), sort=False):
        positions = column_from(rows.get(column, nobody))
        out[column] = listings[column].array.take(positions, allow_fill=bool((positions < 0).any()))
    columns = list(listings.columns) + [c for c in ("listing_id", "source_count", "source_urls") if c not in listings.columns]
    return expanded(pd.DataFrame({column: out[column] for column in columns}, copy=False))


def _per_listing(values: pd.Series, own_row: np.ndarray, merged: np.ndarray, merged_values: list) -> pd.api.extensions.ExtensionArray:
    """One value per listing: its record's own where it has one record, else its cluster's."""
    out = values.array.take(own_row, allow_fill=True).astype(object)
    out[merged] = merged_values
    return pd.array(out, dtype=values.dtype)


def _winning_rows(listings: pd.DataFrame, rows: np.ndarray, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Per column, the position in `rows` (records of clusters with two records or more, `codes`
    their cluster numbers) of the record each cluster takes it from, clusters in number order;
    -1 where no record has it (a next session no source announces)."""
    fetched_at = listings["fetched_at"].take(rows)
    when = pd.to_datetime(fetched_at, utc=True, errors="coerce", format="mixed")
    # by night, not by second: records of one crawl are equally fresh, and the order a crawl yields
    # them in varies, so a finer clock would pick a different survivor on every re-run
    fetched = ((when.dt.floor("D") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(days=1)).fillna(0).to_numpy().astype("int64")
    missing = {c: listings[c].isna().to_numpy()[rows] for c in listings.columns}
    completeness = sum((~known).astype("int64") for column, known in missing.items() if not column.endswith("_origin"))
    order = np.lexsort((listings["record_id"].astype("str").take(rows).to_numpy(), -fetched, -completeness))
    base_rank = np.empty(len(rows), dtype="int64")
    base_rank[order] = np.arange(len(rows))

    def first_rows(*keys: np.ndarray) -> np.ndarray:
        """Each cluster's first row position when its rows are ordered by `keys` (most significant first)."""
        ordered = np.lexsort((base_rank, *reversed(keys), codes))
        starts = np.r_[True, codes[ordered][1:] != codes[ordered][:-1]]
        return ordered[starts]

    def winner(column: str) -> np.ndarray:
        origin = listings.get(f"{column}_origin")
        rank = origin.take(rows).map(ORIGIN_RANK).astype("float64").fillna(3).to_numpy() if origin is not None else np.zeros(len(rows))
        return first_rows(missing[column], rank)

    won: dict[str, np.ndarray] = {}
    for column in [c for c in listings.columns if not c.endswith("_origin") and c not in SPECIAL_COLUMNS] + ["title"]:
        won[column] = winner(column)
        if f"{column}_origin" in listings:
            won[f"{column}_origin"] = won[column]
    for column in TITLE_RECORD_COLUMNS[1:]:
        won[column] = won["title"]
    labelled = first_rows(-listings["format_confidence"].astype("float64").take(rows).fillna(-1).to_numpy())
    won.update(dict.fromkeys(CLASSIFICATION_COLUMNS, labelled))
    won["next_occurrence"] = _earliest(listings["next_occurrence"].take(rows), codes)
    won["fetched_at"] = first_rows(-fetched)
    return won


def _sorted_and_joined(codes: np.ndarray, values: pd.Series, sep: str) -> tuple[list[str], np.ndarray]:
    """Each cluster's values, sorted and joined by `sep`, and how many there are (clusters in
    number order).

    Sorts only the two columns it needs (sorting the frame would move all ~80), and joins slices of
    one list: a grouped `agg(" ".join)` builds a Series per listing, 0.8 s per 100,000 records."""
    pairs = pd.DataFrame({"code": codes, "value": values.to_numpy()}).sort_values(["code", "value"])
    ids, values = pairs["code"].to_numpy(), pairs["value"].tolist()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return [sep.join(values[a:b]) for a, b in zip(starts, ends, strict=True)], ends - starts


def _earliest(next_occurrence: pd.Series, codes: np.ndarray) -> np.ndarray:
    """Each cluster's record with the earliest upcoming session (-1 when none is known): the
    value is kept as its source wrote it (offsets kept)."""
    when = pd.to_datetime(next_occurrence, utc=True, errors="coerce", format="mixed").reset_index(drop=True)
    clusters = np.unique(codes)
    known = when.notna().to_numpy()
    rows = when[known].groupby(codes[known]).idxmin()
    return pd.Series(rows.to_numpy(), index=rows.index).reindex(clusters, fill_value=-1).to_numpy()


def _combined_hash(sorted_hashes: str) -> str:
    """Changes when any source of the group changes, so the warehouse sees the listing change."""
    return hashlib.sha256(sorted_hashes.encode("utf-8")).hexdigest()
