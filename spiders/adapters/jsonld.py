"""Adapter `jsonld`: schema.org Event / EventSeries embedded in pages (JSON-LD, microdata, RDFa).

Discovery, from the start URL: a sitemap (`<urlset>` / `<sitemapindex>`, or a robots.txt naming
sitemaps), a listing page (options `detail_link` and `next_page`), or an event page itself.

Each `<script type="application/ld+json">` block is parsed on its own: extruct fails the whole
page on one malformed block and does not split `@graph` (samples README). An EventSeries is one
listing, its sub-events become `occurrences`; a schedule becomes an RFC 5545 RRULE.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import extruct
import scrapy
from icalendar import vRecur
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from spiders.adapters.html import link_urls, selected
from spiders.base import AdapterSpider

SCHEMA_PREFIXES = ("https://schema.org/", "http://schema.org/", "schema:")
ORGANIZATION_TYPES = frozenset({"Organization", "NGO", "Corporation", "GovernmentOrganization", "MedicalOrganization",
                                "LocalBusiness", "EducationalOrganization", "Consortium", "Project"})
MAX_OCCURRENCES = 52
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
DAY_CODES = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR",
             "saturday": "SA", "sunday": "SU"}
ICAL_DAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
ISO_PERIOD = re.compile(r"^P(\d+)([DWMY])$")  # schema.org repeatFrequency: P1W, P2W, P1M...
PERIOD_FREQ = {"D": "DAILY", "W": "WEEKLY", "M": "MONTHLY", "Y": "YEARLY"}
WORD_FREQ = {"daily": ("DAILY", 1), "weekly": ("WEEKLY", 1), "biweekly": ("WEEKLY", 2), "fortnightly": ("WEEKLY", 2),
             "monthly": ("MONTHLY", 1), "yearly": ("YEARLY", 1), "annually": ("YEARLY", 1)}
JSONLD_SCRIPTS = "//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]/text()"


# --- reading JSON-LD values ----------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """JSON-LD allows one value or a list for any property."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def text_of(value: Any) -> str | None:
    """The first text of a value: plain, numeric, or a `{"@value": ...}` (language-tagged) one."""
    for item in as_list(value):
        if isinstance(item, dict):
            item = item.get("@value", item.get("name"))
        if isinstance(item, bool):
            continue
        if isinstance(item, str | int | float) and str(item).strip():
            return str(item).strip()
    return None


