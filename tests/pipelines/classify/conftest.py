"""Frozen clean-stage-shaped listings for the classify tests (no clean stage, no network)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from schemas.clean import CleanListing

DEFAULTS = {
    "source_id": "test", "fetched_at": "2026-01-05T03:00:00+00:00", "timezone": "Europe/Brussels",
    "rhythm": "unknown", "attendance": "unknown", "entry": "unknown", "status": "scheduled", "price_kind": "unknown",
}


def clean_frame(listings: list[dict]) -> pd.DataFrame:
    """Listings (title, description, language, ... any clean column) as a valid `CleanListing` frame."""
    rows = []
    for number, listing in enumerate(listings):
        row = {**DEFAULTS, **listing}
        row.setdefault("record_id", f"test:{number}")
        row.setdefault("listing_url", f"https://example.org/{number}")
        row.setdefault("content_hash", f"hash{number}")
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in CleanListing.to_schema().columns:
        if column not in frame.columns:
            frame[column] = None
    return CleanListing.validate(frame)


@pytest.fixture
def make_frame() -> Callable[[list[dict]], pd.DataFrame]:
    return clean_frame
