"""A small factory of valid CanonicalListing frames, and nights written the way the nightly flow writes them."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from schemas.clean import ORIGIN_FIELDS
from schemas.listing import CanonicalListing, ListingSource
from warehouse import load as wl

SOURCES = ("deuil-liege", "entraide-bxl", "praat-gent")
BASE = {
    "fetched_at": "2026-11-24T03:00:00+00:00", "description": "Un espace pour parler du deuil.",
    "organizer": "Asbl Exemple", "facilitator_text": None, "schedule_text": "Le mardi à 19h30",
    "location_text": "Rue de l'Exemple 1, 4000 Liège", "price_text": "Gratuit", "contact_text": None,
    "categories": "deuil", "language": "fr", "rhythm": "recurring", "weekday": 1, "week_of_month": None,
    "frequency": "weekly", "start_time": "19:30", "end_time": "21:00", "start_date": None, "end_date": None,
    "session_count": None, "rrule": "FREQ=WEEKLY;BYDAY=TU", "next_occurrence": "2026-11-25T19:30:00+01:00",
    "timezone": "Europe/Brussels", "attendance": "in_person", "street": "Rue de l'Exemple 1", "postcode": "4000",
    "city": "Liège", "country": "BE", "region_code": "BE-WLG", "region": "Liège", "latitude": 50.63,
    "longitude": 5.57, "online_url": None, "price_eur": 0.0, "price_kind": "free", "phone": "+3240000001",
    "email": "contact@asbl.example", "website": "https://asbl.example", "entry": "open", "status": "scheduled",
    "format": "support_group", "format_confidence": 0.9, "format_evidence": "groupe d'entraide",
    "facilitator_type": "peer", "audience": "adults", "topics": "grief", "needs_review": False,
    "classifier_version": "test-1",
}


def listing_id(n: int) -> str:
    return "gd_" + hashlib.sha1(f"listing-{n}".encode()).hexdigest()[:12]


def listing_row(n: int, **changes) -> dict:
    """Listing number `n`: a weekly grief support group in Liège unless `changes` say otherwise."""
    source = changes.pop("source_id", SOURCES[n % len(SOURCES)])
    url = f"https://{source}.example/groupe-{n}"
    row = {
        **BASE, "listing_id": listing_id(n), "record_id": f"{source}:{n}", "source_id": source, "listing_url": url,
        "title": f"Groupe de parole {n}", "source_count": 1, "source_urls": url,
        **{f"{f}_origin": "parsed" for f in ORIGIN_FIELDS},
        **changes,
    }
    row["content_hash"] = hashlib.sha256(repr(sorted((k, str(v)) for k, v in row.items() if k != "next_occurrence")).encode()).hexdigest()
    return row


def listings_frame(rows: list[dict]) -> pd.DataFrame:
    return CanonicalListing.validate(pd.DataFrame(rows))


def sources_frame(listings: pd.DataFrame) -> pd.DataFrame:
    """One source record per listing (the record that supplied it)."""
    return ListingSource.validate(listings[["listing_id", "record_id", "source_id", "listing_url"]].assign(match_probability=None))


def no_aliases() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in ("alias_id", "listing_id", "reason")})


def apply_night(con: duckdb.DuckDBPyConnection, night: str, rows: list[dict], *, crawled_ok: Collection[str] = SOURCES,
                aliases: pd.DataFrame | None = None, removal_after: int = 3) -> wl.ChangeSummary:
    """One nightly run's warehouse writes (the same calls as the nightly flow)."""
    listings = listings_frame(rows)
    started = datetime.fromisoformat(f"{night}T03:00:00+00:00")
    wl.start_run(con, night, started_at=started, profile="test")
    wl.stage_listings(con, listings)
    changes = wl.apply_staged_listings(con, night, date.fromisoformat(night), sources_frame(listings),
                                       no_aliases() if aliases is None else aliases, crawled_ok=crawled_ok,
                                       removal_after=removal_after)
    wl.finish_run(con, night, finished_at=started.replace(hour=4), status="Completed", summary={"listings": len(listings)})
    return changes


def table(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