def term(value: Any) -> str | None:
    """A schema.org term without its IRI prefix ("https://schema.org/EventCancelled" -> "EventCancelled")."""
    text = text_of(value)
    if text is None:
        return None
    for prefix in SCHEMA_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def type_names(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    return {term(t) or "" for t in as_list(node.get("@type"))} - {""}


def is_event(node: Any) -> bool:
    """Event, EventSeries and the Event subtypes (SocialEvent, EducationEvent...)."""
    return any(t.endswith("Event") or t == "EventSeries" for t in type_names(node))


def is_organization(node: Any) -> bool:
    return bool(type_names(node) & ORGANIZATION_TYPES)


# --- blocks -> nodes -----------------------------------------------------------------------------


def jsonld_blocks(response: TextResponse) -> list[str]:
    return [text for text in response.xpath(JSONLD_SCRIPTS).getall() if text.strip()]


def parsed_block(text: str) -> Any:
    """One JSON-LD block; tolerates the HTML comment / CDATA wrappers and raw newlines sites emit."""
    body = re.sub(r"^\s*(?:<!--|(?://\s*)?<!\[CDATA\[)|(?:-->|(?://\s*)?\]\]>)\s*$", "", text.strip())
    return json.loads(body, strict=False)


def graph_nodes(data: Any) -> list[dict[str, Any]]:
    """Top-level nodes of a block: lists and `@graph` split, recursively."""
    nodes: list[dict[str, Any]] = []
    for item in as_list(data):
        if not isinstance(item, dict):
            continue
        if "@graph" in item:
            nodes += graph_nodes(item["@graph"])
            if type_names(item):
                nodes.append({k: v for k, v in item.items() if k != "@graph"})
        else:
            nodes.append(item)
    return nodes


def compacted(node: Any) -> Any:
    """extruct's RDFa comes in expanded form (IRIs as keys, `[{"@value": ...}]`): make it read like
    the compact JSON-LD the mapping expects."""
    if isinstance(node, list):
        values = [compacted(v) for v in node]
        return values[0] if len(values) == 1 else values
    if not isinstance(node, dict):
        return node
    if set(node) == {"@value"} or (set(node) <= {"@value", "@language", "@type"} and "@value" in node):
        return node["@value"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        short = term(key) if key.startswith(SCHEMA_PREFIXES) else key
        out[short or key] = [term(t) for t in as_list(value)] if key == "@type" else compacted(value)
    return out


def embedded_nodes(html: str, url: str) -> list[dict[str, Any]]:
    """Microdata and RDFa items, read by extruct (JSON-LD is read block by block instead)."""
    syntaxes = [s for s, marker in (("microdata", "itemscope"), ("rdfa", "typeof=")) if marker in html]
    if not syntaxes:
        return []
    data = extruct.extract(html, base_url=url, syntaxes=syntaxes, uniform=True)
    return [compacted(n) for n in data.get("microdata", [])] + [compacted(n) for n in data.get("rdfa", [])]


def node_index(nodes: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Every described node (nested ones too) by its `@id`, to resolve `{"@id": ...}` references."""
    index: dict[str, dict[str, Any]] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack += node
        elif isinstance(node, dict):
            node_id = node.get("@id")
            if isinstance(node_id, str) and set(node) - {"@id", "@type"} and node_id not in index:
                index[node_id] = node
            stack += [v for v in node.values() if isinstance(v, dict | list)]
    return index


@dataclass
class PageGraph:
    """The page's nodes, with what mapping an event needs from around it."""

    nodes: list[dict[str, Any]]
    index: dict[str, dict[str, Any]] = field(default_factory=dict)
    organization: dict[str, Any] | None = None

    @classmethod
    def of(cls, nodes: list[dict[str, Any]]) -> PageGraph:
        index = node_index(nodes)
        organization = next((n for n in nodes if is_organization(n)), None)
        return cls(nodes=nodes, index=index, organization=organization)

    def resolved(self, value: Any) -> Any:
        """A `{"@id": ...}` reference replaced by the node it names, when the page describes it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            return self.index.get(value.get("@id"), value)
        if isinstance(value, str) and value in self.index:
            return self.index[value]
        return value

    def all(self, value: Any) -> list[Any]:
        return [self.resolved(v) for v in as_list(value)]


def node_key(node: dict[str, Any]) -> str:
    node_id = node.get("@id")
    return node_id if isinstance(node_id, str) else f"python:{id(node)}"


def series_with_sessions(events: list[dict[str, Any]], page: PageGraph) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each event to list, with its sub-events: one listing per series, never one per session.

    Sessions are found both ways schema.org allows: the series' `subEvent`, and an event's
    `superEvent` naming a series on the same page.
    """
    by_key = {node_key(e): e for e in events}
    sessions: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in by_key}
    for key, event in by_key.items():
        for sub in page.all(event.get("subEvent", event.get("subEvents"))):
            if isinstance(sub, dict):
                sessions[key][node_key(sub)] = sub
    for key, event in by_key.items():
        for parent in as_list(event.get("superEvent")):
            parent_key = parent.get("@id") if isinstance(parent, dict) else parent
            if parent_key in by_key and parent_key != key:
                sessions[parent_key][key] = event
    is_session = {k for subs in sessions.values() for k in subs}
    return [(e, list(sessions[k].values())) for k, e in by_key.items() if k not in is_session]


# --- schedule -> RRULE ---------------------------------------------------------------------------


def day_code(value: Any) -> str | None:
    """RFC 5545 BYDAY token of a schema.org DayOfWeek ("https://schema.org/Tuesday") or an iCal token."""
    text = term(value)
    if text is None:
        return None
    if text.lower() in DAY_CODES:
        return DAY_CODES[text.lower()]
    match = ICAL_DAY.match(text.strip().upper())
    return match.group(0) if match else None


def frequency(value: Any) -> tuple[str, int] | None:
    """(FREQ, INTERVAL) of a repeatFrequency: ISO 8601 period ("P2W") or word ("weekly")."""
    text = text_of(value)
    if text is None:
        return None
    match = ISO_PERIOD.match(text.strip().upper())
    if match and int(match.group(1)) > 0:
        return PERIOD_FREQ[match.group(2)], int(match.group(1))
    return WORD_FREQ.get(text.strip().lower())


def _integers(value: Any) -> list[int]:
    out = []
    for item in as_list(value):
        text = text_of(item)
        if text is not None and re.fullmatch(r"[+-]?\d{1,2}", text):
            out.append(int(text))
    return out


def _until(value: Any) -> dt.datetime | dt.date | None:
    """The last day of a schedule, inclusive: a date becomes that day's last second (floating, like
    the start) so the last session is not cut off."""
    text = text_of(value)
    if text is None:
        return None
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59))
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def rrule_parts(schedule: Any) -> dict[str, Any] | None:
    """The RRULE a schema.org Schedule states, as RFC 5545 parts; None when it states no repetition."""
    if not isinstance(schedule, dict):
        return None
    freq = frequency(schedule.get("repeatFrequency"))
    if freq is None:
        return None
    parts: dict[str, Any] = {"FREQ": freq[0]}
    if freq[1] > 1:
        parts["INTERVAL"] = freq[1]
    days = [d for d in (day_code(v) for v in as_list(schedule.get("byDay"))) if d]
    weeks = [w for w in _integers(schedule.get("byMonthWeek")) if w in (1, 2, 3, 4, 5, -1)]
    if weeks and freq[0] == "MONTHLY":
        days = [f"{w}{d}" for w in weeks for d in days if not d[0].isdigit() and d[0] not in "+-"] or days
    if days:
        parts["BYDAY"] = days
    if month_days := [d for d in _integers(schedule.get("byMonthDay")) if d and -31 <= d <= 31]:
        parts["BYMONTHDAY"] = month_days
    if months := [m for m in _integers(schedule.get("byMonth")) if 1 <= m <= 12]:
        parts["BYMONTH"] = months
    count = _integers(schedule.get("repeatCount"))
    until = _until(schedule.get("endDate"))
    if count and count[0] > 0:
        parts["COUNT"] = count[0]
    elif until is not None:
        parts["UNTIL"] = until
    return parts


