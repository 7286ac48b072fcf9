"""Clean and classify over chunks give what they give over the whole batch, repeats included."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from benchmarks.synthetic import synthetic_raw
from pipelines.chunks import listing_chunks, row_chunks
from pipelines.classify import classified_chunk, classify_listings
from pipelines.clean import CleanResult, clean_listings, cleaned_chunk
from pipelines.compact import concatenated, expanded
from pipelines.health import key_field_coverage
from pipelines.landing import validate_raw
from warehouse.load import quality_frame

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def raw_with_repeats() -> pd.DataFrame:
    raw, _ = validate_raw(synthetic_raw(1_200, seed=7))
    repeats = raw.iloc[[3, 250, 251]].copy()  # announced again at the end of the batch
    repeats["description"] = "repeat of an earlier row"
    return pd.concat([raw, repeats], ignore_index=True)


def test_repeats_of_a_listing_land_in_its_first_rows_chunk(raw_with_repeats):
    chunks = listing_chunks(raw_with_repeats, rows=300)
    assert len(chunks) == 4
    assert sum(len(c) for c in chunks) == len(raw_with_repeats)
    first, last = chunks[0], chunks[-1]
    assert list(first.index[-3:]) == [1200, 1201, 1202]  # the three repeats joined chunk 0
    assert 1200 not in last.index


@pytest.fixture(scope="module")
def whole(raw_with_repeats):
    cleaned = clean_listings(raw_with_repeats, today=TODAY)
    return cleaned, classify_listings(cleaned.clean)


@pytest.mark.parametrize("rows", [300, 1_000])
def test_clean_and_classify_by_chunk_equal_the_whole_batch(raw_with_repeats, whole, rows):
    cleaned, classified = whole
    chunked = CleanResult.combined([clean_listings(c, today=TODAY) for c in listing_chunks(raw_with_repeats, rows)])
    pd.testing.assert_frame_equal(chunked.clean, cleaned.clean)
    assert sorted(chunked.quarantine["reason"]) == sorted(cleaned.quarantine["reason"])
    assert chunked.quarantine["reason"].str.startswith("duplicate record_id").sum() == 3
    by_chunk = pd.concat([classify_listings(c) for c in row_chunks(cleaned.clean, rows)], ignore_index=True)
    pd.testing.assert_frame_equal(by_chunk, classified)


@pytest.mark.parametrize("rows", [300, 1_000])
def test_the_flows_compact_chunks_give_the_whole_batch(raw_with_repeats, whole, rows):
    """The flow's tasks hand chunks on dictionary-encoded; the night's frames, its quality rows
    and its sources' coverage are those of the plain whole batch."""
    cleaned, classified = whole
    chunked = CleanResult.combined([cleaned_chunk(c, today=TODAY) for c in listing_chunks(raw_with_repeats, rows)])
    assert sum(isinstance(t, pd.CategoricalDtype) for t in chunked.clean.dtypes) >= 20
    pd.testing.assert_frame_equal(expanded(chunked.clean), cleaned.clean)
    pd.testing.assert_series_equal(key_field_coverage(chunked.clean), key_field_coverage(cleaned.clean))
    pd.testing.assert_frame_equal(quality_frame(chunked.clean, chunked.quarantine), quality_frame(cleaned.clean, cleaned.quarantine))
    by_chunk = concatenated([classified_chunk(c) for c in row_chunks(chunked.clean, rows)])
    pd.testing.assert_frame_equal(expanded(by_chunk), classified)


def test_a_batch_smaller_than_a_chunk_is_one_chunk(raw_with_repeats):
    assert listing_chunks(raw_with_repeats, rows=10_000)[0] is raw_with_repeats
    assert len(row_chunks(raw_with_repeats.iloc[0:0])) == 1
