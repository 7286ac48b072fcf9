"""`CleanListing`: the output of the clean stage; what people can filter on."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

LANGUAGES = ("fr", "nl", "en", "de")
RHYTHMS = ("single_session", "short_cycle", "recurring", "multi_day", "unknown")
FREQUENCIES = ("weekly", "biweekly", "monthly")
ATTENDANCES = ("in_person", "online", "hybrid", "unknown")
COUNTRIES = ("BE", "FR", "CH", "LU")
PRICE_KINDS = ("free", "fixed", "sliding", "membership", "unknown")
ENTRIES = ("open", "registration", "closed", "unknown")
STATUSES = ("scheduled", "cancelled", "postponed")
ORIGINS = ("structured", "parsed", "declared", "detected", "unknown")
ORIGIN_FIELDS = (
    "language", "weekday", "start_time", "end_time", "start_date", "rrule", "attendance",
    "postcode", "city", "country", "region", "price_eur", "phone", "email", "entry", "status",
)
"""Derived fields whose provenance is recorded in `<field>_origin` (coverage per field)."""

TEXT_COLUMNS = (
    "title", "description", "organizer", "facilitator_text", "schedule_text",
    "location_text", "price_text", "contact_text",
)


def _opt(**kw) -> pa.Field:
    return pa.Field(nullable=True, **kw)


class CleanListing(pa.DataFrameModel):
    """One listing with plain-text fields and the structured fields derived from them."""

    # identity and provenance
    record_id: Series[str] = pa.Field(unique=True)  # source_id + ':' + external id (or URL hash)
    source_id: Series[str]
    listing_url: Series[str] = pa.Field(str_matches=r"^(https?|file)://")  # file:// for offline input
    fetched_at: Series[str]
    content_hash: Series[str]
    # plain text (no markup survives)
    title: Series[str] = pa.Field(str_length={"min_value": 1})
    description: Series[str] = _opt()
    organizer: Series[str] = _opt()
    facilitator_text: Series[str] = _opt()
    schedule_text: Series[str] = _opt()
    location_text: Series[str] = _opt()
    price_text: Series[str] = _opt()
    contact_text: Series[str] = _opt()
    categories: Series[str] = _opt()
    language: Series[str] = _opt(isin=LANGUAGES)
    # schedule
    rhythm: Series[str] = pa.Field(isin=RHYTHMS)
    weekday: Series[pa.Int64] = _opt(ge=0, le=6)  # 0 = Monday
    week_of_month: Series[pa.Int64] = _opt(isin=[1, 2, 3, 4, 5, -1])
    frequency: Series[str] = _opt(isin=FREQUENCIES)
    start_time: Series[str] = _opt(str_matches=r"^([01]\d|2[0-3]):[0-5]\d$")
    end_time: Series[str] = _opt(str_matches=r"^([01]\d|2[0-3]):[0-5]\d$")
    start_date: Series[str] = _opt(str_matches=r"^\d{4}-\d{2}-\d{2}$")
    end_date: Series[str] = _opt(str_matches=r"^\d{4}-\d{2}-\d{2}$")
    session_count: Series[pa.Int64] = _opt(ge=1, le=500)
    rrule: Series[str] = _opt()
    next_occurrence: Series[str] = _opt()  # ISO 8601 with offset
    timezone: Series[str]
    # place
    attendance: Series[str] = pa.Field(isin=ATTENDANCES)
    street: Series[str] = _opt()
    postcode: Series[str] = _opt()
    city: Series[str] = _opt()
    country: Series[str] = _opt(isin=COUNTRIES)
    region_code: Series[str] = _opt()  # ISO 3166-2 (BE-WLG, FR-75, CH-VD, LU-LU...)
    region: Series[str] = _opt()
    latitude: Series[float] = _opt(ge=-90, le=90)
    longitude: Series[float] = _opt(ge=-180, le=180)
    online_url: Series[str] = _opt(str_matches=r"^https?://")
    # price
    price_eur: Series[float] = _opt(ge=0, le=10_000)
    price_kind: Series[str] = pa.Field(isin=PRICE_KINDS)
    # contact
    phone: Series[str] = _opt(str_matches=r"^\+\d{6,15}$")
    email: Series[str] = _opt(str_matches=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    website: Series[str] = _opt(str_matches=r"^https?://")
    # entry and status
    entry: Series[str] = pa.Field(isin=ENTRIES)
    status: Series[str] = pa.Field(isin=STATUSES)

    class Config:
        coerce = True
        strict = False  # `<field>_origin` columns and pass-through columns (e.g. `id`) are allowed
