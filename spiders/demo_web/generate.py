"""Render the demo web (`sites/`) and its answer key (`truth.jsonl`) from the hand-written `content/`.

`content/groups/*.yaml` holds one entry per real-world group (or non-group event) with its texts,
its schedule as an RFC 5545 rule or a date, and the sites that publish it, each with its own
wording; `content/meetings.yaml` holds the Meeting Guide feed; `content/sites.yaml` each site's
organisation and layout. Every site is rendered in the exact shape of its real format, so the
adapters meet here what they meet on the web. Dates come from a fixed reference, and no output
depends on the clock or on unseeded randomness: the output is byte-stable.

    python -m spiders.demo_web.generate [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import itertools
import json
import re
import shutil
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from html.entities import codepoint2name
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import yaml
from dateutil.rrule import rrulestr

DEMO_DIR = Path(__file__).parent
CONTENT_DIR = DEMO_DIR / "content"
REFERENCE = dt.datetime(2026, 12, 1)
"""First day of the demo season (the nightly tests run on 2026-12-02): the agendas list sessions
from here to LAST_DAY; cycles (`COUNT=`) start here unless they say `since`."""
SERIES_SINCE = dt.datetime(2026, 9, 1)
"""Open-ended series began with the school year, so their feeds carry past and future dates."""
LAST_DAY = dt.datetime(2027, 6, 30, 23, 59)
PUBLISHED = dt.datetime(2026, 11, 2, 9, 15)
"""When the sites "published" their pages: the date every page and record carries."""
BASE = "{{BASE_URL}}"
SITE_FILE = "_site.yaml"

FLAG_NAMES = ("non_group", "cancelled", "postponed", "robots_disallowed", "http_500", "inactive", "malformed_jsonld",
              "has_full_name")
"""Every truth line carries each flag (true or false):
- non_group: not a group for participants (format out_of_scope: conference, AG, fundraiser...);
- cancelled / postponed: the listing (or this TEC occurrence) says so;
- robots_disallowed: published under a path robots.txt forbids, never crawled;
- http_500: its page answers 500 (or is only reachable through one), never crawled;
- inactive: a Meeting Guide meeting with attendance_option "inactive" (the adapter quarantines it);
- malformed_jsonld: its page also holds a broken JSON-LD block (quarantined; the listing lands);
- has_full_name: a person's full name appears in its texts (for the privacy filter)."""


# --- the answer key ------------------------------------------------------------------------------


@dataclass
class TruthRow:
    """One listing as published somewhere on the demo web, with what a perfect pipeline concludes."""

    site: str
    source_id: str
    url_path: str
    external_id: str | None
    title: str
    format: str
    group: str
    language: str | None = None
    weekday: int | None = None  # 0 = Monday
    start_time: str | None = None
    postcode: str | None = None
    country: str | None = None
    flags: dict[str, bool] = field(default_factory=dict)

    def line(self) -> str:
        record = asdict(self)
        flags = record.pop("flags")
        record["title_plain"] = html.unescape(self.title)
        record.update({name: bool(flags.get(name)) for name in FLAG_NAMES})
        record.update({name: value for name, value in flags.items() if name not in FLAG_NAMES})
        return json.dumps(record, ensure_ascii=False, sort_keys=True)


# --- content -------------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def publications(groups: Iterable[dict[str, Any]], site: str) -> list[dict[str, Any]]:
    """Each group as `site` words it: the group's fields overridden by the site's own wording, in
    content order (the order the site lists them)."""
    out = []
    for group in groups:
        base = {k: v for k, v in group.items() if k != "publish"}
        for entry in group.get("publish") or []:
            entry = {"site": entry} if isinstance(entry, str) else entry
            if entry["site"] == site:
                out.append({**base, **entry, "group": group["key"]})
    return out


def all_groups(content: Path) -> list[dict[str, Any]]:
    return [g for path in sorted((content / "groups").glob("*.yaml")) for g in load_yaml(path)]


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def flags_of(pub: dict[str, Any], **extra: bool) -> dict[str, bool]:
    flags = {
        "non_group": pub["format"] == "out_of_scope",
        "has_full_name": bool(pub.get("full_name")),
        "cancelled": pub.get("status") == "cancelled",
        "postponed": pub.get("status") == "postponed",
        "robots_disallowed": bool(pub.get("robots")),
        "http_500": bool(pub.get("http_500")),
        "malformed_jsonld": bool(pub.get("malformed")),
    }
    flags.update(extra)
    return {k: v for k, v in flags.items() if v}


# --- time ----------------------------------------------------------------------------------------


def clock(text: str | None) -> dt.time:
    return dt.time.fromisoformat(text) if text else dt.time(0, 0)


def first_day(pub: dict[str, Any]) -> dt.date | None:
    value = pub.get("date")
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def series_since(pub: dict[str, Any]) -> dt.date:
    """Where a series' rule starts: `since`, else the season for a cycle, else the school year."""
    if pub.get("since"):
        since = pub["since"]
        return since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since))
    return (REFERENCE if "COUNT=" in pub["rrule"] else SERIES_SINCE).date()


def session_starts(pub: dict[str, Any], limit: int = 120) -> list[dt.datetime]:
    """Local start of every session of a series up to LAST_DAY, past ones included (a one-off
    event: its single start)."""
    day = first_day(pub)
    if day is not None:
        return [dt.datetime.combine(day, clock(pub.get("start")))]
    text = re.sub(r"UNTIL=(\d{8}T\d{6})Z", r"UNTIL=\1", pub["rrule"])  # a UTC end, read as local: same day
    rule = rrulestr(text, dtstart=dt.datetime.combine(series_since(pub), clock(pub.get("start"))))
    return [s for s in itertools.islice(rule, limit) if s <= LAST_DAY]


