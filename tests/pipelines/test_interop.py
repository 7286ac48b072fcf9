"""HSDS 3.0 tables and schema.org JSON-LD built from the published export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines.interop import hsds_tables, jsonld_documents, write_hsds, write_jsonld
from schemas.export import EXPORT_COLUMNS, EXPORT_VERSION, FORMAT_LABELS, ExportListing

SPEC = Path("/work/shared/samples/hsds3_datapackage.json")

# Required fields per table, copied from the HSDS 3.0 tabular data package.
REQUIRED = {
    "organization": {"id", "name", "description"},
    "service": {"id", "organization_id", "name", "status"},
    "location": {"id", "location_type"},
    "address": {"id", "address_1", "city", "state_province", "postal_code", "country", "address_type"},
    "service_at_location": {"id", "service_id", "location_id"},
    "schedule": {"id"},
    "phone": {"id", "number"},
}


def export_row(n: int, **changes) -> dict:
    base = {c: None for c in EXPORT_COLUMNS}
    base.update({
        "listing_id": f"gd_{n:012x}", "title": f"Praatgroep rouw {n}", "description": "Lotgenoten praten samen.",
        "format": "talking_group", **{f"format_label_{k}": v for k, v in FORMAT_LABELS["talking_group"].items()},
        "facilitator_type": "peer", "audience": "adults", "topics": "grief", "language": "nl",
        "organizer": "Rouwzorg Gent vzw", "rhythm": "recurring", "weekday": 2, "frequency": "weekly",
        "start_time": "19:00", "end_time": "21:00", "rrule": "FREQ=WEEKLY;BYDAY=WE",
        "next_occurrence": "2026-12-09T19:00:00+01:00", "timezone": "Europe/Brussels", "attendance": "in_person",
        "street": "Voorbeeldstraat 5", "postcode": "9000", "city": "Gent", "region_code": "BE-VOV",
        "region": "Oost-Vlaanderen", "country": "BE", "latitude": 51.05, "longitude": 3.72, "price_eur": 2.0,
        "price_kind": "fixed", "price_text": "2 euro", "phone": "+3292000777", "email": "info@rouwzorg.example",
        "website": "https://rouwzorg.example/", "entry": "open", "source_count": 1,
        "source_urls": f"https://rouwzorg.example/{n}", "first_seen": "2026-11-01", "last_seen": "2026-12-02",
        "export_version": EXPORT_VERSION,
    })
    base.update(changes)
    return base


def export_frame(*rows: dict) -> pd.DataFrame:
    return ExportListing.validate(pd.DataFrame(list(rows), columns=list(EXPORT_COLUMNS)))


@pytest.fixture
def export() -> pd.DataFrame:
    return export_frame(
        export_row(1),
        export_row(2, attendance="hybrid", online_url="https://meet.example/rouw", frequency="monthly", week_of_month=-1,
                   weekday=4, rrule="FREQ=MONTHLY;BYDAY=-1FR"),
        export_row(3, attendance="online", online_url="https://meet.example/3", street=None, city=None, postcode=None,
                   latitude=None, longitude=None, organizer=None, phone=None, price_eur=None, price_kind="unknown"),
        export_row(4, rhythm="single_session", frequency=None, weekday=None, rrule=None, start_date="2026-12-12",
                   next_occurrence="2026-12-12T10:00:00+01:00", street=None, format="workshop",
                   **{f"format_label_{k}": v for k, v in FORMAT_LABELS["workshop"].items()}),
    )


@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_hsds_required_fields_are_present_and_filled(export, table):
    frame = hsds_tables(export)[table]
    assert len(frame) > 0
    assert REQUIRED[table] <= set(frame.columns)
    for field in REQUIRED[table]:
        assert frame[field].notna().all(), f"{table}.{field} empty"
    assert frame["id"].is_unique


def test_hsds_links_resolve(export):
    t = hsds_tables(export)
    assert set(t["service"]["organization_id"]) <= set(t["organization"]["id"])
    assert set(t["service_at_location"]["location_id"]) == set(t["location"]["id"])
    assert set(t["service_at_location"]["service_id"]) <= set(t["service"]["id"])
    assert set(t["schedule"]["service_id"]) <= set(t["service"]["id"])
    assert len(t["service"]) == len(export)
    # the hybrid listing has a physical and a virtual location
    assert sorted(t["location"]["location_type"]) == ["physical", "physical", "physical", "virtual", "virtual"]


@pytest.mark.parametrize(
    ("listing", "freq", "interval", "byday", "dtstart", "phrase"),
    [
        (1, "WEEKLY", 1, "WE", None, "Every Wednesday 19:00–21:00 (Europe/Brussels)"),
        (2, "MONTHLY", 1, "-1FR", None, "Last Friday of the month 19:00–21:00 (Europe/Brussels)"),
        (4, None, None, None, "2026-12-12", "On 2026-12-12 19:00–21:00 (Europe/Brussels)"),
    ],
)
def test_hsds_schedule_speaks_rrule(export, listing, freq, interval, byday, dtstart, phrase):
    t = hsds_tables(export)
    service_id = t["service"].loc[t["service"]["name"] == f"Praatgroep rouw {listing}", "id"].item()
    row = t["schedule"].loc[t["schedule"]["service_id"] == service_id].iloc[0]
    assert (row["freq"] if pd.notna(row["freq"]) else None) == freq
    assert (int(row["interval"]) if pd.notna(row["interval"]) else None) == interval
    assert (row["byday"] if pd.notna(row["byday"]) else None) == byday
    if dtstart:
        assert row["dtstart"] == dtstart
    assert row["wkst"] == "MO" and row["opens_at"] == "19:00:00" and row["description"] == phrase


def test_hsds_ids_are_stable_uuids(export):
    first, again = hsds_tables(export), hsds_tables(export.iloc[::-1])
    assert set(first["service"]["id"]) == set(again["service"]["id"])
    assert all(len(i) == 36 and i.count("-") == 4 for i in first["service"]["id"])


def test_write_hsds_matches_its_datapackage(export, tmp_path):
    paths = write_hsds(export, tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert tmp_path / "datapackage.json" in paths
    for resource in package["resources"]:
        with (tmp_path / resource["path"]).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert rows, resource["name"]
        assert list(rows[0]) == names
        required = [f["name"] for f in resource["schema"]["fields"] if f["constraints"]["required"]]
        assert all(r[f] for r in rows for f in required), resource["name"]


@pytest.mark.skipif(not SPEC.is_file(), reason="the HSDS 3.0 data package sample is not on this machine")
def test_hsds_field_names_are_exactly_the_specs(export):
    spec = {r["name"]: r["schema"]["fields"] for r in json.loads(SPEC.read_text(encoding="utf-8"))["resources"]}
    for name, frame in hsds_tables(export).items():
        assert list(frame.columns) == [f["name"] for f in spec[name]], name
        required = {f["name"] for f in spec[name] if f["constraints"].get("required")}
        assert frame[sorted(required)].notna().all().all(), name


def test_jsonld_documents_describe_each_listing(export):
    docs = jsonld_documents(export)
    assert len(docs) == len(export)
    for doc in docs:
        assert doc["@context"] == "https://schema.org" and doc["@type"] in ("Event", "EventSeries") and doc["name"]
        json.dumps(doc)  # serialisable: no numpy or pandas scalars left
    weekly, hybrid, online, single = docs
    assert weekly["@type"] == "EventSeries"
    assert weekly["eventSchedule"] == {
        "@type": "Schedule", "byDay": "https://schema.org/Wednesday", "repeatFrequency": "P1W",
        "startTime": "19:00", "endTime": "21:00", "scheduleTimezone": "Europe/Brussels",
    }
    assert weekly["location"]["address"]["postalCode"] == "9000"
    assert weekly["offers"] == {"@type": "Offer", "price": "2", "priceCurrency": "EUR", "description": "2 euro"}
    assert weekly["organizer"]["@type"] == "Organization" and weekly["inLanguage"] == "nl"
    assert weekly["eventAttendanceMode"].endswith("OfflineEventAttendanceMode")
    assert hybrid["eventAttendanceMode"].endswith("MixedEventAttendanceMode")
    assert {loc["@type"] for loc in hybrid["location"]} == {"Place", "VirtualLocation"}
    assert hybrid["eventSchedule"]["repeatFrequency"] == "P1M"
    assert online["location"] == {"@type": "VirtualLocation", "url": "https://meet.example/3"}
    assert "organizer" not in online and "offers" not in online
    assert single["@type"] == "Event" and single["startDate"] == "2026-12-12T10:00:00+01:00"
    assert "eventSchedule" not in single


def test_write_jsonld_writes_one_array(export, tmp_path):
    path = write_jsonld(export, tmp_path / "listings.jsonld")
    docs = json.loads(path.read_text(encoding="utf-8"))
    assert [d["identifier"] for d in docs] == export["listing_id"].tolist()
