"""`CanonicalListing` (one row per group after deduplication) and `ListingSource` (its sources)."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas.classified import ClassifiedListing

LISTING_ID_PATTERN = r"^gd_[0-9a-f]{12}$"


class CanonicalListing(ClassifiedListing):
    """The best value per field across a cluster's source records; `record_id` is the record that
    supplied the title. `record_id` need not be unique across runs, `listing_id` is the key."""

    listing_id: Series[str] = pa.Field(unique=True, str_matches=LISTING_ID_PATTERN)
    source_count: Series[pa.Int64] = pa.Field(ge=1)
    source_urls: Series[str]  # ' '-joined listing URLs of every source record, sorted


class ListingSource(pa.DataFrameModel):
    listing_id: Series[str] = pa.Field(str_matches=LISTING_ID_PATTERN)
    record_id: Series[str] = pa.Field(unique=True)
    source_id: Series[str]
    listing_url: Series[str]
    match_probability: Series[float] = pa.Field(ge=0, le=1, nullable=True)

    class Config:
        coerce = True
        strict = "filter"


class ListingAlias(pa.DataFrameModel):
    """An id that no longer names a cluster of its own, and the id that now does."""

    alias_id: Series[str] = pa.Field(unique=True, str_matches=LISTING_ID_PATTERN)
    listing_id: Series[str] = pa.Field(str_matches=LISTING_ID_PATTERN)
    reason: Series[str]

    class Config:
        coerce = True
        strict = "filter"
