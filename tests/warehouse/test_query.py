"""Analysts' queries run read-only, and the worked examples of docs/ANALYSTS.md keep working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.warehouse.factory import listing_row
from tests.warehouse.test_load import full_night
from warehouse.query import ReadOnlyWarehouse, run_query
from warehouse.store import Warehouse

ANALYSTS_MD = Path(__file__).resolve().parents[2] / "docs" / "ANALYSTS.md"
EXAMPLE_ID = "gd_0123456789ab"


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", ANALYSTS_MD.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Two nights: listing 1 moves to Thursday, listing 2 disappears (its source crawled fine)."""
    first = [listing_row(0, listing_id=EXAMPLE_ID)] + [listing_row(i) for i in range(1, 6)]
    first.append(listing_row(6, needs_review=True, format_confidence=0.4))
    second = [r for r in first if r["title"] != "Groupe de parole 2"]
    second[1] = listing_row(1, weekday=3, schedule_text="Le jeudi à 19h30")
    warehouse = Warehouse(tmp_path_factory.mktemp("published") / "groupdir.duckdb")
    with warehouse.writing() as con:
        full_night(con, "2026-11-24", first)
        full_night(con, "2026-11-25", second, removal_after=1)
    return warehouse.path


# Expected columns and the least number of rows the two nights above must give, in document order.
EXPECTED = [
    (["listing_id", "title", "city", "weekday", "start_time", "price_kind", "website"], 4),
    (["night", "support_groups_for_grief"], 3),
    (["source_id", "last_crawl", "records_not_seen_last_night", "listings_now_removed"], 1),
    (["listing_id", "title", "changed_on", "old_weekday", "new_weekday", "old_start", "new_start", "old_schedule", "new_schedule"], 1),
    (["listing_id", "valid_from", "valid_to", "status", "title", "format", "weekday", "start_time", "city", "price_kind"], 1),
    (["region_code", "region", "format", "listings"], 1),
    (["source_id", "last_status", "items", "median_items", "quarantine_rate", "key_field_coverage", "why"], 0),
    (["listing_id", "title", "format", "confidence", "format_evidence", "listing_url"], 1),
    (["source_id", "stage", "reason", "rows"], 1),
    (["run_id", "source_id", "rows", "start_time_coverage", "parsed_share", "failures"], 2),
]


def test_the_guide_has_ten_worked_queries():
    assert len(doc_queries()) == len(EXPECTED) == 10


@pytest.mark.parametrize("number", range(1, 11))
def test_each_worked_query_runs_and_answers_in_the_documented_shape(published, number):
    columns, at_least = EXPECTED[number - 1]
    frame = run_query(published, doc_queries()[number - 1])
    assert list(frame.columns) == columns
    assert len(frame) >= at_least


def test_the_worked_answers_match_the_nights_they_ran_on(published):
    queries = doc_queries()
    assert run_query(published, queries[1])["support_groups_for_grief"].tolist()[-1] == 5
    lost = run_query(published, queries[2])
    assert lost[["source_id", "records_not_seen_last_night", "listings_now_removed"]].values.tolist() == [["praat-gent", 1, 1]]
    moved = run_query(published, queries[3])
    assert moved[["old_weekday", "new_weekday"]].values.tolist() == [[1, 3]]


@pytest.mark.parametrize("statement", [
    "DELETE FROM listings",
    "UPDATE listings SET status = 'removed'",
    "INSERT INTO corrections VALUES ('gd_0123456789ab', 'format', 'workshop', 'a', now(), '')",
    "CREATE TABLE mine AS SELECT 1",
    "DROP VIEW v_directory",
])
def test_a_query_that_would_change_the_warehouse_is_refused_clearly(published, statement):
    before = published.read_bytes()
    with pytest.raises(ReadOnlyWarehouse, match="read-only"):
        run_query(published, statement)
    assert published.read_bytes() == before


def test_querying_before_any_night_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="no warehouse published yet"):
        run_query(tmp_path / "groupdir.duckdb", "SELECT 1")


def test_every_table_view_and_column_is_in_the_data_dictionary(published):
    text = ANALYSTS_MD.read_text(encoding="utf-8")
    columns = run_query(published, "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal")
    missing = [f"{t}.{c}" for t, c in columns.itertuples(index=False) if f"`{t}`" not in text or f"`{c}`" not in text]
    assert missing == []

