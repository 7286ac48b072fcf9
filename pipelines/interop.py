"""The export in open formats: Open Referral HSDS 3.0 tables and schema.org JSON-LD.

Both are built from the published export only (already privacy-scrubbed), so nothing here can
publish more than the CSV does. Identifiers are UUID 5 of the listing id: stable across nights.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.export import fsync_dir, temporary_sibling, write_csv_atomic
from schemas.export import EXPORT_VERSION

HSDS_VERSION = "3.0.0"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://groupdir.example/hsds")

HSDS_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": (
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
        "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id",
    ),
    "service": (
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status",
        "interpretation_services", "application_process", "fees_description", "wait_time", "fees", "accreditations",
        "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert",
        "last_modified",
    ),
    "location": (
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description", "transportation",
        "latitude", "longitude", "external_identifier", "external_identifier_type",
    ),
    "address": (
        "id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code",
        "country", "address_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "schedule": (
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "timezone",
        "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday", "description",
        "opens_at", "closes_at", "schedule_link", "attending_type", "notes",
    ),
    "phone": (
        "id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number",
        "extension", "type", "description",
    ),
    "language": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "cost_option": (
        "id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description",
    ),
}
"""The tables we can fill, with every field in the order of the HSDS 3.0 tabular data package."""

HSDS_REQUIRED: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description"),
    "service": ("id", "organization_id", "name", "status"),
    "location": ("id", "location_type"),
    "address": ("id", "address_1", "city", "state_province", "postal_code", "country", "address_type"),
    "service_at_location": ("id", "service_id", "location_id"),
    "schedule": ("id",),
    "phone": ("id", "number"),
    "language": ("id",),
    "cost_option": ("id", "service_id"),
}
HSDS_PATHS = {
    "organization": "organizations.csv", "service": "services.csv", "location": "locations.csv",
    "address": "addresses.csv", "service_at_location": "service_at_location.csv", "schedule": "schedules.csv",
    "phone": "phones.csv", "language": "languages.csv", "cost_option": "cost_options.csv",
}
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REPEAT = {"weekly": "P1W", "biweekly": "P2W", "monthly": "P1M"}
ATTENDANCE_MODE = {
    "in_person": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "hybrid": "https://schema.org/MixedEventAttendanceMode",
}
LANGUAGE_NAMES = {"fr": "French", "nl": "Dutch", "en": "English", "de": "German"}
ENTRY_TEXT = {
    "open": "Open: come without registering.", "registration": "Registration required.",
    "closed": "Closed group: intake interview or referral.",
}


def _uuid(kind: str, key: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _uuids(kind: str, keys: pd.Series) -> pd.Series:
    return keys.map(lambda k: _uuid(kind, k)).astype("str")


def _table(name: str, columns: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """An HSDS table with every field of the spec in order (empty where we have nothing)."""
    frame = pd.DataFrame(columns, index=index)
    for field in HSDS_FIELDS[name]:
        if field not in frame.columns:
            frame[field] = pd.Series(pd.NA, index=index, dtype="str")
    return frame[list(HSDS_FIELDS[name])].reset_index(drop=True)


def _first_url(urls: pd.Series) -> pd.Series:
    return urls.astype("str").str.split(" ").str[0]


def hsds_tables(export: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """HSDS 3.0 tables of the export: one service per listing, one organisation per organiser
    name (a listing without one is its own organisation), a physical and/or a virtual location."""
    x = export.reset_index(drop=True)
    org_name = x["organizer"].fillna(x["title"]).astype("str")
    org_id = _uuids("organization", org_name)
    service_id = _uuids("service", x["listing_id"])
    orgs = pd.DataFrame({"id": org_id, "name": org_name, "website": x["website"]}).drop_duplicates("id")
    organization = _table("organization", {
        "id": orgs["id"], "name": orgs["name"], "website": orgs["website"],
        "description": "Organiser of support and talking groups listed in the groupdir directory.",
    }, orgs.index)
    service = _table("service", {
        "id": service_id, "organization_id": org_id, "name": x["title"], "description": x["description"],
        "url": x["website"].fillna(_first_url(x["source_urls"])), "email": x["email"], "status": "active",
        "application_process": x["entry"].map(ENTRY_TEXT), "fees_description": x["price_text"],
        "last_modified": x["last_seen"] + "T00:00:00Z",
    }, x.index)
    physical = x["attendance"].isin(["in_person", "hybrid"]) & (x["city"].notna() | x["latitude"].notna())
    virtual = x["attendance"].isin(["online", "hybrid"]) & x["online_url"].notna()
    p, v = x[physical], x[virtual]
    locations = pd.concat([
        _table("location", {
            "id": _uuids("location", p["listing_id"]), "location_type": "physical", "organization_id": org_id[physical],
            "name": p["city"], "latitude": p["latitude"], "longitude": p["longitude"],
            "external_identifier": p["listing_id"], "external_identifier_type": "groupdir listing_id",
        }, p.index),
        _table("location", {
            "id": _uuids("virtual-location", v["listing_id"]), "location_type": "virtual", "url": v["online_url"],
            "organization_id": org_id[virtual], "name": "Online", "external_identifier": v["listing_id"],
            "external_identifier_type": "groupdir listing_id",
        }, v.index),
    ], ignore_index=True)
    addressed = p[p["street"].notna() & p["city"].notna() & p["postcode"].notna()]
    address = _table("address", {
        "id": _uuids("address", addressed["listing_id"]), "location_id": _uuids("location", addressed["listing_id"]),
        "address_1": addressed["street"], "city": addressed["city"], "region": addressed["region"],
        "state_province": addressed["region"].fillna(addressed["region_code"]).fillna(addressed["city"]),
        "postal_code": addressed["postcode"], "country": addressed["country"], "address_type": "physical",
    }, addressed.index)
    at_location = pd.DataFrame({
        "listing_id": locations["external_identifier"], "location_id": locations["id"],
    })
    service_at_location = _table("service_at_location", {
        "id": _uuids("service_at_location", at_location["location_id"]),
        "service_id": _uuids("service", at_location["listing_id"]), "location_id": at_location["location_id"],
    }, at_location.index)
    return {
        "organization": organization, "service": service, "location": locations, "address": address,
        "service_at_location": service_at_location, "schedule": hsds_schedules(x),
        "phone": _table("phone", {
            "id": _uuids("phone", x.loc[x["phone"].notna(), "listing_id"]),
            "service_id": service_id[x["phone"].notna()], "number": x.loc[x["phone"].notna(), "phone"], "type": "voice",
        }, x.index[x["phone"].notna()]),
        "language": _table("language", {
            "id": _uuids("language", x.loc[x["language"].notna(), "listing_id"]),
            "service_id": service_id[x["language"].notna()],
            "name": x.loc[x["language"].notna(), "language"].map(LANGUAGE_NAMES), "code": x.loc[x["language"].notna(), "language"],
        }, x.index[x["language"].notna()]),
        "cost_option": _table("cost_option", {
            "id": _uuids("cost_option", x.loc[x["price_eur"].notna(), "listing_id"]),
            "service_id": service_id[x["price_eur"].notna()], "option": x.loc[x["price_eur"].notna(), "price_kind"],
            "currency": "EUR", "amount": x.loc[x["price_eur"].notna(), "price_eur"],
            "amount_description": x.loc[x["price_eur"].notna(), "price_text"],
        }, x.index[x["price_eur"].notna()]),
    }


def hsds_schedules(x: pd.DataFrame) -> pd.DataFrame:
    """One HSDS schedule per dated or recurring listing: RRULE parts as HSDS fields (weekly,
    fortnightly = weekly every 2, monthly on the nth weekday = "2TU", last = "-1FR")."""
    s = x[x["frequency"].notna() | x["start_date"].notna()]
    day = s["weekday"].map(lambda d: BYDAY[int(d)], na_action="ignore").astype("str")
    nth = s["week_of_month"].astype("Int64").astype("str").fillna("")
    monthly = s["frequency"].eq("monthly").fillna(False).astype(bool)
    byday = day.mask(monthly & day.notna(), nth + day)
    description = pd.Series([schedule_phrase(r) for r in s.astype("object").to_dict("records")], index=s.index, dtype="str")
    return _table("schedule", {
        "id": _uuids("schedule", s["listing_id"]), "service_id": _uuids("service", s["listing_id"]),
        "valid_from": s["start_date"], "valid_to": s["end_date"],
        "dtstart": s["start_date"].fillna(s["next_occurrence"].str.slice(0, 10)), "until": s["end_date"],
        "count": s["session_count"],
        "wkst": "MO", "freq": s["frequency"].map({"weekly": "WEEKLY", "biweekly": "WEEKLY", "monthly": "MONTHLY"}),
        "interval": s["frequency"].map({"weekly": 1, "biweekly": 2, "monthly": 1}).astype("Int64"),
        "byday": byday, "description": description,
        "opens_at": s["start_time"] + ":00", "closes_at": s["end_time"] + ":00",
        "schedule_link": s["website"], "attending_type": s["attendance"],
        "notes": "Times are local (" + s["timezone"].fillna("Europe/Brussels") + ")",
    }, s.index)


ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "Last"}


def schedule_phrase(r: dict) -> str:
    """"Every other Wednesday 19:00–21:00 (Europe/Brussels)": HSDS wants a human description too."""
    r = {k: _clean(v) for k, v in r.items()}
    day = SCHEMA_DAYS[int(r["weekday"])] if r["weekday"] is not None else "day"
    nth = ORDINALS.get(r["week_of_month"]) if r["week_of_month"] is not None else None
    when = {
        "weekly": f"Every {day}", "biweekly": f"Every other {day}",
        "monthly": f"{nth} {day} of the month" if nth else f"Monthly on {day}",
    }.get(r["frequency"], f"On {r['start_date']}" + (f" to {r['end_date']}" if r["end_date"] else ""))
    hours = "–".join(t for t in (r["start_time"], r["end_time"]) if t)
    zone = f" ({r['timezone']})" if r["timezone"] else ""
    return f"{when} {hours}".strip() + zone


def _datapackage(tables: dict[str, pd.DataFrame]) -> dict:
    return {
        "name": "groupdir_hsds", "title": "groupdir directory as Open Referral HSDS", "profile": "tabular-data-package",
        "version": HSDS_VERSION, "groupdir_export_version": EXPORT_VERSION,
        "resources": [
            {
                "name": name, "path": HSDS_PATHS[name], "format": "csv", "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {
                    "primaryKey": "id",
                    "fields": [{"name": f, "type": "string", "constraints": {"required": f in HSDS_REQUIRED[name]}}
                               for f in HSDS_FIELDS[name]],
                },
            }
            for name in tables
        ],
    }


def write_hsds(export: pd.DataFrame, out_dir: Path) -> list[Path]:
    """The HSDS tables as CSV files plus their datapackage.json, each replaced atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = hsds_tables(export)
    paths = [write_csv_atomic(table, out_dir / HSDS_PATHS[name]) for name, table in tables.items()]
    paths.append(_write_json_atomic(_datapackage(tables), out_dir / "datapackage.json"))
    return paths