def upcoming_starts(pub: dict[str, Any]) -> list[dt.datetime]:
    """The sessions from REFERENCE on (what an agenda lists; `cancel: n`, `moved: {n}` and
    `exdate: n` count in these); a one-off event keeps its date even when it is past."""
    starts = session_starts(pub)
    return [s for s in starts if s >= REFERENCE] if recurring(pub) else starts


def session_end(pub: dict[str, Any], start: dt.datetime) -> dt.datetime:
    """End of a session: `days` later for a residential stay, else the end time (or 2 h later)."""
    days = int(pub.get("days", 1)) - 1
    if pub.get("end"):
        return dt.datetime.combine(start.date() + dt.timedelta(days=days), clock(pub["end"]))
    return start + dt.timedelta(days=days, hours=2)


def recurring(pub: dict[str, Any]) -> bool:
    return "rrule" in pub


def truth_row(site: dict[str, Any], pub: dict[str, Any], *, url_path: str, external_id: str | None,
              title: str, start: dt.datetime | None = None, **flags: bool) -> TruthRow:
    start = start or (session_starts(pub) or [None])[0]
    venue = pub.get("venue") or {}
    return TruthRow(
        site=site["slug"], source_id=site["slug"], url_path=url_path, external_id=external_id, title=title,
        format=pub["format"], group=pub["group"], language=pub.get("lang", site.get("lang")),
        weekday=start.weekday() if start else None,
        start_time=pub.get("start") if start else None,
        postcode=str(venue["postcode"]) if venue.get("postcode") else None,
        country=venue.get("country") or (site["country"] if venue else None),
        flags=flags_of(pub, **flags),
    )


# --- text ----------------------------------------------------------------------------------------


def paragraphs(text: str | None) -> list[str]:
    return [p.strip().replace("\n", " ") for p in (text or "").split("\n\n") if p.strip()]


def plain(text: str | None) -> str:
    """Description without markup, for formats that carry plain text (iCalendar, JSON-LD)."""
    return "\n\n".join(html.unescape(re.sub(r"<[^>]+>", "", p)) for p in paragraphs(text))


def with_entities(markup: str) -> str:
    """Non-ASCII letters as named entities (`&eacute;`), as older CMSs write them."""
    return "".join(f"&{codepoint2name[ord(c)]};" if ord(c) > 127 and ord(c) in codepoint2name else c for c in markup)


def texturized(markup: str) -> str:
    """WordPress's typographic apostrophes and spaces (`&#8217;`, `&nbsp;`) in stored HTML."""
    return markup.replace("'", "&#8217;").replace(" :", "&nbsp;:").replace(" – ", " &#8211; ")


def contact_line(pub: dict[str, Any], site: dict[str, Any]) -> str:
    org = pub.get("organizer") or site["org"]
    return " – ".join(x for x in (org.get("phone"), org.get("email")) if x)


# --- The Events Calendar -------------------------------------------------------------------------

BRUSSELS = ZoneInfo("Europe/Brussels")


def date_details(moment: dt.datetime) -> dict[str, str]:
    return {"year": f"{moment:%Y}", "month": f"{moment:%m}", "day": f"{moment:%d}",
            "hour": f"{moment:%H}", "minutes": f"{moment:%M}", "seconds": "00"}


def tec_term(name: str, term_id: int, taxonomy: str) -> dict[str, Any]:
    kind = "categories" if taxonomy == "tribe_events_cat" else "tags"
    return {"name": name, "slug": slugify(name), "term_group": 0, "term_taxonomy_id": term_id, "taxonomy": taxonomy,
            "description": "", "parent": 0, "count": 3, "filter": "raw", "id": term_id,
            "urls": {"self": f"{BASE}wp-json/tribe/events/v1/{kind}/{term_id}",
                     "collection": f"{BASE}wp-json/tribe/events/v1/{kind}"}}


def tec_venue(pub: dict[str, Any], site: dict[str, Any], venue_id: int) -> dict[str, Any] | list:
    venue = pub.get("venue")
    if not venue:
        return []
    record = {"id": venue_id, "author": "1", "status": "publish", "url": f"{BASE}lieu/{slugify(venue['name'])}/",
              "venue": venue["name"], "slug": slugify(venue["name"]), "address": venue.get("street", ""),
              "city": venue.get("city", ""), "country": site["country_name"], "zip": str(venue.get("postcode", "")),
              "show_map": True, "show_map_link": True,
              "global_id": f"{site['host']}?id={venue_id}", "global_id_lineage": [f"{site['host']}?id={venue_id}"]}
    if venue.get("lat"):
        record.update(geo_lat=venue["lat"], geo_lng=venue["lng"])
    return record


def tec_organizer(pub: dict[str, Any], site: dict[str, Any], organizer_id: int) -> list[dict[str, Any]]:
    org = pub.get("organizer") or site["org"]
    return [{"id": organizer_id, "author": "1", "status": "publish", "url": f"{BASE}organisateur/{slugify(org['name'])}/",
             "organizer": org["name"], "slug": slugify(org["name"]), "phone": org.get("phone", ""),
             "website": org.get("website", ""), "email": org.get("email", ""),
             "global_id": f"{site['host']}?id={organizer_id}", "global_id_lineage": [f"{site['host']}?id={organizer_id}"]}]


