"""The nightly flow end to end on the demo web (Prefect's test harness, crawls as child processes).

One module-scoped data folder holds two consecutive runs of the same night, so the expensive
part runs twice in total and each test reads what it needs.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from spiders.demo_web import SITES_DIR

NIGHT = "2026-12-02"
TRUTH = SITES_DIR.parent / "truth.jsonl"


def _truth() -> list[dict]:
    return [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines() if line.strip()]


def _table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def two_nights(prefect_harness, tmp_path_factory):
    """Run the same night twice on an unchanged demo web, keeping copies of what each published."""
    from flows.nightly import nightly_with

    data = tmp_path_factory.mktemp("data")
    first = nightly_with(4)(night=NIGHT, data_dir=str(data))
    first_db = data / "first.duckdb"
    shutil.copyfile(data / "groupdir.duckdb", first_db)
    first_csv = (data / "exports" / "listings.csv").read_bytes()
    second = nightly_with(4)(night=NIGHT, data_dir=str(data))
    return {"data": data, "first": first, "second": second, "first_db": first_db, "first_csv": first_csv}


def test_demo_night_loads_every_listing_and_exports_only_groups(two_nights):
    data, summary = two_nights["data"], two_nights["first"]
    assert summary["raw"] >= 300
    assert summary["listings"] >= 250  # after merging duplicates across and within sites
    rows = list(csv.DictReader((data / "exports" / "listings.csv").open(encoding="utf-8")))
    assert len(rows) == summary["exported_rows"] > 150
    assert {r["format"] for r in rows} <= {
        "therapy_group", "support_group", "talking_group", "workshop", "retreat",
        "art_therapy_psychodrama", "personal_development",
    }
    non_group_titles = {t["title"].strip().lower() for t in _truth() if t.get("non_group")}
    exported_titles = {r["title"].strip().lower() for r in rows}
    leaked = non_group_titles & exported_titles
    assert len(leaked) <= len(non_group_titles) * 0.05, f"non-group events exported: {sorted(leaked)[:5]}"
    assert (data / "reports" / f"{NIGHT}.html").is_file()


def test_failing_source_is_reported_and_the_others_complete(two_nights):
    summary = two_nights["first"]
    by_source = {s["source_id"]: s for s in summary["sources"]}
    assert by_source["association-en-panne"]["status"] == "failed"
    assert "500" in (by_source["association-en-panne"]["error"] or "")
    assert summary["failed_sources"] == ["association-en-panne"]
    assert summary["status"] == "Completed with warnings"
    working = [s for sid, s in by_source.items() if sid != "association-en-panne"]
    assert all(s["status"] in ("ok", "degraded") and s["items"] > 0 for s in working)


def test_robots_disallowed_listings_are_never_crawled(two_nights):
    disallowed = {t["title"] for t in _truth() if t.get("robots_disallowed")}
    assert disallowed, "the demo web must hold robots-disallowed listings"
    crawled = {r[0] for r in _table(two_nights["data"] / "groupdir.duckdb", "SELECT title FROM raw_listings")}
    assert not disallowed & crawled


def test_second_night_is_conditional_and_changes_nothing(two_nights):
    first, second = two_nights["first"], two_nights["second"]
    assert second["wire_bytes"] <= 0.10 * first["wire_bytes"], (first["wire_bytes"], second["wire_bytes"])
    db, first_db = two_nights["data"] / "groupdir.duckdb", two_nights["first_db"]
    listing_sql = "SELECT * EXCLUDE (next_occurrence) FROM listings ORDER BY listing_id"
    assert _table(db, listing_sql) == _table(first_db, listing_sql)
    history_sql = "SELECT count(*) FROM listing_history"
    assert _table(db, history_sql) == _table(first_db, history_sql)
    assert second["new"] == second["changed"] == second["removed"] == 0
    assert (two_nights["data"] / "exports" / "listings.csv").read_bytes() == two_nights["first_csv"]


def test_parquet_snapshots_answer_like_the_warehouse(two_nights):
    """The scale-out path for analysts: the night's Parquet snapshot queried by DuckDB."""
    data = two_nights["data"]
    pattern = str(data / "snapshots" / "*" / "listings.parquet")
    with duckdb.connect() as con:
        from_parquet = con.execute(
            "SELECT listing_id, title, format FROM read_parquet(?) ORDER BY listing_id", [pattern]
        ).fetchall()
    assert from_parquet == _table(data / "groupdir.duckdb", "SELECT listing_id, title, format FROM listings ORDER BY listing_id")