def rrule_text(parts: dict[str, Any] | None) -> str | None:
    """RFC 5545 text of RRULE parts (without the "RRULE:" prefix)."""
    return vRecur(parts).to_ical().decode("ascii") if parts else None


def merged_rule(rules: list[dict[str, Any]], clocks: set[str]) -> dict[str, Any] | None:
    """One rule for sessions that differ only by weekday at the same time (Tuesday and Thursday
    at 12:00 -> BYDAY=TU,TH); otherwise the first session's rule."""
    if not rules:
        return None
    first = rules[0]
    same_shape = all({k: v for k, v in r.items() if k != "BYDAY"} == {k: v for k, v in first.items() if k != "BYDAY"}
                     for r in rules)
    if not (same_shape and len(clocks) <= 1 and all("BYDAY" in r for r in rules)):
        return first
    days = list(dict.fromkeys(d for r in rules for d in r["BYDAY"]))
    return {**first, "BYDAY": days}


def moment(date: str | None, clock: str | None) -> str | None:
    """A start or end from a date and/or a time of day: "2026-09-01T19:30", or either alone."""
    if date and clock and len(date) == 10:
        return f"{date}T{clock}"
    return date or clock


def clock_of(start: str | None) -> str | None:
    return start[11:16] if start and len(start) >= 16 and start[10] == "T" else None


