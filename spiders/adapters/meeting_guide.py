"""Meeting Guide JSON feed (12-step meetings; the format of the TSML WordPress plugin).

The feed is one JSON array of meetings. A meeting is a weekly slot: `day` (0 = Sunday) and
`time`/`end_time` as "HH:MM". It lands as `rrule` FREQ=WEEKLY;BYDAY=.. with `start`/`end` as
clock times. A missing `end_time` stays empty (the spec's "one hour after" default is applied by
cleaning, not invented here).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from spiders.base import AdapterSpider, QuarantineItem
from spiders.items import RawListingItem

RFC_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
"""Meeting Guide counts days from Sunday = 0."""

MEETING_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("name",),
    "description": ("notes",),
    "organizer": ("group",),
    "external_id": ("slug", "id"),
    "timezone": ("timezone",),
    "attendance_mode": ("attendance_option",),
    "online_url": ("conference_url",),
    "street": ("address",),
    "postcode": ("postal_code",),
    "city": ("city",),
    "country": ("country",),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "email": ("email", "contact_1_email"),
    "phone": ("phone", "contact_1_phone"),
    "website": ("website",),
}
"""Raw field -> meeting keys, the first non-empty value wins."""

NOT_PUBLIC_ATTENDANCE = frozenset({"inactive"})

PERSONAL_KEY = re.compile(r"^contact_\d+_name$")
"""Contact persons' names: never stored anywhere, not even in `raw` (GDPR)."""

CLOCK_FORMATS = ("%H:%M", "%H:%M:%S", "%H%M")


def without_personal_names(meeting: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meeting.items() if not PERSONAL_KEY.match(str(k))}


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def mapped(meeting: dict[str, Any]) -> dict[str, str | None]:
    """Raw fields read through `MEETING_FIELDS`."""
    return {field: next((v for v in map(_scalar, map(meeting.get, keys)) if v), None) for field, keys in MEETING_FIELDS.items()}


def weekdays(value: Any) -> list[int]:
    """Meeting days (0 = Sunday) from an int, a digit string or a list of them; [] when absent.

    Raises ValueError for anything else, so the meeting is quarantined rather than misdated.
    """
    if value is None or value == "" or value == []:
        return []
    days = []
    for item in value if isinstance(value, list) else [value]:
        text = str(item).strip()
        if isinstance(item, bool) or not text.isdigit() or int(text) > 6:
            raise ValueError(f"day {item!r} is not 0 (Sunday) to 6")
        if int(text) not in days:
            days.append(int(text))
    return days


def clock(value: Any, key: str) -> str | None:
    """"HH:MM" of a feed time; None when absent. Raises ValueError for an unreadable time."""
    text = _scalar(value)
    if text is None:
        return None
    for form in CLOCK_FORMATS:
        try:
            return dt.datetime.strptime(text, form).strftime("%H:%M")
        except ValueError:
            continue
    raise ValueError(f"{key} {text!r} is not HH:MM")


def type_codes(value: Any) -> list[str]:
    """Type codes as written: a list, or a comma-separated string from some producers."""
    items = value if isinstance(value, list) else str(value).split(",") if isinstance(value, str) else []
    return [code for code in (_scalar(v) for v in items) if code]


def place_text(meeting: dict[str, Any]) -> str | None:
    """Venue name with the address as one text (TSML gives `formatted_address` only), so cleaning
    reads the postcode and city; the region names stand in when there is no address at all."""
    address = _scalar(meeting.get("formatted_address"))
    if address is None and not any(_scalar(meeting.get(k)) for k in ("address", "city", "postal_code")):
        regions = meeting.get("regions") if isinstance(meeting.get("regions"), list) else [meeting.get("region")]
        address = ", ".join(r for r in map(_scalar, regions) if r) or None
    parts = [p for p in (_scalar(meeting.get("location")), address) if p]
    return ", ".join(dict.fromkeys(parts)) or None


def meeting_fields(meeting: dict[str, Any]) -> list[dict[str, Any]]:
    """The raw fields of each weekly slot of a meeting (one per listed day; one without a day
    for meetings by appointment). Raises ValueError for an unreadable day or time."""
    days = weekdays(meeting.get("day"))
    common: dict[str, Any] = mapped(meeting)
    common.update(
        start=clock(meeting.get("time"), "time"),
        end=clock(meeting.get("end_time"), "end_time"),
        categories=type_codes(meeting.get("types")),
        location_text=place_text(meeting),
    )
    if not days:
        return [common]
    slots = []
    for day in days:
        slot = {**common, "rrule": f"FREQ=WEEKLY;BYDAY={RFC_WEEKDAYS[day]}"}
        if len(days) > 1 and common["external_id"]:
            slot["external_id"] = f"{common['external_id']}:{RFC_WEEKDAYS[day].lower()}"
        slots.append(slot)
    return slots


class Spider(AdapterSpider):
    """One listing per meeting and weekday; inactive meetings are not public listings."""

    name = adapter = "meeting_guide"

    def parse(self, response: Response) -> Iterator[Any]:
        payload, bad = self.json_or_quarantine(response)
        if bad is not None:
            yield bad
            return
        if isinstance(payload, dict) and isinstance(payload.get("meetings"), list):
            payload = payload["meetings"]
        if not isinstance(payload, list):
            yield self.quarantine(response.url, f"not a Meeting Guide feed: top level is {type(payload).__name__}, not an array", payload)
            return
        for index, meeting in enumerate(payload):
            yield from self.meeting_items(response, meeting, index)

    def meeting_items(self, response: Response, meeting: Any, index: int) -> Iterator[RawListingItem | QuarantineItem]:
        """The listings of one meeting, or a quarantine record saying why there are none."""
        where = f"{response.url}#meeting-{index}"
        if not isinstance(meeting, dict):
            yield self.quarantine(where, f"meeting is {type(meeting).__name__}, not an object", meeting)
            return
        record = without_personal_names(meeting)
        url = _scalar(record.get("url"))
        slug = _scalar(record.get("slug")) or _scalar(record.get("id"))
        listing_url = url if url and url.startswith(("http://", "https://")) else f"{response.url}#{slug or index}"
        attendance = (_scalar(record.get("attendance_option")) or "").lower()
        if attendance in NOT_PUBLIC_ATTENDANCE:
            yield self.quarantine(listing_url, f"not a public listing: attendance_option {attendance!r}", record)
            return
        try:
            slots = meeting_fields(record)
        except Exception as exc:  # a record of unexpected shape is quarantined, never fatal
            yield self.quarantine(listing_url, f"unreadable meeting: {exc}", record)
            return
        for fields in slots:
            yield self.listing(listing_url, record, **fields)
