"""iCalendar feeds (`.ics`): one listing per series and per single event.

A series is its master VEVENT (with RRULE); overrides sharing its UID (RECURRENCE-ID: a moved or
cancelled session) are folded into it, never a second listing. Upcoming sessions are expanded
with recurring-ical-events inside a bounded window.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from scrapy.http import Response

from spiders.base import AdapterSpider, QuarantineItem
from spiders.items import RawListingItem

MAX_OCCURRENCES = 50
EXPANDED_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
"""Sub-daily rules are kept but not expanded: walking seconds from a past DTSTART takes minutes."""

UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Zulu", "Zulu"})

PRIVATE_CLASSES = frozenset({"PRIVATE", "CONFIDENTIAL"})

READ_PROPERTIES = frozenset(
    {"UID", "SUMMARY", "DESCRIPTION", "LOCATION", "DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE",
     "RECURRENCE-ID", "STATUS", "CLASS", "ORGANIZER", "URL", "CATEGORIES", "GEO", "CONTACT", "CONFERENCE"}
)
"""A broken value in one of these (or an unreadable line, name None) makes the VEVENT unreadable."""

TEXT_PROPERTIES: dict[str, str] = {
    "title": "SUMMARY",
    "description": "DESCRIPTION",
    "location_text": "LOCATION",
    "contact_text": "CONTACT",
    "external_id": "UID",
    "event_status": "STATUS",
    "online_url": "X-GOOGLE-CONFERENCE",
}
"""Raw field -> iCalendar property whose text is taken as is."""

VEVENT_BLOCK = re.compile(r"^BEGIN:VEVENT\r?$.*?^END:VEVENT\r?$", re.MULTILINE | re.DOTALL)
VTIMEZONE_BLOCK = re.compile(r"^BEGIN:VTIMEZONE\r?$.*?^END:VTIMEZONE\r?$", re.MULTILINE | re.DOTALL)


def iana_name(tzid: str | None) -> str | None:
    """IANA name of a TZID, Windows names (e.g. "Romance Standard Time") mapped through CLDR."""
    if not tzid:
        return None
    cleaned = tzid.strip().strip('"').removeprefix("/")
    name = WINDOWS_TO_OLSON.get(cleaned, cleaned)
    try:
        return ZoneInfo(name).key
    except (KeyError, ValueError, OSError):
        return None


def iso(value: dt.date | dt.datetime) -> str:
    """ISO text: a date for all-day values, a date-time with its offset when zoned."""
    return value.isoformat()


def in_zone_of(value: dt.date | dt.datetime, anchor: dt.date | dt.datetime) -> dt.date | dt.datetime:
    """`value` expressed in `anchor`'s zone, so an EXDATE written in UTC reads as the local day."""
    if isinstance(value, dt.datetime) and isinstance(anchor, dt.datetime) and value.tzinfo and anchor.tzinfo:
        return value.astimezone(anchor.tzinfo)
    return value


def unreadable_reason(event: icalendar.Event) -> str | None:
    """Why a VEVENT cannot be read (broken property or line), or None."""
    broken = [f"{name or 'line'}: {message}" for name, message in event.errors if name is None or name in READ_PROPERTIES]
    if broken:
        return "unreadable VEVENT: " + "; ".join(broken)
    if event.get("DTSTART") is None:
        return "VEVENT has no DTSTART"
    return None


def series_fields(event: icalendar.Event, feed_timezone: str | None) -> dict[str, Any]:
    """Every raw field of a master VEVENT or single event."""
    fields: dict[str, Any] = {field: _text(event.get(prop)) for field, prop in TEXT_PROPERTIES.items()}
    start = event.start
    end = event.end if event.get("DTEND") is not None or event.get("DURATION") is not None else None
    organizer, geo = event.organizer, event.get("GEO")
    fields.update(
        start=iso(start),
        end=iso(end) if end is not None else None,
        timezone=iana_name(event["DTSTART"].params.get("TZID")) or _zone_key(start) or feed_timezone,
        rrule=event.rrules[0].to_ical().decode() if event.rrules else None,
        exdates=[iso(in_zone_of(d, start)) for d in event.exdates],
        organizer=organizer.name if organizer is not None else None,
        email=organizer.email if organizer is not None and "@" in (organizer.email or "") else None,
        online_url=fields["online_url"] or next((str(c.uri) for c in event.conferences), None),
        categories=[str(c) for c in event.categories],
        latitude=str(geo.latitude) if geo is not None else None,
        longitude=str(geo.longitude) if geo is not None else None,
    )
    return fields


def upcoming(calendar: icalendar.Calendar, today: dt.date, window_days: int) -> list[str]:
    """ISO starts of the sessions (moved ones at their new time, cancelled ones left out) from
    `today` for `window_days`, at most MAX_OCCURRENCES: a rule that never ends stays bounded."""
    last_day = today + dt.timedelta(days=window_days)
    sessions = recurring_ical_events.of(calendar).after(today)
    found = []
    for session in itertools.islice(sessions, MAX_OCCURRENCES * 2):
        start = session.start
        day = start.date() if isinstance(start, dt.datetime) else start
        if day >= last_day or len(found) >= MAX_OCCURRENCES:
            break
        if str(session.get("STATUS", "")).upper() != "CANCELLED":
            found.append(iso(start))
    return found


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _zone_key(value: dt.date | dt.datetime) -> str | None:
    """The IANA zone of a zoned value; None for UTC ("Z" says nothing about where people meet)."""
    name = iana_name(getattr(getattr(value, "tzinfo", None), "key", None))
    return None if name in UTC_NAMES else name