def schedule_fields(schedules: list[Any], start: str | None, end: str | None) -> dict[str, Any]:
    """rrule, start, end, timezone and exdates of an event's `eventSchedule` (the event's own
    startDate/endDate win, completed by the schedule's time of day)."""
    rules = [r for r in (rrule_parts(s) for s in schedules) if r]
    first = next((s for s in schedules if isinstance(s, dict)), {})
    begin_time, end_time = text_of(first.get("startTime")), text_of(first.get("endTime"))
    begin_date = start or text_of(first.get("startDate"))
    first_day = begin_date[:10] if begin_date and re.match(r"\d{4}-\d\d-\d\d", begin_date) else None
    return {
        "rrule": rrule_text(merged_rule(rules, set())) if rules else None,
        "start": moment(begin_date, begin_time),
        "end": end or moment(first_day, end_time),
        "timezone": text_of(first.get("scheduleTimezone")),
        "exdates": [text_of(d) for d in as_list(first.get("exceptDate")) if text_of(d)] or None,
    }


# --- event -> raw fields -------------------------------------------------------------------------


def organizer_fields(organizers: list[Any]) -> dict[str, Any]:
    """Who runs it and how to reach them (the organizer's own contact, else its contactPoint)."""
    people = [o for o in organizers if isinstance(o, dict)]
    contacts = people + [c for o in people for c in as_list(o.get("contactPoint")) if isinstance(c, dict)]
    names = [text_of(o.get("name")) if isinstance(o, dict) else text_of(o) for o in organizers]
    return {
        "organizer": [n for n in names if n] or None,
        "email": next((text_of(c.get("email")) for c in contacts if text_of(c.get("email"))), None),
        "phone": next((text_of(c.get("telephone")) for c in contacts if text_of(c.get("telephone"))), None),
        "website": next((text_of(o.get("url")) for o in people if text_of(o.get("url"))), None),
    }


def location_fields(locations: list[Any], page: PageGraph) -> dict[str, Any]:
    """Place / PostalAddress / GeoCoordinates to address fields; a VirtualLocation to online_url."""
    out: dict[str, Any] = {}
    texts: list[str] = []
    for location in locations:
        if not isinstance(location, dict):
            texts += [t for t in [text_of(location)] if t]
            continue
        if "VirtualLocation" in type_names(location):
            out.setdefault("online_url", text_of(location.get("url")))
            continue
        texts += [t for t in [text_of(location.get("name"))] if t]
        address = page.resolved(location.get("address"))
        if isinstance(address, dict) and "street" not in out:
            country = page.resolved(address.get("addressCountry"))
            out.update({
                "street": text_of(address.get("streetAddress")),
                "postcode": text_of(address.get("postalCode")),
                "city": text_of(address.get("addressLocality")),
                "country": text_of(country.get("name")) if isinstance(country, dict) else text_of(country),
            })
        elif text_of(address):
            texts.append(text_of(address))
        geo = page.resolved(location.get("geo")) if isinstance(location.get("geo"), dict) else location
        if "latitude" not in out and text_of(geo.get("latitude")) and text_of(geo.get("longitude")):
            out.update({"latitude": text_of(geo.get("latitude")), "longitude": text_of(geo.get("longitude"))})
    out["location_text"] = ", ".join(dict.fromkeys(texts)) or None
    return out


def price_text(event: dict[str, Any], page: PageGraph) -> list[str] | None:
    """What the page says it costs: "free" when isAccessibleForFree, then each offer ("0 EUR")."""
    texts = ["free"] if event.get("isAccessibleForFree") in (True, "true", "True", "https://schema.org/True") else []
    for offer in page.all(event.get("offers")):
        if not isinstance(offer, dict):
            continue
        spec = next((s for s in page.all(offer.get("priceSpecification")) if isinstance(s, dict)), {})
        price = text_of(offer.get("price")) or text_of(spec.get("price"))
        currency = text_of(offer.get("priceCurrency")) or text_of(spec.get("priceCurrency"))
        said = " ".join(p for p in (price, currency) if p) if price else text_of(offer.get("description"))
        if said and said not in texts:
            texts.append(said)
    return texts or None