# --- schema.org ------------------------------------------------------------------------------
def _clean(value: Any) -> Any:
    """None for missing values, plain Python numbers for numpy ones (json-serialisable)."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _compact(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if v not in (None, "", [], {})}


def jsonld_documents(export: pd.DataFrame) -> list[dict]:
    """One schema.org document per listing: an EventSeries when it recurs, else an Event."""
    return [_jsonld(row) for row in export.astype("object").to_dict("records")]


def _jsonld(row: dict) -> dict:
    r = {k: _clean(v) for k, v in row.items()}
    recurring = r["frequency"] is not None
    url = r["website"] or (r["source_urls"] or "").split(" ")[0] or None
    return _compact({
        "@context": "https://schema.org",
        "@type": "EventSeries" if recurring else "Event",
        "@id": f"urn:groupdir:{r['listing_id']}",
        "identifier": r["listing_id"],
        "name": r["title"],
        "description": r["description"],
        "url": url,
        "inLanguage": r["language"],
        "keywords": ",".join(filter(None, [r["format"], *(r["topics"] or "").split(";")])) or None,
        "eventAttendanceMode": ATTENDANCE_MODE.get(r["attendance"]),
        "eventStatus": "https://schema.org/EventScheduled",
        "startDate": r["next_occurrence"] or r["start_date"],
        "endDate": r["end_date"],
        "eventSchedule": _schedule(r) if recurring else None,
        "location": _location(r),
        "offers": _offer(r),
        "isAccessibleForFree": True if r["price_kind"] == "free" else None,
        "organizer": _compact({"@type": "Organization", "name": r["organizer"], "url": r["website"],
                               "email": r["email"], "telephone": r["phone"]}) if r["organizer"] else None,
    })


def _schedule(r: dict) -> dict:
    return _compact({
        "@type": "Schedule",
        "byDay": f"https://schema.org/{SCHEMA_DAYS[int(r['weekday'])]}" if r["weekday"] is not None else None,
        "byMonthWeek": int(r["week_of_month"]) if r["frequency"] == "monthly" and (r["week_of_month"] or 0) > 0 else None,
        "repeatFrequency": REPEAT.get(r["frequency"]),
        "startTime": r["start_time"], "endTime": r["end_time"],
        "startDate": r["start_date"], "endDate": r["end_date"],
        "scheduleTimezone": r["timezone"],
    })


def _location(r: dict) -> dict | list[dict] | None:
    place = None
    if r["attendance"] in ("in_person", "hybrid") and (r["city"] or r["street"]):
        geo = {"@type": "GeoCoordinates", "latitude": r["latitude"], "longitude": r["longitude"]} if r["latitude"] is not None else None
        place = _compact({
            "@type": "Place", "name": r["city"], "geo": geo,
            "address": _compact({"@type": "PostalAddress", "streetAddress": r["street"], "postalCode": r["postcode"],
                                 "addressLocality": r["city"], "addressRegion": r["region"], "addressCountry": r["country"]}),
        })
    virtual = {"@type": "VirtualLocation", "url": r["online_url"]} if r["online_url"] else None
    found = [loc for loc in (place, virtual) if loc]
    return found[0] if len(found) == 1 else (found or None)


def _offer(r: dict) -> dict | None:
    if r["price_eur"] is None:
        return None
    return _compact({"@type": "Offer", "price": f"{float(r['price_eur']):g}", "priceCurrency": "EUR",
                     "description": r["price_text"]})


def _write_json_atomic(value: Any, path: Path) -> Path:
    with temporary_sibling(path) as tmp:
        tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    fsync_dir(path.parent)
    return path


def write_jsonld(export: pd.DataFrame, path: Path) -> Path:
    """Every listing's JSON-LD document in one JSON array, replaced atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_json_atomic(jsonld_documents(export), path)
