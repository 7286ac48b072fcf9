"""What a night writes: current state, history, removal rules, per-run tables, decision logs."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pytest

from schemas.export import EXPORT_COLUMNS
from schemas.listing import CanonicalListing
from tests.warehouse.factory import (
    SOURCES,
    apply_night,
    listing_id,
    listing_row,
    listings_frame,
    no_aliases,
    sources_frame,
)
from warehouse import load as wl

N1, N2, N3, N4, N5 = "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"


def ids(*numbers: int) -> list[str]:
    return sorted(listing_id(n) for n in numbers)


def history(con, n: int) -> list[tuple]:
    return con.execute(
        "SELECT valid_from, valid_to, status, title FROM listing_history WHERE listing_id = ? ORDER BY valid_from",
        [listing_id(n)],
    ).fetchall()


def listing(con, n: int) -> dict:
    cursor = con.execute("SELECT * FROM listings WHERE listing_id = ?", [listing_id(n)])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def all_tables(con) -> dict[str, list[tuple]]:
    """Every table of the file (main and rerun schemas), fully, in a stable order."""
    names = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary AND table_name <> 'schema_migrations'"
    ).fetchall()
    return {f"{s}.{t}": con.execute(f'SELECT * FROM "{s}"."{t}" ORDER BY ALL').fetchall() for s, t in names}


def raw_rows(source: str, count: int) -> pd.DataFrame:
    return pd.DataFrame([
        {"title": f"Groupe {i}", "source_id": source, "listing_url": f"https://{source}.example/{i}",
         "fetched_at": "2026-11-24T03:00:00+00:00", "spider_version": "1", "content_hash": hashlib.sha256(f"{source}{i}".encode()).hexdigest(),
         "raw": "{}", "start": "19:30", "end": "21:00"}
        for i in range(count)
    ])


def quarantine_rows(source: str, reasons: list[str]) -> pd.DataFrame:
    return pd.DataFrame([{"stage": "clean", "source_id": source, "record_id": f"{source}:q{i}", "url": None,
                          "reason": r, "payload": "{}"} for i, r in enumerate(reasons)])


def full_night(con, night: str, rows: list[dict], **options) -> wl.ChangeSummary:
    """A night with every table written: registry, source runs, raw, quarantine, listings, quality."""
    started = datetime.fromisoformat(f"{night}T03:00:00+00:00")
    wl.upsert_sources(con, pd.DataFrame([{"source_id": s, "name": s.title(), "organisation": "Asbl Exemple", "country": "BE",
                                          "languages": "fr", "adapter": "jsonld", "start_urls": f"https://{s}.example/",
                                          "enabled": True, "contact": f"data@{s}.example", "profile": "test"} for s in SOURCES]))
    wl.start_run(con, night, started_at=started, profile="test")
    wl.record_source_runs(con, night, pd.DataFrame([{"source_id": s, "status": "ok", "items": 5, "quarantined": 1, "pages": 3,
                                                     "wire_bytes": 1000, "http_errors": 0, "seconds": 1.5, "error": None,
                                                     "health_notes": ""} for s in SOURCES]))
    assert wl.land_raw(con, night, raw_rows("deuil-liege", 3)) == 3
    quarantine = quarantine_rows("deuil-liege", ["start_time: str_matches (got 25:00)"])
    wl.load_quarantine(con, night, quarantine)
    changes = apply_night(con, night, rows, **options)
    wl.record_quality(con, night, wl.quality_frame(listings_frame(rows).drop(columns=["listing_id", "source_count", "source_urls"]), quarantine))
    return changes


NIGHT_TWO = {
    "unchanged": lambda: [listing_row(i) for i in range(5)],
    "title changed": lambda: [listing_row(0, title="Nouveau titre")] + [listing_row(i) for i in range(1, 5)],
    "listing missing": lambda: [listing_row(i) for i in range(4)],
    "cancelled": lambda: [listing_row(0, status="cancelled")] + [listing_row(i) for i in range(1, 5)],
    "new listing": lambda: [listing_row(i) for i in range(6)],
}


@pytest.mark.parametrize("scenario", NIGHT_TWO)
def test_rerunning_a_night_leaves_every_table_identical(con, scenario):
    full_night(con, N1, [listing_row(i) for i in range(5)])
    first = full_night(con, N2, NIGHT_TWO[scenario]())
    once = all_tables(con)
    again = full_night(con, N2, NIGHT_TWO[scenario]())
    assert all_tables(con) == once
    assert again == first
    assert con.execute("SELECT count(*) - count(DISTINCT (listing_id, valid_from)) FROM listing_history").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM listing_history WHERE valid_to <= valid_from").fetchone()[0] == 0


def test_rerunning_a_night_with_different_input_forgets_the_first_attempt(con):
    apply_night(con, N1, [listing_row(i) for i in range(3)])
    apply_night(con, N2, [listing_row(i) for i in range(3)] + [listing_row(7)], crawled_ok=[])
    apply_night(con, N2, [listing_row(0, title="Autre")] + [listing_row(i) for i in range(1, 3)])
    assert listing_id(7) not in [r[0] for r in con.execute("SELECT listing_id FROM listings").fetchall()]
    assert history(con, 0)[-1][3] == "Autre" and len(history(con, 0)) == 2


def test_rerunning_a_night_keeps_the_first_attempts_provenance_when_content_is_the_same(con):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    apply_night(con, N2, [listing_row(0, fetched_at="2026-11-25T03:00:00+00:00"), listing_row(1), listing_row(2)])
    first = con.execute("SELECT * FROM listings ORDER BY listing_id").fetchall()
    apply_night(con, N2, [listing_row(0, fetched_at="2026-11-25T05:00:00+00:00"), listing_row(1),
                          listing_row(2, fetched_at="2026-11-25T05:00:00+00:00")])
    assert con.execute("SELECT * FROM listings ORDER BY listing_id").fetchall() == first


def test_an_older_night_cannot_be_replayed_over_a_newer_one(con):
    apply_night(con, N1, [listing_row(0)])
    apply_night(con, N2, [listing_row(0)])
    with pytest.raises(ValueError, match="only the latest night can be re-run"):
        apply_night(con, N1, [listing_row(0)])


@pytest.mark.parametrize(("change", "history_rows"), [
    ({"title": "Groupe de parole du mardi"}, 1),
    ({"weekday": 3}, 1),
    ({"price_eur": 5.0, "price_kind": "fixed"}, 1),
    ({"format": "talking_group"}, 1),
    ({"topics": "grief;loneliness"}, 1),
    ({"next_occurrence": "2026-12-02T19:30:00+01:00"}, 0),
    ({"fetched_at": "2026-11-25T03:00:00+00:00"}, 0),
    ({"classifier_version": "test-2"}, 0),
    ({"city_origin": "structured"}, 0),
])
def test_only_a_change_of_published_content_writes_one_history_row(con, change, history_rows):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    summary = apply_night(con, N2, [listing_row(0, **change), listing_row(1)])
    rows = con.execute("SELECT listing_id, valid_from FROM listing_history WHERE run_id = ?", [N2]).fetchall()
    assert rows == [(listing_id(0), date(2026, 11, 25))] * history_rows
    assert summary.changed == ids(0)[:history_rows] and summary.unchanged == 2 - history_rows
    assert listing(con, 0)["last_seen"] == date(2026, 11, 25)
    if "next_occurrence" in change:  # the moving session is published even though nothing changed
        assert listing(con, 0)["next_occurrence"] == change["next_occurrence"]


def test_a_listing_is_removed_after_three_successful_crawls_without_it_and_revives(con):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    statuses = []
    for night in (N2, N3, N4):
        summary = apply_night(con, night, [listing_row(0)])
        statuses.append((listing(con, 1)["status"], listing(con, 1)["missed_crawls"]))
    assert statuses == [("active", 1), ("active", 2), ("removed", 3)]
    assert summary.removed == ids(1)
    revived = apply_night(con, N5, [listing_row(0), listing_row(1)])
    assert revived.changed == ids(1) and listing(con, 1)["status"] == "active"
    assert [r[2] for r in history(con, 1)] == ["active", "removed", "active"]
    assert listing(con, 1)["first_seen"] == date(2026, 11, 24)


@pytest.mark.parametrize(("crawled_ok", "missed"), [
    (SOURCES, 1),
    ([s for s in SOURCES if s != SOURCES[1]], 0),  # listing 1 comes from SOURCES[1], which failed
    ([], 0),
])
def test_a_failed_or_degraded_source_never_counts_towards_removal(con, crawled_ok, missed):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    apply_night(con, N2, [listing_row(0)], crawled_ok=crawled_ok, removal_after=1)
    assert listing(con, 1)["missed_crawls"] == missed
    assert listing(con, 1)["status"] == ("removed" if missed else "active")


def test_a_listing_with_two_sources_needs_both_crawled_to_count_a_miss(con):
    row = listing_row(1, source_count=2)
    frame = listings_frame([listing_row(0), row])
    both = pd.concat([sources_frame(frame), pd.DataFrame([{"listing_id": listing_id(1), "record_id": "praat-gent:99",
                                                           "source_id": "praat-gent", "listing_url": "https://praat-gent.example/99",
                                                           "match_probability": 0.97}])])
    wl.start_run(con, N1, started_at=datetime(2026, 11, 24, 3, tzinfo=UTC), profile="test")
    wl.stage_listings(con, frame)
    wl.apply_staged_listings(con, N1, date(2026, 11, 24), both, no_aliases(), crawled_ok=SOURCES)
    supplier = row["source_id"]
    apply_night(con, N2, [listing_row(0)], crawled_ok=[supplier], removal_after=1)
    assert listing(con, 1)["status"] == "active"
    apply_night(con, N3, [listing_row(0)], crawled_ok=[supplier, "praat-gent"], removal_after=1)
    assert listing(con, 1)["status"] == "removed"


def test_a_cancelled_group_is_kept_visible_to_analysts_but_leaves_the_directory(con):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    summary = apply_night(con, N2, [listing_row(0, status="cancelled"), listing_row(1)])
    assert summary.cancelled == ids(0)
    assert listing(con, 0)["status"] == "cancelled" and listing(con, 0)["event_status"] == "cancelled"
    assert con.execute("SELECT listing_id FROM v_directory").fetchall() == [(listing_id(1),)]
    assert con.execute("SELECT listing_id, change FROM v_changes_last_run").fetchall() == [(listing_id(0), "cancelled")]


def test_a_retired_id_is_removed_at_once_and_its_alias_keeps_its_first_night(con):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    alias = pd.DataFrame([{"alias_id": listing_id(1), "listing_id": listing_id(0), "reason": "merged"}])
    apply_night(con, N2, [listing_row(0, source_count=2)], aliases=alias)
    assert listing(con, 1)["status"] == "removed"
    apply_night(con, N3, [listing_row(0, source_count=2)], aliases=alias)
    assert con.execute("SELECT alias_id, listing_id, since FROM listing_aliases").fetchall() == [
        (listing_id(1), listing_id(0), date(2026, 11, 25))]
    assert wl.previous_aliases(con).to_dict("records") == [{"alias_id": listing_id(1), "listing_id": listing_id(0), "reason": "merged"}]


def test_history_answers_what_a_listing_looked_like_on_a_past_night(con):
    apply_night(con, N1, [listing_row(0, weekday=1)])
    apply_night(con, N2, [listing_row(0, weekday=1)])
    apply_night(con, N3, [listing_row(0, weekday=4)])
    on = "SELECT weekday FROM listing_history WHERE listing_id = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
    assert [con.execute(on, [listing_id(0), d, d]).fetchall() for d in (date(2026, 11, 25), date(2026, 11, 26))] == [[(1,)], [(4,)]]


def test_state_tables_keep_one_row_per_key_and_every_canonical_column(con):
    apply_night(con, N1, [listing_row(i) for i in range(4)])
    apply_night(con, N2, [listing_row(i) for i in range(4)])
    stored = set(con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'listings'").df()["column_name"])
    expected = {wl.RENAMED.get(c, c) for c in CanonicalListing.to_schema().columns}
    assert expected <= stored and {"first_seen", "last_seen", "status", "missed_crawls", "row_hash"} <= stored
    counts = con.execute("SELECT count(*), count(DISTINCT listing_id) FROM listings").fetchone()
    assert counts == (4, 4)
    assert con.execute("SELECT count(*), count(DISTINCT record_id) FROM listing_sources").fetchone() == (4, 4)


def test_the_directory_view_holds_only_publishable_listings_with_every_export_column(con):
    apply_night(con, N1, [listing_row(0), listing_row(1, format="out_of_scope"), listing_row(2, needs_review=True),
                          listing_row(3, status="postponed"), listing_row(4, status="cancelled")])
    directory = con.execute("SELECT * FROM v_directory").df()
    assert sorted(directory["listing_id"]) == ids(0, 3)
    assert set(directory["status"]) == {"active"} and set(directory["event_status"]) == {"scheduled", "postponed"}
    derived = {"format_label_fr", "format_label_nl", "format_label_en", "export_version"}
    assert set(EXPORT_COLUMNS) - derived <= set(directory.columns)


def test_relanding_a_run_replaces_only_that_runs_rows(con):
    for night in (N1, N2):
        wl.start_run(con, night, started_at=datetime.fromisoformat(f"{night}T03:00:00+00:00"), profile="test")
        wl.land_raw(con, night, raw_rows("deuil-liege", 3))
        wl.load_quarantine(con, night, quarantine_rows("deuil-liege", ["title: str_length (got )"]))
    wl.land_raw(con, N2, raw_rows("deuil-liege", 2))
    wl.load_quarantine(con, N2, quarantine_rows("deuil-liege", ["a", "b", "c"]))
    landed = con.execute("SELECT run_id, count(*), min(landed_at) FROM raw_listings GROUP BY run_id ORDER BY run_id").fetchall()
    assert [r[:2] for r in landed] == [(N1, 3), (N2, 2)]
    assert landed[1][2] == datetime(2026, 11, 25, 3, tzinfo=UTC)
    assert con.execute("SELECT run_id, count(*) FROM quarantine GROUP BY ALL ORDER BY 1").fetchall() == [(N1, 1), (N2, 3)]
    assert con.execute('SELECT "start", "end" FROM raw_listings LIMIT 1').fetchone() == ("19:30", "21:00")


def test_quality_counts_coverage_origins_and_validation_failures_per_source_and_field(con):
    rows = [listing_row(0, source_id="deuil-liege", postcode=None), listing_row(3, source_id="deuil-liege", postcode_origin="structured")]
    clean = listings_frame(rows)
    quarantine = quarantine_rows("deuil-liege", ["postcode: str_matches (got x); start_time: str_matches (got 25:00)",
                                                 "end_time: str_matches (got 99:00)"]).pipe(
        lambda q: pd.concat([q, quarantine_rows("praat-gent", ["fetch failed"])]))
    wl.record_quality(con, N1, wl.quality_frame(clean, quarantine))
    quality = con.execute("SELECT * FROM quality WHERE run_id = ?", [N1]).df().set_index(["source_id", "field"])
    postcode = quality.loc[("deuil-liege", "postcode")]
    assert (postcode["rows"], postcode["non_null"], postcode["coverage"], postcode["failures"]) == (2, 1, 0.5, 1)
    assert (postcode["origin_structured"], postcode["origin_parsed"]) == (1.0, 0.0)
    assert quality.loc[("deuil-liege", "start_time"), "failures"] == 1
    assert quality.loc[("deuil-liege", "end_time"), "failures"] == 1
    assert quality.loc[("deuil-liege", "*"), "failures"] == 2
    assert (quality.loc[("praat-gent", "*"), "rows"], quality.loc[("praat-gent", "*"), "failures"]) == (0, 1)
    assert pd.isna(quality.loc[("deuil-liege", "title"), "origin_parsed"])


def test_source_health_flags_a_source_whose_items_collapse(con):
    for day in range(1, 9):
        run = f"2026-11-{day:02d}"
        wl.start_run(con, run, started_at=datetime(2026, 11, day, 3, tzinfo=UTC), profile="test")
        items = {"deuil-liege": 40 if day < 8 else 4, "praat-gent": 30}
        wl.record_source_runs(con, run, pd.DataFrame([{"source_id": s, "status": "ok", "items": n, "quarantined": 0}
                                                      for s, n in items.items()]))
    health = con.execute("SELECT source_id, items, median_items, degraded FROM v_source_health ORDER BY source_id").fetchall()
    assert health == [("deuil-liege", 4, 40.0, True), ("praat-gent", 30, 30.0, False)]


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"field": "format", "value": "support_group"}, None),
    ({"field": "topics", "value": "grief;loneliness"}, None),
    ({"field": "approved", "value": "true"}, None),
    ({"field": "format", "value": "book_club"}, "not an allowed value"),
    ({"field": "topics", "value": "grief;cooking"}, "not an allowed value"),
    ({"field": "title", "value": "x"}, "cannot correct"),
    ({"field": "format", "value": "workshop", "listing_id": "42"}, "not a listing id"),
])
def test_corrections_are_checked_against_the_taxonomy_and_logged_in_order(con, kwargs, error):
    call = {"listing_id": listing_id(0), "analyst": "analyst-a", "note": "checked the site", **kwargs}
    if error:
        with pytest.raises(ValueError, match=error):
            wl.add_correction(con, **call)
        assert wl.load_corrections(con).empty
        return
    wl.add_correction(con, **call, decided_at=datetime(2026, 11, 25, tzinfo=UTC))
    wl.add_correction(con, **{**call, "note": "earlier"}, decided_at=datetime(2026, 11, 20, tzinfo=UTC))
    logged = wl.load_corrections(con)
    assert list(logged.columns) == ["listing_id", "field", "value", "analyst", "decided_at", "note"]
    assert list(logged["note"]) == ["earlier", "checked the site"]


@pytest.mark.parametrize(("action", "a", "b", "error"), [
    ("link", "deuil-liege:1", "praat-gent:2", None),
    ("split", "deuil-liege:1", "praat-gent:2", None),
    ("merge", "deuil-liege:1", "praat-gent:2", "link or split"),
    ("link", "deuil-liege:1", "deuil-liege:1", "itself"),
])
def test_dedupe_overrides_are_an_append_only_log(con, action, a, b, error):
    if error:
        with pytest.raises(ValueError, match=error):
            wl.add_override(con, action=action, record_id_a=a, record_id_b=b, analyst="analyst-a")
        return
    wl.add_override(con, action=action, record_id_a=a, record_id_b=b, analyst="analyst-a", note="same room, same time")
    wl.add_override(con, action=action, record_id_a=a, record_id_b=b, analyst="analyst-b")
    overrides = wl.load_overrides(con)
    assert list(overrides.columns) == ["action", "record_id_a", "record_id_b", "analyst", "decided_at", "note"]
    assert list(overrides["analyst"]) == ["analyst-a", "analyst-b"] and set(overrides["action"]) == {action}


def test_previous_sources_remember_records_of_listings_gone_tonight(con):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    apply_night(con, N2, [listing_row(0)])
    previous = wl.previous_sources(con)
    assert list(previous.columns) == ["listing_id", "record_id", "source_id", "listing_url", "match_probability"]
    assert sorted(previous["listing_id"]) == ids(0, 1)
    assert sorted(wl.previous_sources(con, before_run=N2)["listing_id"]) == ids(0, 1)


def test_parquet_snapshot_holds_the_tables_as_the_warehouse_does(con, tmp_path):
    full_night(con, N1, [listing_row(i) for i in range(3)])
    full_night(con, N2, [listing_row(i) for i in range(4)])
    written = wl.snapshot_parquet(con, N2, tmp_path / N2)
    assert {p.name for p in written} >= {"listings.parquet", "listing_history.parquet", "raw_listings.parquet"}
    with duckdb.connect() as scratch:
        listings = scratch.execute("SELECT listing_id, title, status FROM read_parquet(?)", [str(tmp_path / N2 / "listings.parquet")]).fetchall()
        raw_runs = scratch.execute("SELECT DISTINCT run_id FROM read_parquet(?)", [str(tmp_path / N2 / "raw_listings.parquet")]).fetchall()
    assert listings == con.execute("SELECT listing_id, title, status FROM listings ORDER BY listing_id").fetchall()
    assert raw_runs == [(N2,)]


def test_run_rows_record_start_finish_status_and_summary(con):
    apply_night(con, N1, [listing_row(0)])
    run = con.execute("SELECT status, finished_at > started_at, summary->>'listings' FROM runs").fetchone()
    assert run == ("Completed", True, "1")
    with pytest.raises(KeyError, match="never started"):
        wl.finish_run(con, "1999-01-01", finished_at=datetime.now(UTC), status="Completed", summary={})


def test_every_table_column_carries_a_comment(con):
    missing = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
        "WHERE schema_name = 'main' AND (c.comment IS NULL OR c.comment = '')"
    ).fetchall()
    assert missing == []


@pytest.mark.parametrize(("row", "stored"), [
    ({"stage": "clean", "source_id": "deuil-liege", "reason": "title: str_length", "payload": '{"title": ""}'},
     ("clean", "title: str_length", '{"title": ""}')),
    ({"source_id": "deuil-liege", "reason": "unreadable line", "payload": {"line": 3}}, ("unknown", "unreadable line", '{"line": 3}')),
    ({"stage": "fetch", "url": "https://deuil-liege.example/x"}, ("fetch", "no reason given", None)),
])
def test_every_quarantined_row_is_kept_even_when_its_producer_left_fields_out(con, row, stored):
    assert wl.load_quarantine(con, N1, pd.DataFrame([row])) == 1
    assert con.execute("SELECT stage, reason, payload FROM quarantine WHERE run_id = ?", [N1]).fetchall() == [stored]


@pytest.mark.parametrize("hostile", ["'); DROP TABLE listings; --", "O'Brien \"quoted\" $night ? %s", "{'a': 1}"])
def test_values_travel_as_parameters_and_come_back_verbatim(con, hostile):
    apply_night(con, N1, [listing_row(0, title=hostile, description=hostile)])
    wl.add_correction(con, listing_id=listing_id(0), field="format", value="workshop", analyst=hostile, note=hostile)
    wl.land_raw(con, N1, raw_rows("deuil-liege", 1).assign(title=hostile))
    assert con.execute("SELECT title, description FROM listings").fetchall() == [(hostile, hostile)]
    assert wl.load_corrections(con)[["analyst", "note"]].values.tolist() == [[hostile, hostile]]
    assert con.execute("SELECT title FROM raw_listings").fetchall() == [(hostile,)]


def test_applying_without_staged_listings_is_refused_and_changes_nothing(con):
    apply_night(con, N1, [listing_row(0), listing_row(1)])
    before = all_tables(con)
    with pytest.raises(ValueError, match="stage_listings first"):
        wl.apply_staged_listings(con, N2, date(2026, 11, 25), sources_frame(listings_frame([listing_row(0)])), no_aliases(),
                                 crawled_ok=SOURCES)
    assert all_tables(con) == before  # an empty night would otherwise count a missed crawl for every listing


def test_a_repeated_listing_id_is_refused_before_anything_is_staged(con):
    with pytest.raises(ValueError, match="unique"):
        wl.stage_listings(con, pd.concat([listings_frame([listing_row(0)])] * 2, ignore_index=True))


def test_the_cleaned_event_status_is_stored_never_the_raw_field_clean_passed_through(con):
    frame = listings_frame([listing_row(0, status="cancelled")])
    frame = frame.assign(event_status="https://schema.org/EventScheduled")[["event_status", *frame.columns]]
    wl.start_run(con, N1, started_at=datetime(2026, 11, 24, 3, tzinfo=UTC), profile="test")
    wl.stage_listings(con, frame)
    wl.apply_staged_listings(con, N1, date(2026, 11, 24), sources_frame(frame), no_aliases(), crawled_ok=SOURCES)
    assert (listing(con, 0)["event_status"], listing(con, 0)["status"]) == ("cancelled", "cancelled")
