"""The clean stage as the flow calls it: identity, quarantine with reasons, contract, pass-through."""

import datetime as dt
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.clean import CleanResult, clean_listings, record_ids
from schemas.clean import ORIGIN_FIELDS, ORIGINS, CleanListing
from schemas.quarantine import QUARANTINE_COLUMNS
from schemas.raw import RAW_FIELDS

TODAY = dt.date(2026, 12, 1)


def listing(i: int, **fields) -> dict:
    base = {
        "source_id": "asbl-demo", "external_id": str(i), "listing_url": f"https://asbl-demo.example/groupe/{i}",
        "fetched_at": "2026-12-01T03:00:00+00:00", "content_hash": f"{i:064x}", "title": f"Groupe de parole {i}",
    }
    return {**base, **fields}


def test_clean_rows_are_validated_in_input_order_with_pass_through_columns():
    raw = pd.DataFrame([listing(3, id="row-a", schedule_text="tous les 1ers mardis du mois de 19h30 à 21h",
                                location_text="Rue Haute 12, 4000 Liège", price_text="gratuit", language="fr"),
                        listing(1, id="row-b", title="<b>Praatgroep</b> rouw", language="nl"),
                        listing(2, id="row-c", title="Support group", language="en")])
    result = clean_listings(raw, today=TODAY)
    assert isinstance(result, CleanResult) and result.quarantine.empty
    CleanListing.validate(result.clean)
    assert result.clean["id"].tolist() == ["row-a", "row-b", "row-c"]
    assert result.clean["record_id"].tolist() == ["asbl-demo:3", "asbl-demo:1", "asbl-demo:2"]
    first = result.clean.iloc[0]
    assert (first["weekday"], first["week_of_month"], first["rrule"], first["region_code"]) == (1, 1, "FREQ=MONTHLY;BYDAY=1TU", "BE-WLG")
    assert first["next_occurrence"] == "2026-12-01T19:30:00+01:00"
    assert result.clean["title"].iloc[1] == "Praatgroep rouw"
    for field in ORIGIN_FIELDS:
        assert result.clean[f"{field}_origin"].isin(ORIGINS).all(), field


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (dict(source_id="s", external_id="42", listing_url="https://s.example/x"), "s:42"),
        (dict(source_id="s", external_id=None, listing_url="https://s.example/x"), "s:" + "0" * 0),  # hash, checked below
        (dict(source_id=None, external_id=None, listing_url="file://in.jsonl#7", id="7"), "7"),
    ],
)
def test_record_ids(row, expected):
    out = record_ids(pd.DataFrame([{"external_id": None, "id": None, **row}], dtype="str")).iloc[0]
    if row.get("external_id") is None and row.get("source_id"):
        assert out.startswith("s:") and len(out) == len("s:") + 16
    else:
        assert out == expected


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (dict(title="<p>&nbsp;</p>"), "no title after cleaning"),
        (dict(title=None), "no title after cleaning"),
        (dict(listing_url="javascript:alert(1)"), "invalid listing_url"),
        (dict(fetched_at=None), "fetched_at"),
        (dict(external_id="1"), "duplicate record_id asbl-demo:1"),
    ],
)
def test_unclean_rows_are_quarantined_with_a_reason_and_the_rest_goes_on(bad, reason):
    raw = pd.DataFrame([listing(1), listing(9, **bad), listing(2)])
    result = clean_listings(raw, today=TODAY)
    assert result.clean["record_id"].tolist() == ["asbl-demo:1", "asbl-demo:2"]
    assert len(result.quarantine) == 1
    row = result.quarantine.iloc[0]
    assert list(result.quarantine.columns) == list(QUARANTINE_COLUMNS)
    assert row["stage"] == "clean" and reason in row["reason"]
    assert json.loads(row["payload"])["title"] == raw.iloc[1]["title"] or bad.get("title") is None


def test_missing_columns_and_timezone_defaults():
    raw = pd.DataFrame([listing(1, country="France"), listing(2, timezone="Romance Standard Time"),
                        listing(3, timezone="Mars/Olympus"), listing(4, postcode="L-1724")])[
        ["source_id", "external_id", "listing_url", "fetched_at", "content_hash", "title", "country", "timezone", "postcode"]]
    result = clean_listings(raw, today=TODAY)
    assert result.clean["timezone"].tolist() == ["Europe/Paris", "Europe/Paris", "Europe/Brussels", "Europe/Luxembourg"]
    assert set(RAW_FIELDS) - {"raw"} <= set(result.clean.columns) | {"raw"}


def test_empty_input():
    result = clean_listings(pd.DataFrame(), today=TODAY)
    assert result.clean.empty and result.quarantine.empty
    assert "record_id" in result.clean.columns


text_or_none = st.none() | st.text(max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({f: text_or_none for f in ("title", "description", "schedule_text", "start", "end", "rrule",
                                                                  "postcode", "country", "phone", "price_text", "latitude",
                                                                  "external_id", "listing_url", "timezone", "occurrences")}),
                min_size=1, max_size=6))
def test_no_exception_escapes_and_no_row_is_lost(rows):
    raw = pd.DataFrame([{**listing(i), **{k: v for k, v in r.items() if v is not None}} for i, r in enumerate(rows)])
    result = clean_listings(raw, today=TODAY)
    assert len(result.clean) + len(result.quarantine) == len(raw)
    if len(result.clean):
        CleanListing.validate(result.clean)