def language_of(value: Any) -> list[str] | None:
    """inLanguage as the page writes it: a BCP 47 code, or a Language node's code or name."""
    codes = []
    for item in as_list(value):
        code = text_of(item.get("alternateName") or item.get("name")) if isinstance(item, dict) else text_of(item)
        if code:
            codes.append(code)
    return codes or None


def categories_of(event: dict[str, Any]) -> list[str] | None:
    """keywords (a comma-separated text or a list) and the names of what it is `about`."""
    labels: list[str] = []
    for keyword in as_list(event.get("keywords")):
        text = text_of(keyword)
        labels += [k.strip() for k in (text or "").split(",") if k.strip()]
    labels += [t for t in (text_of(a) for a in as_list(event.get("about"))) if t]
    return list(dict.fromkeys(labels)) or None


def event_fields(event: dict[str, Any], page: PageGraph) -> dict[str, Any]:
    """The raw listing fields one schema.org Event states (the page's Organization stands in for a
    missing organizer: on an association's own site, it runs its groups)."""
    organizers = page.all(event.get("organizer"))
    if not organizers and page.organization is not None:
        organizers = [page.organization]
    start, end = text_of(event.get("startDate")), text_of(event.get("endDate"))
    fields: dict[str, Any] = {
        "title": text_of(event.get("name")),
        "description": text_of(event.get("description")),
        **organizer_fields(organizers),
        "facilitator_text": [t for t in (text_of(p) for p in page.all(event.get("performer"))) if t] or None,
        **location_fields(page.all(event.get("location")), page),
        "attendance_mode": term(event.get("eventAttendanceMode")),
        "event_status": term(event.get("eventStatus")),
        "start": start,
        "end": end,
        "price_text": price_text(event, page),
        "language": language_of(event.get("inLanguage")),
        "external_id": event.get("@id") if isinstance(event.get("@id"), str) else None,
        "categories": categories_of(event),
    }
    schedules = page.all(event.get("eventSchedule"))
    if schedules:
        fields.update(schedule_fields(schedules, start, end))
    return fields


SERIES_OWN_FIELDS = frozenset({"title", "external_id", "rrule", "start", "end"})


def series_fields(series: dict[str, Any], sessions: list[dict[str, Any]], page: PageGraph) -> dict[str, Any]:
    """One listing for a series: its own fields, completed by its sessions (which give the
    occurrences and, when the series states no schedule, the merged weekly rule)."""
    fields = event_fields(series, page)
    if not sessions:
        return fields
    session_fields = sorted((event_fields(s, page) for s in sessions), key=lambda f: f.get("start") or "~")
    if not fields.get("rrule"):
        rules = [r for s in sessions for r in (rrule_parts(x) for x in page.all(s.get("eventSchedule"))) if r]
        clocks = {c for f in session_fields if (c := clock_of(f.get("start")))}
        fields["rrule"] = rrule_text(merged_rule(rules, clocks))
        fields["timezone"] = fields.get("timezone") or next((f["timezone"] for f in session_fields if f.get("timezone")), None)
    if not fields.get("start"):
        fields["start"], fields["end"] = session_fields[0].get("start"), fields.get("end") or session_fields[0].get("end")
    for session in session_fields:
        for key, value in session.items():
            if key not in SERIES_OWN_FIELDS and value and not fields.get(key):
                fields[key] = value
    starts = [f["start"] for f in session_fields if f.get("start")]
    fields["occurrences"] = starts[:MAX_OCCURRENCES] or None
    return fields


def listing_url(event: dict[str, Any], page_url: str) -> str:
    url = text_of(event.get("url"))
    return url if url and url.startswith(("http://", "https://")) else page_url


# --- the spider ----------------------------------------------------------------------------------


