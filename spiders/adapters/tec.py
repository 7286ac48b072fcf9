"""The Events Calendar (WordPress plugin) REST API: `/wp-json/tribe/events/v1/events`, paged.

Each archive page lists events and links the next page with `next_rest_url` (absent on the last
page). Recurring events come as separate occurrences (no RRULE is exposed), each with its own id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.url import add_or_replace_parameter, url_query_parameter

from spiders.base import AdapterSpider, QuarantineItem
from spiders.items import RawListingItem

PUBLIC_STATUSES = frozenset({"publish"})
"""WordPress post statuses a visitor can see; `draft`, `private`, `tribe-ignored`… are not listings."""

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "price_text": ("cost",),
    "website": ("website",),
    "external_id": ("id",),
    "event_status": ("event_status", "json_ld.eventStatus"),
    "attendance_mode": ("attendance_mode", "json_ld.eventAttendanceMode"),
    "online_url": ("virtual_url",),
}
"""Raw field -> dotted paths in the event, the first non-empty value wins."""

VENUE_FIELDS: dict[str, tuple[str, ...]] = {
    "location_text": ("venue",),
    "street": ("address",),
    "postcode": ("zip",),
    "city": ("city",),
    "country": ("country",),
    "latitude": ("geo_lat", "json_ld.geo.latitude"),
    "longitude": ("geo_lng", "json_ld.geo.longitude"),
}

ORGANIZER_FIELDS: dict[str, tuple[str, ...]] = {
    "organizer": ("organizer", "json_ld.name"),
    "email": ("email", "json_ld.email"),
    "phone": ("phone", "json_ld.telephone"),
}
"""Per organizer; several organizers give ';'-joined values."""

MAX_UTC_OFFSET = dt.timedelta(hours=14)


def _at(record: Any, path: str) -> Any:
    """The value at a dotted path, or None when any step is missing or not an object."""
    for key in path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _scalar(value: Any) -> str | None:
    """Text of a scalar; WordPress `{"rendered": ...}` objects unwrapped; containers are not text."""
    if isinstance(value, dict) and "rendered" in value:
        value = value["rendered"]
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _first(record: Any, paths: tuple[str, ...]) -> str | None:
    return next((v for v in (_scalar(_at(record, p)) for p in paths) if v), None)


def mapped(record: Any, table: dict[str, tuple[str, ...]]) -> dict[str, str | None]:
    """Raw fields read from `record` through a field-mapping table."""
    return {field: _first(record, paths) for field, paths in table.items()}


def objects(value: Any, name_key: str) -> list[dict[str, Any]]:
    """Venue or organizer values as a list of objects: TEC gives an object, `[]` or a list
    (a bare name string also occurs in hand-made feeds)."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, dict) and item:
            found.append(item)
        elif isinstance(item, str) and item.strip():
            found.append({name_key: item.strip()})
    return found


def term_names(value: Any) -> list[str]:
    """Category or tag names from a list of term objects (or names, or an id-keyed object)."""
    terms = list(value.values()) if isinstance(value, dict) and "name" not in value else value
    terms = terms if isinstance(terms, list) else [terms]
    names = (_scalar(t.get("name")) if isinstance(t, dict) else _scalar(t) for t in terms)
    return [n for n in names if n]


def joined_values(records: list[dict[str, Any]], table: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Each field's distinct values over several records, in order."""
    values: dict[str, list[str]] = {field: [] for field in table}
    for record in records:
        for field, value in mapped(record, table).items():
            if value and value not in values[field]:
                values[field].append(value)
    return values


def _local_time(text: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text).strip()) if text else None
    except ValueError:
        return None


def iana_zone(name: Any) -> ZoneInfo | None:
    """The IANA zone for a TEC `timezone` value; TEC also writes offsets like "UTC+0"."""
    if not isinstance(name, str) or "/" not in name:
        return ZoneInfo("UTC") if name == "UTC" else None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return None


def moment(event: dict[str, Any], which: str) -> str | None:
    """ISO start or end: a date for all-day events, else the local time with the event's offset.

    The offset comes from the UTC twin TEC publishes (exact even for "UTC+2"-style zones), else
    from the IANA zone; a time without either stays local (the `timezone` field tells the zone).
    """
    local = _local_time(event.get(f"{which}_date"))
    if local is None:
        return None
    if event.get("all_day") in (True, "true", "1", 1):
        return local.date().isoformat()
    utc = _local_time(event.get(f"utc_{which}_date"))
    offset = local - utc if utc is not None else None
    if offset is not None and abs(offset) <= MAX_UTC_OFFSET and offset % dt.timedelta(minutes=15) == dt.timedelta(0):
        return local.replace(tzinfo=dt.timezone(offset)).isoformat()
    zone = iana_zone(event.get("timezone"))
    return local.replace(tzinfo=zone).isoformat() if zone else local.isoformat()


def schedule_fields(event: dict[str, Any]) -> dict[str, str | None]:
    """start, end, timezone; a date TEC wrote in a shape we cannot read goes to schedule_text."""
    start, end = moment(event, "start"), moment(event, "end")
    unread = [str(event[k]) for k in ("start_date", "end_date") if _scalar(event.get(k)) and moment(event, k[:-5]) is None]
    zone = iana_zone(event.get("timezone"))
    return {
        "start": start,
        "end": end,
        "timezone": zone.key if zone else None,
        "schedule_text": " – ".join(unread) or None,
    }