def tec_cost(pub: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cost = pub.get("price") or ""
    values = re.findall(r"\d+(?:[.,]\d+)?", cost)
    symbol = "€" if values else ""
    return cost, {"currency_symbol": symbol, "currency_code": "EUR" if values else "", "currency_position": "postfix",
                  "values": values[:1]}


def tec_description(pub: dict[str, Any], cancelled: bool) -> str:
    parts = [f"<p>{p}</p>" for p in paragraphs(pub.get("description"))]
    if pub.get("schedule"):
        parts.append(f"<p><strong>Quand :</strong> {html.escape(pub['schedule'], quote=False)}</p>")
    if pub.get("facilitator"):
        parts.append(f"<p><em>{html.escape(pub['facilitator'], quote=False)}</em></p>")
    if cancelled:
        parts.insert(0, f"<p><strong>{pub.get('cancel_note', 'Cette séance est annulée.')}</strong></p>")
    return texturized("\n".join(parts))


def tec_title(pub: dict[str, Any], cancelled: bool) -> str:
    """The title as TEC's REST API gives it: WordPress-encoded (`&#8217;`, `&#038;`), as the adapter
    yields it; a cancelled session carries the site's prefix."""
    title = (pub.get("cancel_prefix", "ANNULÉ – ") + pub["title"]) if cancelled else pub["title"]
    return html.escape(title, quote=False).replace("&amp;", "&#038;").replace("'", "&#8217;")


def tec_event(site: dict[str, Any], pub: dict[str, Any], event_id: int, start: dt.datetime, slug: str,
              cancelled: bool) -> dict[str, Any]:
    """One occurrence as TEC's REST API returns it (recurring groups: one record per date)."""
    end = session_end(pub, start)
    utc_start, utc_end = (m.replace(tzinfo=BRUSSELS).astimezone(dt.UTC).replace(tzinfo=None) for m in (start, end))
    url = f"{BASE}agenda/{slug}/" + (f"{start:%Y-%m-%d}/" if recurring(pub) else "")
    title = tec_title(pub, cancelled)
    cost, cost_details = tec_cost(pub)
    created = PUBLISHED + dt.timedelta(minutes=event_id % 997)
    image: Any = False
    if pub.get("image"):
        image = {"url": f"{BASE}wp-content/uploads/2026/11/{pub['image']}", "id": event_id + 1, "extension": "jpg",
                 "width": 1200, "height": 800, "filesize": 84213, "sizes": {}}
    excerpt = paragraphs(pub.get("description"))[:1]
    return {
        "id": event_id, "global_id": f"{site['host']}?id={event_id}", "global_id_lineage": [f"{site['host']}?id={event_id}"],
        "author": "3", "status": "publish",
        "date": f"{created:%Y-%m-%d %H:%M:%S}", "date_utc": f"{created - dt.timedelta(hours=1):%Y-%m-%d %H:%M:%S}",
        "modified": f"{created + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S}",
        "modified_utc": f"{created + dt.timedelta(days=3, hours=-1):%Y-%m-%d %H:%M:%S}",
        "url": url, "rest_url": f"{BASE}wp-json/tribe/events/v1/events/{event_id}",
        "title": title,
        "description": tec_description(pub, cancelled),
        "excerpt": f"<p>{texturized(excerpt[0])}</p>\n" if excerpt and pub.get("excerpt", True) else "",
        "slug": slug if not recurring(pub) else f"{slug}-{start:%Y-%m-%d}", "image": image,
        "all_day": bool(pub.get("all_day")),
        "start_date": f"{start:%Y-%m-%d %H:%M:%S}", "start_date_details": date_details(start),
        "end_date": f"{end:%Y-%m-%d %H:%M:%S}", "end_date_details": date_details(end),
        "utc_start_date": f"{utc_start:%Y-%m-%d %H:%M:%S}", "utc_start_date_details": date_details(utc_start),
        "utc_end_date": f"{utc_end:%Y-%m-%d %H:%M:%S}", "utc_end_date_details": date_details(utc_end),
        "timezone": "Europe/Brussels", "timezone_abbr": start.replace(tzinfo=BRUSSELS).tzname(),
        "cost": cost, "cost_details": cost_details, "website": pub.get("website", ""),
        "show_map": bool(pub.get("venue")), "show_map_link": bool(pub.get("venue")),
        "hide_from_listings": False, "sticky": False, "featured": False,
        "categories": [tec_term(c, 40 + i, "tribe_events_cat") for i, c in enumerate(pub.get("categories") or [])],
        "tags": [tec_term(t, 90 + i, "post_tag") for i, t in enumerate(pub.get("tags") or [])],
        "venue": tec_venue(pub, site, 2000 + event_id % 89),
        "organizer": tec_organizer(pub, site, 3000 + len(site["org"]["name"])),
    }


def wp_json(payload: Any) -> str:
    """JSON as WordPress writes it: ASCII only, slashes escaped."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def render_tec(site: dict[str, Any], pubs: list[dict[str, Any]], out: Path) -> list[TruthRow]:
    """The REST archive pages: events by start date, `per_page` per page, linked by next_rest_url."""
    occurrences: list[tuple[dt.datetime, dict[str, Any], int]] = []
    for pub in pubs:
        starts = upcoming_starts(pub)[: int(pub.get("occurrences", 3 if recurring(pub) else 1))]
        occurrences += [(start, pub, n) for n, start in enumerate(starts, start=1)]
    occurrences.sort(key=lambda o: (o[0], o[1]["title"]))
    events, rows = [], []
    seen_slugs: dict[str, int] = {}
    slug_of: dict[int, str] = {}
    for index, (start, pub, n) in enumerate(occurrences):
        event_id = site["first_id"] + index * 7
        key = id(pub)
        if key not in slug_of:
            base = slugify(pub["title"])
            seen_slugs[base] = seen_slugs.get(base, 0) + 1
            slug_of[key] = base if seen_slugs[base] == 1 else f"{base}-{seen_slugs[base]}"
        cancelled = n in (pub.get("cancel") or [])
        event = tec_event(site, pub, event_id, start, slug_of[key], cancelled)
        events.append(event)
        rows.append(truth_row(site, pub, url_path="/" + event["url"].removeprefix(BASE), external_id=str(event_id),
                              title=tec_title(pub, cancelled),
                              start=start, cancelled=cancelled))
    per_page = site["per_page"]
    pages = [events[i: i + per_page] for i in range(0, len(events), per_page)]
    api = out / "wp-json/tribe/events/v1"
    api.mkdir(parents=True, exist_ok=True)
    def page_url(number: int) -> str:
        return f"{BASE}wp-json/tribe/events/v1/events/?page={number}&per_page={per_page}"

    for number, page in enumerate(pages, start=1):
        payload: dict[str, Any] = {"events": page, "rest_url": page_url(number)}
        if number < len(pages):
            payload["next_rest_url"] = page_url(number + 1)
        if number > 1:
            payload["previous_rest_url"] = page_url(number - 1)
        payload.update(total=len(events), total_pages=len(pages))
        body = wp_json(payload)
        (api / f"events@page={number}&per_page={per_page}").write_text(body, encoding="utf-8")
        if number == 1:  # the start URL (`?per_page=N`) and the bare archive URL answer page 1 too
            (api / f"events@per_page={per_page}").write_text(body, encoding="utf-8")
            (api / "events").write_text(body, encoding="utf-8")
    return rows


# --- Meeting Guide -------------------------------------------------------------------------------

TSML_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def meeting_time(text: str) -> str:
    hour, minute = (int(x) for x in text.split(":"))
    return f"{(hour - 1) % 12 + 1}:{minute:02d} {'am' if hour < 12 else 'pm'}"


def meeting_record(meeting: dict[str, Any], place: dict[str, Any] | None, index: int) -> dict[str, Any]:
    """A meeting as the TSML plugin (or, every fourth one, the aasepia-style producer) writes it."""
    slug = meeting.get("slug") or f"{slugify(meeting['name'])}-{TSML_DAYS[meeting['day']][:3]}"
    variant = index % 4 == 1
    record: dict[str, Any] = {"id": 7000 + index * 3, "name": meeting["name"], "slug": slug}
    if meeting.get("notes"):
        record["notes"] = meeting["notes"]
    record.update(updated=f"{PUBLISHED - dt.timedelta(days=index * 5):%Y-%m-%d %H:%M:%S}",
                  url=f"{BASE}meetings/{slug}/",
                  day=str(meeting["day"]) if variant else meeting["day"], time=meeting["time"])
    if meeting.get("end") and index % 7 != 3:
        record["end_time"] = meeting["end"]
    record["time_formatted"] = meeting_time(meeting["time"])
    attendance = meeting.get("attendance", "in_person")
    record["attendance_option"] = attendance
    if attendance in ("online", "hybrid"):
        record["conference_url"] = f"https://meet.example/aa-{slug[:24]}"
    record["types"] = meeting["types"]
    if place:
        record.update(location=place["location"], location_url=f"{BASE}locations/{slugify(place['location'])}/",
                      formatted_address=f"{place['address']}, {place['postal_code']} {place['city']}, {place['country_name']}")
        if index % 2 == 0:
            record.update(address=place["address"], city=place["city"], postal_code=place["postal_code"],
                          country=place["country"])
        as_text = variant or index % 3 == 2
        record.update(latitude=str(place["lat"]) if as_text else place["lat"],
                      longitude=str(place["lng"]) if as_text else place["lng"])
    else:
        record.update(location="En ligne / Online", formatted_address="", latitude="", longitude="")
    if variant:
        record["regions"] = [place["region"]] if place else ["Online"]
    else:
        record.update(region=place["region"] if place else "Online", district=meeting.get("district", "District 1"))
    record["group"] = meeting.get("group_name", meeting["name"] if index % 3 else "")
    return record


def render_meeting_guide(site: dict[str, Any], content: dict[str, Any], out: Path) -> list[TruthRow]:
    places = content["locations"]
    records, rows = [], []
    for index, meeting in enumerate(content["meetings"]):
        place = places.get(meeting.get("at")) if meeting.get("at") else None
        record = meeting_record(meeting, place, index)
        records.append(record)
        pub = {"format": meeting.get("format", "support_group"), "group": meeting.get("group", record["slug"]),
               "lang": meeting.get("lang"), "start": meeting["time"], "full_name": meeting.get("full_name"),
               "venue": {"postcode": place["postal_code"], "country": place["country"]} if place else None}
        weekday = (meeting["day"] + 6) % 7
        row = truth_row(site, pub, url_path=f"/meetings/{record['slug']}/", external_id=record["slug"],
                        title=meeting["name"], start=REFERENCE, inactive=record["attendance_option"] == "inactive")
        row.weekday = weekday
        rows.append(row)
    target = out / "wp-admin"
    target.mkdir(parents=True, exist_ok=True)
    (target / "admin-ajax.php@action=meetings").write_text(wp_json(records), encoding="utf-8")
    return rows


# --- schema.org JSON-LD --------------------------------------------------------------------------

SCHEMA_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
               "SA": "Saturday", "SU": "Sunday"}


def iso_local(moment: dt.datetime, zone: str) -> str:
    return moment.replace(tzinfo=ZoneInfo(zone)).isoformat()


def schedule_node(pub: dict[str, Any], zone: str, first: dt.datetime) -> dict[str, Any]:
    """schema.org Schedule of a weekly or monthly rule (byMonthWeek for "every first Tuesday")."""
    rule = icalendar.vRecur.from_ical(pub["rrule"])
    interval = int(rule.get("INTERVAL", [1])[0])
    unit = {"WEEKLY": "W", "MONTHLY": "M", "DAILY": "D"}[rule["FREQ"][0]]
    days = [icalendar.vWeekday(d) for d in rule.get("BYDAY", [])]
    node: dict[str, Any] = {"@type": "Schedule", "repeatFrequency": f"P{interval}{unit}",
                            "byDay": [f"https://schema.org/{SCHEMA_DAYS[d.weekday]}" for d in days],
                            "startDate": f"{first:%Y-%m-%d}", "startTime": pub.get("start"),
                            "scheduleTimezone": zone}
    if len(node["byDay"]) == 1:
        node["byDay"] = node["byDay"][0]
    if days and days[0].relative:
        node["byMonthWeek"] = days[0].relative
    if pub.get("end"):
        node["endTime"] = pub["end"]
    if "COUNT" in rule:
        node["repeatCount"] = int(rule["COUNT"][0])
    else:
        node["endDate"] = f"{LAST_DAY:%Y-%m-%d}"
    return node


def place_node(pub: dict[str, Any], site: dict[str, Any]) -> dict[str, Any]:
    venue = pub.get("venue")
    if not venue:
        return {"@type": "VirtualLocation", "url": pub.get("online", f"{BASE}en-ligne/")}
    address = {"@type": "PostalAddress", "streetAddress": venue.get("street"), "postalCode": str(venue["postcode"]),
               "addressLocality": venue["city"], "addressCountry": venue.get("country") or site["country"]}
    return {"@type": "Place", "name": venue["name"], "address": {k: v for k, v in address.items() if v}}


def organization_node(site: dict[str, Any]) -> dict[str, Any]:
    org = site["org"]
    return {"@context": "https://schema.org", "@type": ["Organization", "NGO"], "@id": f"{BASE}#organization",
            "name": org["name"], "url": BASE, "email": org.get("email"), "telephone": org.get("phone"),
            "address": site.get("address")}


def event_node(pub: dict[str, Any], site: dict[str, Any], path: str) -> dict[str, Any]:
    zone = site["timezone"]
    starts = session_starts(pub)
    first = starts[0]
    node: dict[str, Any] = {"@context": "https://schema.org", "@type": "EventSeries" if recurring(pub) else "Event",
                            "@id": f"{BASE}{path.lstrip('/')}#event", "name": pub["title"],
                            "description": plain(pub.get("description")), "url": f"{BASE}{path.lstrip('/')}",
                            "inLanguage": pub.get("lang", site["lang"])}
    status = {"cancelled": "EventCancelled", "postponed": "EventPostponed"}.get(pub.get("status"), "EventScheduled")
    node["eventStatus"] = f"https://schema.org/{status}"
    online, venue = pub.get("online"), pub.get("venue")
    mode = "Mixed" if online and venue else "Online" if online else "Offline"
    node["eventAttendanceMode"] = f"https://schema.org/{mode}EventAttendanceMode"
    if recurring(pub):
        node["startDate"] = iso_local(first, zone)
        node["eventSchedule"] = schedule_node(pub, zone, first)
    else:
        node["startDate"] = iso_local(first, zone)
        node["endDate"] = iso_local(session_end(pub, first), zone)
    locations = [place_node(pub, site)] + ([{"@type": "VirtualLocation", "url": online}] if online and venue else [])
    node["location"] = locations[0] if len(locations) == 1 else locations
    price = pub.get("price_value")
    if price is not None:
        node["offers"] = {"@type": "Offer", "price": str(price), "priceCurrency": "EUR", "url": node["url"]}
        node["isAccessibleForFree"] = str(price) == "0"
    org = pub.get("organizer")
    if org:
        node["organizer"] = {"@type": "Organization", "name": org["name"], "email": org.get("email"),
                             "telephone": org.get("phone")}
    if pub.get("performer"):
        node["performer"] = {"@type": "Person", "name": pub["performer"]}
    if pub.get("categories"):
        node["keywords"] = ", ".join(pub["categories"])
    return {k: v for k, v in node.items() if v is not None}


def ld_script(payload: Any) -> str:
    return f'<script type="application/ld+json">\n{json.dumps(payload, ensure_ascii=False, indent=2)}\n</script>'


def page_html(site: dict[str, Any], title: str, body: str, head: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{site["lang"]}">\n<head>\n<meta charset="{charset}">\n'
            f"<title>{html.escape(title)} | {html.escape(site['org']['name'])}</title>\n{head}</head>\n<body>\n"
            f'<header><a href="/">{html.escape(site["org"]["name"])}</a></header>\n<main>\n{body}\n</main>\n'
            f"<footer><p>{html.escape(site['org']['name'])} – {html.escape(contact_line({}, site))}</p></footer>\n"
            "</body>\n</html>\n")


def visible_event(pub: dict[str, Any]) -> str:
    """What a visitor reads on an event page (the structured data says the same for machines)."""
    venue = pub.get("venue") or {}
    lines = [f"<h1>{html.escape(pub['title'])}</h1>"]
    lines += [f"<p>{p}</p>" for p in paragraphs(pub.get("description"))]
    if pub.get("schedule"):
        lines.append(f'<p class="when">{html.escape(pub["schedule"])}</p>')
    if venue:
        lines.append(f'<p class="where">{html.escape(venue["name"])}, {html.escape(venue.get("street", ""))}, '
                     f'{venue["postcode"]} {html.escape(venue["city"])}</p>')
    if pub.get("price"):
        lines.append(f'<p class="price">{html.escape(pub["price"])}</p>')
    return "\n".join(lines)


def jsonld_page(pub: dict[str, Any], site: dict[str, Any], path: str) -> str:
    """An event page: Organization block then the event; `graph` pages put both in one @graph,
    `malformed` pages carry a truncated extra block next to the valid one."""
    org, event = organization_node(site), event_node(pub, site, path)
    if pub.get("graph"):
        graph = [{k: v for k, v in n.items() if k != "@context"} for n in (org, event)]
        graph[1]["organizer"] = {"@id": f"{BASE}#organization"}
        blocks = [ld_script({"@context": "https://schema.org", "@graph": graph})]
    else:
        blocks = [ld_script(org), ld_script(event)]
    if pub.get("malformed"):
        broken = json.dumps({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": BASE}]}, indent=2)
        blocks.insert(1, f'<script type="application/ld+json">\n{broken[: len(broken) // 2]}\n</script>')
    return page_html(site, pub["title"], visible_event(pub), head="\n".join(blocks) + "\n")


def jsonld_rows(site: dict[str, Any], pub: dict[str, Any], path: str) -> TruthRow:
    return truth_row(site, pub, url_path=path, external_id=f"{path}#event", title=pub["title"])


def render_sitemap_site(site: dict[str, Any], pubs: list[dict[str, Any]], out: Path) -> list[TruthRow]:
    """rouwzorg-style: event pages and plain pages, all announced in /sitemap.xml."""
    rows, paths = [], []
    for pub in pubs:
        path = f"/{pub.get('section', 'rouwgroepen')}/{pub.get('path') or slugify(pub['title'])}/"
        write(out, path, jsonld_page(pub, site, path))
        paths.append(path)
        rows.append(jsonld_rows(site, pub, path))
    for extra in site.get("pages", []):
        head = ld_script(organization_node(site)) + "\n" if extra.get("organization") else ""
        write(out, extra["path"], page_html(site, extra["title"], f"<h1>{extra['title']}</h1>\n<p>{extra['text']}</p>", head))
        paths.append(extra["path"])
    urls = "\n".join(f"  <url>\n    <loc>{BASE}{p.lstrip('/')}</loc>\n    <lastmod>{PUBLISHED:%Y-%m-%d}</lastmod>\n  </url>"
                     for p in sorted(paths))
    write(out, "/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
          f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n')
    return rows


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i: i + size] for i in range(0, len(items), size)] or [[]]


def page_path(prefix: str, number: int) -> str:
    return prefix if number == 1 else f"{prefix}page/{number}/"


def render_listing_jsonld_site(site: dict[str, Any], pubs: list[dict[str, Any]], out: Path) -> list[TruthRow]:
    """sante-mentale-lux-style: /groupes/ lists detail links (a.group-link), paginated by rel=next."""
    rows = []
    pages = chunks(pubs, site["page_size"])
    for number, page in enumerate(pages, start=1):
        cards = []
        for pub in page:
            path = f"/groupes/{pub.get('path') or slugify(pub['title'])}/"
            write(out, path, jsonld_page(pub, site, path))
            rows.append(jsonld_rows(site, pub, path))
            summary = html.escape(plain(pub.get("description")).split("\n")[0][:140])
            cards.append(f'<div class="card">\n<h2><a class="group-link" href="{path}">{html.escape(pub["title"])}</a></h2>\n'
                         f"<p>{summary}…</p>\n</div>")
        nav = [f'<a rel="prev" href="{page_path("/groupes/", number - 1)}">Précédent</a>'] if number > 1 else []
        if number < len(pages):
            nav.append(f'<a rel="next" href="{page_path("/groupes/", number + 1)}">Suivant</a>')
        body = "<h1>Groupes et ateliers</h1>\n" + "\n".join(cards) + f'\n<nav class="pagination">{" ".join(nav)}</nav>'
        write(out, page_path("/groupes/", number), page_html(site, "Groupes et ateliers", body))
    return rows


# --- iCalendar -----------------------------------------------------------------------------------

PARIS = ZoneInfo("Europe/Paris")
WINDOWS_TZID = "Romance Standard Time"


def paris_timezones() -> list[icalendar.Timezone]:
    paris = icalendar.Timezone.from_tzid("Europe/Paris", first_date=dt.date(2026, 1, 1), last_date=dt.date(2028, 1, 1))
    windows = icalendar.Timezone.from_ical(paris.to_ical().decode("utf-8").replace("TZID:Europe/Paris", f"TZID:{WINDOWS_TZID}"))
    return [paris, windows]


def ical_time(event: icalendar.Event, name: str, moment: dt.datetime, pub: dict[str, Any]) -> None:
    if pub.get("windows_tz"):
        event.add(name, moment, parameters={"TZID": WINDOWS_TZID})
    elif pub.get("all_day"):
        event.add(name, moment.date())
    else:
        event.add(name, moment.replace(tzinfo=PARIS))


def vevent(pub: dict[str, Any], site: dict[str, Any], uid: str, start: dt.datetime) -> icalendar.Event:
    """The master VEVENT of a series or single event."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    event.add("summary", pub["title"])
    description = plain(pub.get("description"))
    if pub.get("schedule"):
        description += f"\n\nQuand : {pub['schedule']}"
    if pub.get("price"):
        description += f"\nTarif : {pub['price']}"
    event.add("description", description)
    venue = pub.get("venue")
    if venue:
        event.add("location", f"{venue['name']}, {venue.get('street', '')}, {venue['postcode']} {venue['city']}".replace(", ,", ","))
    elif pub.get("online"):
        event.add("location", "En ligne (visio)")
    ical_time(event, "dtstart", start, pub)
    end = session_end(pub, start)
    ical_time(event, "dtend", end + dt.timedelta(days=1) if pub.get("all_day") else end, pub)
    if recurring(pub):
        event.add("rrule", icalendar.vRecur.from_ical(pub["rrule"]))
    if pub.get("exdate"):
        ical_time(event, "exdate", upcoming_starts(pub)[pub["exdate"] - 1], pub)
    if pub.get("status") == "cancelled":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    event.add("url", f"{BASE}{site['event_prefix']}{slugify(pub['title'])}/")
    org = pub.get("organizer") or site["org"]
    event.add("organizer", f"mailto:{org['email']}", parameters={"CN": org["name"]})
    if pub.get("categories"):
        event.add("categories", pub["categories"])
    if pub.get("online"):
        event.add("x-google-conference", pub["online"])
    return event


def override(pub: dict[str, Any], uid: str, original: dt.datetime, start: dt.datetime, *, cancelled: bool) -> icalendar.Event:
    """A moved (new DTSTART) or cancelled session: same UID, RECURRENCE-ID of the original start."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC))
    event.add("recurrence-id", original.replace(tzinfo=PARIS))
    event.add("summary", pub["title"] + (" (annulé)" if cancelled else " (déplacé)"))
    event.add("dtstart", start.replace(tzinfo=PARIS))
    event.add("dtend", session_end(pub, start).replace(tzinfo=PARIS))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", 1)
    return event


def render_ical(site: dict[str, Any], pubs: list[dict[str, Any]], out: Path) -> list[TruthRow]:
    calendar = icalendar.Calendar()
    calendar.add("prodid", site["prodid"])
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", site["calname"])
    calendar.add("x-wr-timezone", "Europe/Paris")
    for zone in paris_timezones():
        calendar.add_component(zone)
    rows = []
    for index, pub in enumerate(pubs):
        uid = f"{slugify(pub['title'])[:40]}-{index + 1:03d}@{site['host']}"
        starts = upcoming_starts(pub)
        calendar.add_component(vevent(pub, site, uid, session_starts(pub)[0]))
        for n in [pub["cancel"]] if isinstance(pub.get("cancel"), int) else []:
            calendar.add_component(override(pub, uid, starts[n - 1], starts[n - 1], cancelled=True))
        if pub.get("moved"):
            n, new_time = pub["moved"]["n"], clock(pub["moved"]["start"])
            original = starts[n - 1]
            moved = dt.datetime.combine(original.date() + dt.timedelta(days=pub["moved"].get("days", 0)), new_time)
            calendar.add_component(override(pub, uid, original, moved, cancelled=False))
        rows.append(truth_row(site, pub, url_path=f"/{site['event_prefix']}{slugify(pub['title'])}/",
                              external_id=uid, title=pub["title"]))
    write_bytes(out, site["feed"], calendar.to_ical())
    return rows


# --- plain HTML ----------------------------------------------------------------------------------


def field_html(css: str, value: str | None, tag: str = "p") -> str:
    return f'<{tag} class="{css}">{value}</{tag}>' if value else ""


def cercle_block(pub: dict[str, Any], path: str) -> str:
    venue = pub.get("venue")
    place = f"{venue['name']}<br>{venue.get('street', '')}, {venue['postcode']} {venue['city']}" if venue else pub.get("place")
    return "\n".join(x for x in (
        '<article class="groupe">', f'<h2><a href="{path}">{html.escape(pub["title"])}</a></h2>',
        field_html("horaire", html.escape(pub.get("schedule", "")) if pub.get("schedule") else None),
        field_html("lieu", place), field_html("tarif", html.escape(pub["price"]) if pub.get("price") else None),
        "</article>") if x)


def cercle_detail(pub: dict[str, Any], site: dict[str, Any]) -> str:
    body = "\n".join(x for x in (
        f"<h1>{html.escape(pub['title'])}</h1>",
        '<div class="description">' + "".join(f"<p>{p}</p>" for p in paragraphs(pub.get("description"))) + "</div>",
        field_html("animation", html.escape(pub["facilitator"]) if pub.get("facilitator") else None),
        field_html("organisateur", html.escape((pub.get("organizer") or site["org"])["name"])),
        field_html("contact", html.escape(contact_line(pub, site)).replace(" – ", "&nbsp;&ndash; ")),
        '<p><a href="/groupes/">&larr; Tous les groupes</a></p>') if x)
    return body


def zelfhulp_block(pub: dict[str, Any], path: str, site: dict[str, Any]) -> str:
    venue = pub.get("venue")
    place = f"{venue['name']}, {venue.get('street', '')}, {venue['postcode']} {venue['city']}" if venue else pub.get("place")
    description = paragraphs(pub.get("description"))
    return "\n".join(x for x in (
        '<li class="groep">', f'<h3 class="naam">{html.escape(pub["title"])}</h3>',
        field_html("wanneer", html.escape(pub.get("schedule", "")) if pub.get("schedule") else None, "span"),
        field_html("waar", html.escape(place) if place else None, "span"),
        field_html("omschrijving", description[0] if description else None, "div"),
        field_html("prijs", html.escape(pub["price"]) if pub.get("price") else None, "span"),
        field_html("contact", html.escape(contact_line(pub, site)) if not pub.get("no_contact") else None, "span"),
        f'<a class="meer" href="{path}">meer&nbsp;&raquo;</a>', "</li>") if x)


def render_html_site(site: dict[str, Any], pubs: list[dict[str, Any]], out: Path) -> list[TruthRow]:
    """Listing pages of blocks with pagination, and one detail page per block (plain HTML, no
    structured data); listings marked `robots` go to the disallowed folder instead."""
    style = site["style"]
    public = [p for p in pubs if not p.get("robots")]
    hidden = [p for p in pubs if p.get("robots")]
    pages = chunks(public, site["page_size"])
    rules = site.get("rules", {})
    rows = []
    unreachable = False  # a listing page answering 500 hides its listings and every later page
    for number, page in enumerate(pages, start=1):
        listing_path = page_path(site["listing"], number)
        rule = rules.get(listing_path, {})
        unreachable = unreachable or int(rule.get("status", 200)) >= 500
        blocks = []
        for pub in page:
            path = f"{site['listing']}{pub.get('path') or slugify(pub['title'])}/"
            if pub.get("twice_path"):
                path = f"{site['listing']}{pub['twice_path']}/"
            blocks.append(cercle_block(pub, path) if style == "cercle" else zelfhulp_block(pub, path, site))
            detail = cercle_detail(pub, site) if style == "cercle" else visible_event(pub)
            write(out, path, page_html(site, pub["title"], detail))
            rows.append(truth_row(site, pub, url_path=path, external_id=path, title=pub["title"],
                                  http_500=unreachable))
        nxt = ""
        if number < len(pages):
            css, label = ("suivant", "Page suivante &rsaquo;") if style == "cercle" else ("volgende", "Volgende &raquo;")
            nxt = f'<p class="pagination"><a class="{css}" href="{page_path(site["listing"], number + 1)}">{label}</a></p>'
        elif hidden:  # the members' agenda follows the last public page: robots.txt forbids it
            nxt = (f'<p class="pagination"><a class="volgende" href="{site["hidden"]}">Besloten groepen '
                   "(enkel voor leden) &raquo;</a></p>")
        wrapper = ("\n".join(blocks) if style == "cercle" else '<ul class="groepen">\n' + "\n".join(blocks) + "\n</ul>")
        body = f"<h1>{html.escape(site['listing_title'])}</h1>\n{wrapper}\n{nxt}"
        charset = rule.get("charset", "utf-8")
        text = page_html(site, site["listing_title"], body, charset=charset)
        if rule.get("entities"):
            text = with_entities(text)
        write_bytes(out, listing_path, text.encode(charset, "xmlcharrefreplace"))
    if hidden:
        blocks = [zelfhulp_block(p, f"{site['hidden']}{slugify(p['title'])}/", site) for p in hidden]
        for pub in hidden:
            path = f"{site['hidden']}{slugify(pub['title'])}/"
            write(out, path, page_html(site, pub["title"], visible_event(pub)))
            rows.append(truth_row(site, pub, url_path=path, external_id=path, title=pub["title"]))
        write(out, site["hidden"], page_html(site, "Intern", '<ul class="groepen">\n' + "\n".join(blocks) + "\n</ul>"))
    return rows


# --- files ---------------------------------------------------------------------------------------


def target_file(out: Path, url_path: str) -> Path:
    rel = url_path.lstrip("/")
    return out / rel / "index.html" if url_path.endswith("/") else out / rel


def write(out: Path, url_path: str, text: str) -> None:
    write_bytes(out, url_path, text.encode("utf-8"))


def write_bytes(out: Path, url_path: str, data: bytes) -> None:
    path = target_file(out, url_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


RENDERERS = {
    "tec": render_tec,
    "ical": render_ical,
    "jsonld-sitemap": render_sitemap_site,
    "jsonld-listing": render_listing_jsonld_site,
    "html": render_html_site,
}


def site_files(site: dict[str, Any], out: Path) -> None:
    """What every site has besides its listings: robots.txt, a home page, its `_site.yaml`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "robots.txt").write_text(site.get("robots", "User-agent: *\nAllow: /\n"), encoding="utf-8")
    if not (out / "index.html").exists():
        write(out, "/", page_html(site, site["org"]["name"], f"<h1>{html.escape(site['org']['name'])}</h1>\n"
                                  f"<p>{html.escape(site.get('tagline', ''))}</p>"))
    rules: dict[str, Any] = {}
    if site.get("status"):
        rules["status"] = site["status"]
    paths = {p: {k: v for k, v in r.items() if k in ("status", "charset", "delay")} for p, r in site.get("rules", {}).items()}
    if paths:
        rules["paths"] = {p: r for p, r in paths.items() if r}
    if rules:
        (out / SITE_FILE).write_text(yaml.safe_dump(rules, sort_keys=True), encoding="utf-8")