@dataclass
class PageRead:
    """What a page's structured data gave: its nodes, and the blocks that could not be read."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    malformed: list[tuple[str, str]] = field(default_factory=list)  # (reason, block text)


def page_read(response: TextResponse) -> PageRead:
    """Every JSON-LD block on its own (a malformed one is set aside), then microdata and RDFa."""
    read = PageRead()
    for number, text in enumerate(jsonld_blocks(response), start=1):
        try:
            read.nodes += graph_nodes(parsed_block(text))
        except ValueError as exc:
            read.malformed.append((f"malformed JSON-LD block {number}: {exc}", text))
    try:
        read.nodes += embedded_nodes(response.text, response.url)
    except Exception as exc:  # extruct on hostile markup: the JSON-LD already read still lands
        read.malformed.append((f"unreadable microdata/RDFa: {exc!r}", ""))
    return read


def sitemap_of(response: Response) -> Sitemap | None:
    """The response as a sitemap (urlset or index), or None for any other page."""
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        except OSError:
            return None
    head = body[:512].lstrip().lower()
    if not (head.startswith(b"<?xml") or head.startswith((b"<urlset", b"<sitemapindex"))):
        return None
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml on broken XML: not a sitemap we can use
        return None
    return sitemap if sitemap.type in ("urlset", "sitemapindex") else None


class Spider(AdapterSpider):
    """Finds event pages (sitemap, listing pages or the start page) and lists their events."""

    name = adapter = "jsonld"

    def parse(self, response: Response) -> Iterator[Any]:
        """Route a discovery page: robots.txt, sitemap, listing page, or an event page itself."""
        if response.url.endswith("/robots.txt") and isinstance(response, TextResponse):
            for url in sitemap_urls_from_robots(response.text, base_url=response.url):
                yield scrapy.Request(url, callback=self.parse, errback=self.on_error)
            return
        sitemap = sitemap_of(response)
        if sitemap is not None:
            yield from self.follow_sitemap(response, sitemap)
            return
        if not isinstance(response, TextResponse):
            yield self.quarantine(response.url, "start page is neither HTML nor a sitemap", "")
            return
        if self.options.get("detail_link"):
            for url in link_urls(response, selected(response, self.options["detail_link"])):
                yield scrapy.Request(url, callback=self.parse_event_page, errback=self.on_error)
        else:
            yield from self.parse_event_page(response)
        if self.options.get("next_page"):
            for url in link_urls(response, selected(response, self.options["next_page"])):
                yield scrapy.Request(url, callback=self.parse, errback=self.on_error)

    def follow_sitemap(self, response: Response, sitemap: Sitemap) -> Iterator[scrapy.Request]:
        follow = re.compile(self.options.get("sitemap_follow") or ".")
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            url = response.urljoin(loc) if loc else ""
            if not url.startswith(("http://", "https://")):
                continue
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(url, callback=self.parse, errback=self.on_error)
            elif follow.search(url):
                yield scrapy.Request(url, callback=self.parse_event_page, errback=self.on_error)

    def parse_event_page(self, response: Response) -> Iterator[Any]:
        """One listing per event or series on the page; malformed blocks quarantined, never fatal."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("groupdir/pages_without_events")
            return
        read = page_read(response)
        for reason, text in read.malformed:
            yield self.quarantine(response.url, reason, text)
        page = PageGraph.of(read.nodes)
        events = [n for n in read.nodes if is_event(n)]
        events += [e for org in read.nodes if is_organization(org) for e in page.all(org.get("event", org.get("events")))
                   if is_event(e) and e not in events]
        if not events:
            self.crawler.stats.inc_value("groupdir/pages_without_events")
            return
        for event, sessions in series_with_sessions(events, page):
            try:
                fields = series_fields(event, sessions, page)
            except Exception as exc:  # a shape we did not foresee costs one record, not the page
                yield self.quarantine(response.url, f"could not map event: {exc!r}", {"event": event, "subEvent": sessions})
                continue
            raw = event if not sessions else {"event": event, "subEvent": sessions}
            yield self.listing(listing_url(event, response.url), raw, **fields)
            self.crawler.stats.inc_value("groupdir/events")