def not_public_reason(event: dict[str, Any]) -> str | None:
    """Why an event is not a public listing, or None when it is."""
    status = _scalar(event.get("status"))
    if status is not None and status not in PUBLIC_STATUSES:
        return f"not a public listing: status {status!r}"
    if event.get("hide_from_listings") in (True, "true", "1", 1):
        return "not a public listing: hide_from_listings"
    return None


def event_fields(event: dict[str, Any]) -> dict[str, Any]:
    """Every raw field an event gives."""
    fields: dict[str, Any] = mapped(event, EVENT_FIELDS)
    venues = objects(event.get("venue"), "venue")
    fields.update(mapped(venues[0], VENUE_FIELDS) if venues else {})
    organizers = objects(event.get("organizer"), "organizer")
    fields.update(joined_values(organizers, ORGANIZER_FIELDS))
    if not fields["website"]:
        fields["website"] = next((w for o in organizers if (w := _scalar(o.get("website")))), None)
    fields["categories"] = term_names(event.get("categories")) + term_names(event.get("tags"))
    fields.update(schedule_fields(event))
    return fields


def page_events(payload: Any) -> tuple[list[Any], str | None]:
    """The events of an archive page (or the one event of a single-event response), or why not."""
    if isinstance(payload, dict) and "events" in payload:
        events = payload["events"]
        if isinstance(events, dict):  # some PHP serialisers write a list as an index-keyed object
            events = list(events.values())
        if isinstance(events, list):
            return events, None
        return [], f"`events` is {type(events).__name__}, not a list"
    if isinstance(payload, dict) and ("title" in payload or "id" in payload):
        return [payload], None
    return [], "not a The Events Calendar events page"


def _page_number(url: str) -> int | None:
    """The `page` query parameter (1 when absent), None when it is not a number."""
    value = url_query_parameter(url, "page") or "1"
    return int(value) if value.isdigit() else None


def _total_pages(payload: dict[str, Any]) -> int | None:
    value = payload.get("total_pages")
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


class Spider(AdapterSpider):
    """Reads every page of a TEC events archive, bounded by `max_pages`."""

    name = adapter = "tec"
    default_options: ClassVar[dict[str, Any]] = {"max_pages": 50, "per_page": None}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        per_page = self.options.get("per_page")
        for url in self.start_urls:
            if per_page and url_query_parameter(url, "per_page") is None:
                url = add_or_replace_parameter(url, "per_page", str(per_page))
            yield self.page_request(url, pages_read=0, total_pages=None)

    def page_request(self, url: str, *, pages_read: int, total_pages: int | None) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_page_error,
            cb_kwargs={"pages_read": pages_read, "total_pages": total_pages},
            dont_filter=pages_read == 0,  # as AdapterSpider.start: a redirect loop ends in the errback
        )

    def parse(self, response: Response, pages_read: int = 0, total_pages: int | None = None) -> Iterator[Any]:
        """Listings of one page, then the next page (`total_pages` of the previous page serves the errback)."""
        payload, bad = self.json_or_quarantine(response)
        if bad is not None:
            yield bad
            return
        events, problem = page_events(payload)
        if problem:
            yield self.quarantine(response.url, problem, payload)
        for index, event in enumerate(events):
            yield self.event_item(response, event, index)
        if isinstance(payload, dict):  # a broken page may still link the next, intact one
            yield from self.next_page(response, payload, pages_read + 1)

    def event_item(self, response: Response, event: Any, index: int) -> RawListingItem | QuarantineItem:
        """One listing, or a quarantine record saying why the event is not one."""
        where = f"{response.url}#event-{index}"
        if not isinstance(event, dict):
            return self.quarantine(where, f"event is {type(event).__name__}, not an object", event)
        try:
            reason = not_public_reason(event)
            url = _scalar(event.get("url"))
            listing_url = url if url and url.startswith(("http://", "https://")) else f"{response.url}#{event.get('id', index)}"
            if reason:
                return self.quarantine(listing_url, reason, event)
            return self.listing(listing_url, event, **event_fields(event))
        except Exception as exc:  # a record of unexpected shape is quarantined, never fatal
            return self.quarantine(where, f"unreadable event: {type(exc).__name__}: {exc}", event)

    def next_page(self, response: Response, payload: dict[str, Any], pages_read: int) -> Iterator[Any]:
        """The next archive page: `next_rest_url`, else the page after this one while `total_pages`
        says there is one."""
        total = _total_pages(payload)
        next_url = _scalar(payload.get("next_rest_url"))
        page = _page_number(response.url)
        if next_url is None and total is not None and page is not None and page < total:
            next_url = add_or_replace_parameter(response.url, "page", str(page + 1))
        if next_url is None:
            return
        if pages_read >= int(self.options.get("max_pages") or 50):
            yield self.quarantine(response.urljoin(next_url), f"stopped after max_pages={pages_read}; more pages announced", "", stage="fetch")
            return
        yield self.page_request(response.urljoin(next_url), pages_read=pages_read, total_pages=total)

    def on_page_error(self, failure: Failure) -> Iterator[Any]:
        """A 404 past the announced last page is TEC's end of the archive, not a lost page."""
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        total = request.cb_kwargs.get("total_pages") if request is not None else None
        page = _page_number(request.url) if request is not None else None
        if response is not None and response.status == 404 and total is not None and page is not None and page > total:
            self.crawler.stats.inc_value("groupdir/tec_pages_past_end")
            self.logger.info("page past the end of the archive (total_pages=%s): %s", total, request.url)
            return
        yield from self.on_error(failure)
