"""Deduplication: one group, one listing, with every source linked and the same id every night.

`dedupe_listings` links classified listings across all sources at once (splink on DuckDB),
applies analysts' link/split decisions, keeps ids stable from the previous run and builds the
canonical listing of each cluster. Every input record appears in `sources` exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.dedupe.canonical import canonical_listings
from pipelines.dedupe.ids import (
    assign_listing_ids,
    edges_with_overrides,
    empty_aliases,
    latest_overrides,
    record_match_probability,
)
from pipelines.dedupe.linkage import (
    DEFAULT_MATCH_PROBABILITY,
    components,
    conflicting_pairs,
    constrained_clusters,
    edges_among,
    empty_pairs,
    linkage_frame,
    scored_pairs,
)
from schemas.listing import CanonicalListing, ListingAlias, ListingSource

__all__ = ["DEFAULT_MATCH_PROBABILITY", "DedupeResult", "dedupe_listings"]

SOURCE_COLUMNS = ("listing_id", "record_id", "source_id", "listing_url", "match_probability")


@dataclass
class DedupeResult:
    listings: pd.DataFrame  # CanonicalListing, one row per cluster
    sources: pd.DataFrame  # ListingSource, one row per input record
    aliases: pd.DataFrame  # ListingAlias: previous aliases carried over + ids retired by this run
    clusters_merged: int  # clusters with >= 2 records
    records_merged: int  # records inside those clusters


def dedupe_listings(
    listings: pd.DataFrame,
    *,
    previous_sources: pd.DataFrame | None = None,
    previous_aliases: pd.DataFrame | None = None,
    overrides: pd.DataFrame | None = None,
    threshold: float = DEFAULT_MATCH_PROBABILITY,
) -> DedupeResult:
    """Canonical listings, their sources and the alias table for a night's classified listings."""
    records = listings.reset_index(drop=True)
    if records["record_id"].duplicated().any():
        raise ValueError("record_id must be unique in the dedupe input")
    record_ids = records["record_id"].astype("str")
    membership = clustered_records(records, record_ids, overrides, threshold)
    listing_ids, aliases = assign_listing_ids(membership, previous_sources, previous_aliases)

    sources = pd.DataFrame({
        "listing_id": listing_ids,
        "record_id": record_ids,
        "source_id": records["source_id"].astype("str"),
        "listing_url": records["listing_url"].astype("str"),
        "match_probability": membership["match_probability"],
    })
    canonical = canonical_listings(records, listing_ids)
    sizes = sources["listing_id"].value_counts()
    return DedupeResult(
        listings=CanonicalListing.validate(canonical, lazy=True),
        sources=ListingSource.validate(sources[list(SOURCE_COLUMNS)], lazy=True),
        aliases=ListingAlias.validate(aliases if len(aliases) else empty_aliases(), lazy=True),
        clusters_merged=int((sizes >= 2).sum()),
        records_merged=int(sizes[sizes >= 2].sum()),
    )


def clustered_records(records: pd.DataFrame, record_ids: pd.Series, overrides: pd.DataFrame | None,
                      threshold: float) -> pd.DataFrame:
    """Per record (in order): its `record_id`, `cluster` and `match_probability`.

    A function of its own so that the linkage's frame, pairs and edges (about 0.8 GB at a million
    records) are let go before the canonical listings copy the night's columns."""
    frame = linkage_frame(records)
    pairs = scored_pairs(frame, threshold) if len(records) >= 2 else empty_pairs()
    decisions = latest_overrides(overrides)
    edges, splits = edges_with_overrides(pairs, decisions)
    edges = edges_among(pd.Index(record_ids), edges)
    labels = components(len(records), edges)
    apart = pd.concat([splits, conflicting_pairs(frame, labels, allowed=decisions[decisions["action"] == "link"])])
    membership = pd.DataFrame({"record_id": record_ids, "cluster": constrained_clusters(record_ids, edges, labels, apart)})
    membership["match_probability"] = record_match_probability(membership["cluster"], edges)
    return membership
