"""The raw listing: the contract between spiders and every later stage.

Spiders write what the site says, unchanged; every interpretation happens in `pipelines/`.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

TEXT_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "organizer",
    "facilitator_text",
    "schedule_text",
    "location_text",
    "price_text",
    "contact_text",
    "language",
)
"""Free text exactly as the site writes it (markup included): cleaning happens later."""

STRUCTURED_FIELDS: tuple[str, ...] = (
    "external_id",  # the source's own id for the listing (post id, meeting slug, VEVENT UID...)
    "start",  # ISO 8601 date-time (offset when known) or date of the first session, or "HH:MM"
    "end",  # when the source gives only a weekly slot (Meeting Guide: the weekday is in `rrule`)
    "timezone",  # IANA name when the source gives one
    "rrule",  # RFC 5545 RRULE (without the "RRULE:" prefix) when the source gives one
    "exdates",  # ISO dates excluded from the rule, ";"-joined
    "event_status",  # the source's status word (e.g. "CANCELLED", "EventCancelled")
    "attendance_mode",  # the source's attendance word (e.g. "online", "OnlineEventAttendanceMode")
    "street",
    "postcode",
    "city",
    "country",
    "latitude",
    "longitude",
    "email",
    "phone",
    "online_url",
    "website",
    "categories",  # ";"-joined labels or type codes, as the source writes them
    "occurrences",  # ";"-joined ISO starts of upcoming sessions, bounded (computed or listed)
)
"""Fields a source gives as data; kept as strings so nothing is lost before cleaning."""

PROVENANCE_FIELDS: tuple[str, ...] = (
    "source_id",
    "listing_url",
    "fetched_at",
    "spider_version",
    "content_hash",
    "raw",
)
"""Where the item came from; `raw` is the original payload (JSON text or HTML fragment)."""

RAW_FIELDS: tuple[str, ...] = TEXT_FIELDS + STRUCTURED_FIELDS + PROVENANCE_FIELDS
HASHED_FIELDS: tuple[str, ...] = tuple(f for f in TEXT_FIELDS + STRUCTURED_FIELDS if f != "occurrences")
"""The content hash covers what the listing says, not when or how it was fetched, nor the
upcoming occurrences computed from its rule (they move every night without any change)."""


def _text(**kwargs) -> pa.Field:
    return pa.Field(nullable=True, coerce=True, **kwargs)


class RawListing(pa.DataFrameModel):
    """One listing as a source published it."""

    title: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1}, coerce=True)
    description: Series[str] = _text()
    organizer: Series[str] = _text()
    facilitator_text: Series[str] = _text()
    schedule_text: Series[str] = _text()
    location_text: Series[str] = _text()
    price_text: Series[str] = _text()
    contact_text: Series[str] = _text()
    language: Series[str] = _text()
    external_id: Series[str] = _text()
    start: Series[str] = _text()
    end: Series[str] = _text()
    timezone: Series[str] = _text()
    rrule: Series[str] = _text()
    exdates: Series[str] = _text()
    event_status: Series[str] = _text()
    attendance_mode: Series[str] = _text()
    street: Series[str] = _text()
    postcode: Series[str] = _text()
    city: Series[str] = _text()
    country: Series[str] = _text()
    latitude: Series[str] = _text()
    longitude: Series[str] = _text()
    email: Series[str] = _text()
    phone: Series[str] = _text()
    online_url: Series[str] = _text()
    website: Series[str] = _text()
    categories: Series[str] = _text()
    occurrences: Series[str] = _text()
    source_id: Series[str] = pa.Field(nullable=False, str_length={"min_value": 1}, coerce=True)
    listing_url: Series[str] = pa.Field(nullable=False, str_matches=r"^(https?|file)://", coerce=True)
    fetched_at: Series[str] = pa.Field(nullable=False, coerce=True)
    spider_version: Series[str] = pa.Field(nullable=False, coerce=True)
    content_hash: Series[str] = pa.Field(nullable=False, str_matches=r"^[0-9a-f]{64}$", coerce=True)
    raw: Series[str] = _text()

    class Config:
        coerce = True