def render_site(site: dict[str, Any], content: Path, groups: list[dict[str, Any]], out: Path) -> list[TruthRow]:
    if site["render"] == "meeting_guide":
        rows = render_meeting_guide(site, load_yaml(content / "meetings.yaml"), out)
    else:
        rows = RENDERERS[site["render"]](site, publications(groups, site["slug"]), out)
    site_files(site, out)
    failing = {path for path, rule in (site.get("rules") or {}).items() if int(rule.get("status", 200)) >= 500}
    for row in rows:
        if site.get("status") or row.url_path in failing:
            row.flags["http_500"] = True
    return rows


def generate(content: Path = CONTENT_DIR, out_dir: Path = DEMO_DIR) -> list[TruthRow]:
    """Render every site into `out_dir/sites/` (replaced whole) and write `out_dir/truth.jsonl`."""
    sites_dir = out_dir / "sites"
    if sites_dir.exists():
        shutil.rmtree(sites_dir)
    groups = all_groups(content)
    rows: list[TruthRow] = []
    for site in load_yaml(content / "sites.yaml"):
        rows += render_site(site, content, groups, sites_dir / site["slug"])
    (out_dir / "truth.jsonl").write_text("".join(r.line() + "\n" for r in rows), encoding="utf-8")
    return rows


def main(argv: Iterator[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="folder that receives sites/ and truth.jsonl")
    args = parser.parse_args(list(argv) if argv is not None else None)
    rows = generate(out_dir=args.out)
    print(f"{len(rows)} listings on {len({r.site for r in rows})} sites -> {args.out}")


if __name__ == "__main__":
    main()
