"""The scaling switch of docs/SCALING.md, exercised: the nightly flow on Prefect's Dask task runner
(a local cluster of worker processes), clean and classify split into many chunks, publishes the
same listings as the default thread runner processing the night in one piece."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

SOURCES = ["aidants-lyon", "rouwzorg-vlaanderen", "entraide-wallonie"]
NIGHT = "2026-12-01"
LISTING_COLUMNS = "listing_id, title, format, needs_review, weekday, start_time, postcode, country, language, source_count"


def _listings(data: Path) -> list[tuple]:
    with duckdb.connect(str(data / "groupdir.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT {LISTING_COLUMNS} FROM listings ORDER BY listing_id").fetchall()


@pytest.fixture(scope="module")
def thread_and_dask_nights(prefect_harness, tmp_path_factory):
    from flows.nightly import nightly_with

    one_piece, chunked = tmp_path_factory.mktemp("thread"), tmp_path_factory.mktemp("dask")
    threads = nightly_with(2)(night=NIGHT, sources=SOURCES, data_dir=str(one_piece))
    dask = nightly_with(2, task_runner="dask")(night=NIGHT, sources=SOURCES, data_dir=str(chunked), chunk_rows=20)
    return one_piece, threads, chunked, dask


def test_dask_runner_with_many_chunks_publishes_what_one_piece_does(thread_and_dask_nights):
    one_piece, threads, chunked, dask = thread_and_dask_nights
    assert dask["raw"] == threads["raw"] > 40  # more than two chunks of 20 rows
    assert dask["status"] == threads["status"]
    assert dask["quarantined"] == threads["quarantined"]
    assert _listings(chunked) == _listings(one_piece)
    assert (chunked / "exports" / "listings.csv").read_bytes() == (one_piece / "exports" / "listings.csv").read_bytes()