def _frequency(event: icalendar.Event) -> str | None:
    frequencies = event.rrules[0].get("FREQ") if event.rrules else None
    return str(frequencies[0]).upper() if frequencies else None


class Spider(AdapterSpider):
    """One listing per series or single event of an iCalendar feed."""

    name = adapter = "ical"
    default_options: ClassVar[dict[str, Any]] = {"window_days": 180, "today": None}

    def parse(self, response: Response) -> Iterator[Any]:
        text = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        if "BEGIN:VCALENDAR" not in text[:2000].upper():
            yield self.quarantine(response.url, "not an iCalendar feed (no BEGIN:VCALENDAR)", text)
            return
        try:
            calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(text))
        except Exception:  # one malformed component breaks the whole parse: read VEVENTs one by one
            yield from self.parse_vevents_one_by_one(response, text)
            return
        yield from self.calendar_items(response, calendar)

    def parse_vevents_one_by_one(self, response: Response, text: str) -> Iterator[Any]:
        """Each VEVENT block in its own calendar (with the feed's VTIMEZONEs); broken ones quarantined."""
        zones = "\r\n".join(VTIMEZONE_BLOCK.findall(text))
        calendar = icalendar.Calendar()
        for index, block in enumerate(VEVENT_BLOCK.findall(text)):
            try:
                single = icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{zones}\r\n{block}\r\nEND:VCALENDAR\r\n")
                for component in single.subcomponents:
                    calendar.add_component(component)
            except Exception as exc:
                yield self.quarantine(f"{response.url}#vevent-{index}", f"unreadable VEVENT: {exc}", block)
        if not calendar.subcomponents:
            yield self.quarantine(response.url, "iCalendar feed without any readable VEVENT", text)
            return
        yield from self.calendar_items(response, calendar)

    def calendar_items(self, response: Response, calendar: icalendar.Calendar) -> Iterator[Any]:
        feed_timezone = iana_name(_text(calendar.get("X-WR-TIMEZONE"))) or self.source_timezone
        timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
        by_uid: dict[str, list[icalendar.Event]] = {}
        for index, event in enumerate(calendar.walk("VEVENT")):
            by_uid.setdefault(_text(event.get("UID")) or f"vevent-{index}", []).append(event)
        for uid, events in by_uid.items():
            yield from self.series_items(response, uid, events, timezones, feed_timezone)

    def series_items(self, response: Response, uid: str, events: list[icalendar.Event], timezones: list, feed_timezone: str | None) -> Iterator[RawListingItem | QuarantineItem]:
        """The one listing of a UID: its master with overrides folded in (an override without
        master stands for the event itself); further masters with the same UID are quarantined."""
        masters = [e for e in events if e.get("RECURRENCE-ID") is None] or events[:1]
        overrides = [e for e in events if e.get("RECURRENCE-ID") is not None and e is not masters[0]]
        for extra in masters[1:]:
            yield self.quarantine(f"{response.url}#{uid}", "duplicate VEVENT for the same UID", extra.to_ical().decode("utf-8", "replace"))
        master = masters[0]
        raw = "".join(e.to_ical().decode("utf-8", "replace") for e in [master, *overrides])
        listing_url = _text(master.get("URL")) or ""
        if not listing_url.startswith(("http://", "https://")):
            listing_url = f"{response.url}#{uid}"
        reason = next((r for r in map(unreadable_reason, [master, *overrides]) if r), None)
        if reason is None and str(master.get("CLASS", "")).upper() in PRIVATE_CLASSES:
            reason = f"not a public listing: CLASS {master.get('CLASS')}"
        if reason:
            yield self.quarantine(listing_url, reason, raw)
            return
        try:
            fields = series_fields(master, feed_timezone)
            fields["exdates"] += [iso(in_zone_of(o["RECURRENCE-ID"].dt, master.start)) for o in overrides if str(o.get("STATUS", "")).upper() == "CANCELLED"]
            fields["occurrences"] = self.occurrences(master, overrides, timezones, listing_url)
        except Exception as exc:  # a record of unexpected shape is quarantined, never fatal
            yield self.quarantine(listing_url, f"unreadable VEVENT: {type(exc).__name__}: {exc}", raw)
            return
        yield self.listing(listing_url, raw, **fields)

    def occurrences(self, master: icalendar.Event, overrides: list[icalendar.Event], timezones: list, where: str) -> list[str]:
        """Upcoming sessions of one series (nothing for a single event: `start` says it all)."""
        if master.get("RRULE") is None and master.get("RDATE") is None:
            return []
        if master.get("RRULE") is not None and _frequency(master) not in EXPANDED_FREQUENCIES:
            self.crawler.stats.inc_value("groupdir/ical_not_expanded")
            self.logger.warning("recurrence not expanded (FREQ=%s): %s", _frequency(master), where)
            return []
        series = icalendar.Calendar()
        for component in [*timezones, master, *overrides]:
            series.add_component(component)
        try:
            return upcoming(series, self.today(), int(self.options.get("window_days") or 180))
        except Exception as exc:  # the rule stays in `rrule`; cleaning may still read it
            self.crawler.stats.inc_value("groupdir/ical_not_expanded")
            self.logger.warning("recurrence not expanded (%s: %s): %s", type(exc).__name__, exc, where)
            return []

    def today(self) -> dt.date:
        """The first day of the window: option `today` (tests), else today in the source's zone."""
        given = self.options.get("today")
        if given:
            return dt.date.fromisoformat(str(given))
        return dt.datetime.now(ZoneInfo(iana_name(self.source_timezone) or "UTC")).date()
