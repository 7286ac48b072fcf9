"""The `jsonld` adapter: schema.org mapping on frozen pages (fast), discovery through real crawls."""

from __future__ import annotations

import datetime as dt
import json
from itertools import islice
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from spiders.adapters.jsonld import Spider, merged_rule, rrule_parts, rrule_text, sitemap_of
from spiders.base import QuarantineItem
from spiders.items import RawListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "jsonld"
SAMPLE = Path("/work/shared/samples/schemaorg_jsonld_eventseries_weekly_online_free.html")
BASE = "https://rouwpunt-gent.example/"


def make_spider(options: dict | None = None) -> Spider:
    crawler = get_crawler(Spider, {})
    return crawler._create_spider(url=BASE, options=json.dumps(options) if options else None)


def page(body: str | bytes, url: str = BASE + "groepen/pagina.html") -> HtmlResponse:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return HtmlResponse(url=url, body=data.replace(b"{{BASE_URL}}", BASE.encode()))


def fixture_page(site: str, path: str) -> HtmlResponse:
    return page((FIXTURES / site / path).read_bytes(), url=BASE + path)


def scripts(*blocks: str) -> str:
    tags = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return f"<html><head>{tags}</head><body></body></html>"


def parsed(spider: Spider, response: Response) -> tuple[list[RawListingItem], list[QuarantineItem]]:
    out = list(spider.parse_event_page(response))
    return [o for o in out if isinstance(o, RawListingItem)], [o for o in out if isinstance(o, QuarantineItem)]


# --- eventSchedule -> RRULE ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "rule"),
    [
        ({"repeatFrequency": "P1W", "byDay": "https://schema.org/Tuesday"}, "FREQ=WEEKLY;BYDAY=TU"),
        ({"repeatFrequency": "P2W", "byDay": ["http://schema.org/Monday", "Thursday"]}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"),
        ({"repeatFrequency": "P1M", "byDay": "schema:Thursday", "byMonthWeek": [1, 3]}, "FREQ=MONTHLY;BYDAY=1TH,3TH"),
        ({"repeatFrequency": "P1M", "byDay": "Friday", "byMonthWeek": -1}, "FREQ=MONTHLY;BYDAY=-1FR"),
        ({"repeatFrequency": "P1M", "byMonthDay": 15}, "FREQ=MONTHLY;BYMONTHDAY=15"),
        ({"repeatFrequency": "weekly", "byDay": "Friday", "endDate": "2026-12-18"}, "FREQ=WEEKLY;UNTIL=20261218T235959;BYDAY=FR"),
        ({"repeatFrequency": "P1W", "byDay": "MO", "repeatCount": 8}, "FREQ=WEEKLY;COUNT=8;BYDAY=MO"),
        ({"repeatFrequency": "P1M", "byDay": "2WE"}, "FREQ=MONTHLY;BYDAY=2WE"),
        ({"repeatFrequency": "P1D"}, "FREQ=DAILY"),
        ({"repeatFrequency": "P1Y", "byMonth": 7, "byMonthDay": 1}, "FREQ=YEARLY;BYMONTHDAY=1;BYMONTH=7"),
        ({"byDay": "Tuesday"}, None),
        ({"repeatFrequency": "PT1H"}, None),
        ({"repeatFrequency": "P0W", "byDay": "Tuesday"}, None),
        ({"repeatFrequency": "P1W", "byDay": "Blursday"}, "FREQ=WEEKLY"),
    ],
)
def test_schedule_becomes_an_rrule_dateutil_accepts(schedule, rule):
    text = rrule_text(rrule_parts({"@type": "Schedule", **schedule}))
    assert text == rule
    if text:
        rrulestr("RRULE:" + text, dtstart=dt.datetime(2026, 9, 1, 19, 0))


@pytest.mark.parametrize(
    ("schedule", "dtstart", "expected"),
    [
        ({"repeatFrequency": "P1M", "byDay": "Thursday", "byMonthWeek": 1}, dt.datetime(2026, 9, 3, 14),
         [dt.datetime(2026, 9, 3, 14), dt.datetime(2026, 10, 1, 14), dt.datetime(2026, 11, 5, 14)]),
        ({"repeatFrequency": "P2W", "byDay": "Wednesday", "endDate": "2026-09-16"}, dt.datetime(2026, 9, 2, 18, 30),
         [dt.datetime(2026, 9, 2, 18, 30), dt.datetime(2026, 9, 16, 18, 30)]),
    ],
)
def test_rrule_yields_the_sessions_the_schedule_means(schedule, dtstart, expected):
    """A date-only endDate keeps that day's own session (UNTIL is the day's last second)."""
    rule = rrulestr("RRULE:" + rrule_text(rrule_parts(schedule)), dtstart=dtstart)
    assert list(islice(rule, 3)) == expected


@pytest.mark.parametrize(
    ("rules", "clocks", "byday"),
    [
        ([{"FREQ": "WEEKLY", "BYDAY": ["TU"]}, {"FREQ": "WEEKLY", "BYDAY": ["TH"]}], {"12:00"}, ["TU", "TH"]),
        ([{"FREQ": "WEEKLY", "BYDAY": ["TU"]}, {"FREQ": "WEEKLY", "BYDAY": ["TH"]}], {"12:00", "18:00"}, ["TU"]),
        ([{"FREQ": "WEEKLY", "BYDAY": ["TU"]}, {"FREQ": "MONTHLY", "BYDAY": ["1TH"]}], {"12:00"}, ["TU"]),
    ],
)
def test_sessions_merge_into_one_rule_only_when_they_differ_by_weekday_alone(rules, clocks, byday):
    assert merged_rule(rules, clocks)["BYDAY"] == byday


# --- pages -> listings ---------------------------------------------------------------------------


def test_real_eventseries_sample_is_one_weekly_online_free_listing():
    listings, quarantined = parsed(make_spider(), page(SAMPLE.read_bytes(), url="https://www.soberfounders.org/"))
    assert quarantined == []
    assert len(listings) == 1, "the two weekly sessions belong to the series, not separate listings"
    series = listings[0]
    assert series["title"] == "Sober Founders Weekly Mastermind Sessions"
    assert series["rrule"] == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert series["start"] == "2026-03-17T12:00:00-05:00"
    assert series["timezone"] == "America/New_York"
    assert series["occurrences"] == "2026-03-17T12:00:00-05:00;2026-03-19T12:00:00-05:00"
    assert series["attendance_mode"] == "OnlineEventAttendanceMode"
    assert series["online_url"] == "https://www.soberfounders.org/"
    assert series["price_text"].split(";") == ["free", "0 USD"]
    assert series["organizer"] == "Sober Founders Inc."
    assert series["external_id"] == "https://www.soberfounders.org/#event-series-weekly-sessions"
    assert json.loads(series["raw"])["event"]["@type"] == "EventSeries"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("groepen/praatgroep-verlies.html", {
            "title": "Praatgroep na het verlies van een partner", "start": "2026-10-06T19:30:00+02:00",
            "end": "2026-10-06T21:30:00+02:00", "organizer": "Rouwpunt Gent vzw", "email": "groepen@rouwpunt-gent.example",
            "phone": "+32 9 555 01 23", "website": BASE, "location_text": "Ontmoetingscentrum De Linde",
            "street": "Lindenstraat 12", "postcode": "9000", "city": "Gent", "country": "BE", "latitude": "51.0501",
            "longitude": "3.7303", "price_text": "5 EUR", "language": "nl-BE", "categories": "rouw;verlies;partner",
            "attendance_mode": "OfflineEventAttendanceMode", "event_status": "EventScheduled",
            "facilitator_text": "Een rouwbegeleider van het team",
            "description": "<p>Zes avonden om je verhaal te delen met lotgenoten.</p>",
            "external_id": BASE + "groepen/praatgroep-verlies.html#event",
            "listing_url": BASE + "groepen/praatgroep-verlies.html",
        }),
        ("groepen/graph.html", {
            "title": "Lotgenotengroep voor ouders na het verlies van een kind", "organizer": "Rouwpunt Gent vzw",
            "email": "ouders@rouwpunt-gent.example", "phone": "+32 9 555 01 45",
            "location_text": "Zaal Kouter, Kouterstraat 3, 9000 Gent", "start": "2026-11-14",
            "description": None, "price_text": None, "street": None,
        }),
        ("groepen/rouwcafe.html", {
            "title": "Rouwcafé Gent", "rrule": "FREQ=MONTHLY;UNTIL=20270630T235959;BYDAY=1TH",
            "start": "2026-09-03T14:00:00", "end": "2026-09-03T16:00:00", "timezone": "Europe/Brussels",
            "occurrences": "2026-09-03T14:00:00+02:00;2026-10-01T14:00:00+02:00;2026-11-05T14:00:00+01:00",
            "country": "BE", "price_text": "free",
        }),
        ("groepen/online-geannuleerd.html", {
            "event_status": "EventCancelled", "attendance_mode": "OnlineEventAttendanceMode",
            "online_url": "https://meet.rouwpunt-gent.example/jongeren", "location_text": None,
            "external_id": "rouw-online-2026",
        }),
    ],
)
def test_event_page_maps_to_raw_fields(path, expected):
    listings, quarantined = parsed(make_spider(), fixture_page("rouwpunt-gent", path))
    assert quarantined == []
    assert len(listings) == 1
    assert {k: listings[0][k] for k in expected} == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("groupes/anxiete.html", {
            "rrule": "FREQ=WEEKLY;UNTIL=20261216T235959;INTERVAL=2;BYDAY=WE", "start": "2026-09-02T18:30",
            "end": "2026-09-02T20:00", "timezone": "Europe/Luxembourg", "exdates": "2026-11-11", "language": "fr;de",
            "organizer": "Ligue de santé mentale du Grand-Duché (fictive)", "price_text": "10 EUR",
            "categories": "anxiété;gestion du stress", "country": "LU", "postcode": "L-1234",
        }),
        ("groupes/proches.html", {
            "title": "Groupe de parole pour les proches de personnes en souffrance psychique",
            "attendance_mode": "MixedEventAttendanceMode", "online_url": "https://visio.sante-groupes-lux.example/proches",
            "city": "Esch-sur-Alzette", "rrule": "FREQ=MONTHLY;BYDAY=1MO", "start": "2026-09-07T19:00:00+02:00",
            "occurrences": "2026-09-07T19:00:00+02:00;2026-10-05T19:00:00+02:00", "price_text": "0 EUR",
        }),
        ("groupes/microdata.html", {
            "title": "Café des aidants de Differdange", "start": "2026-09-19T10:00:00+02:00",
            "location_text": "Brasserie du Parc", "postcode": "L-4500", "city": "Differdange",
        }),
    ],
)
def test_schedules_series_by_reference_and_microdata(path, expected):
    listings, _ = parsed(make_spider(), fixture_page("sante-groupes-lux", path))
    assert len(listings) == 1, "sessions linked by subEvent or superEvent are not listings of their own"
    assert {k: listings[0][k] for k in expected} == expected


def test_rdfa_event_is_read():
    body = ('<html><body><div vocab="https://schema.org/" typeof="Event" resource="#ev">'
            '<span property="name">Groupe d\'entraide TDAH adultes</span>'
            '<meta property="startDate" content="2026-10-03T10:00:00+02:00">'
            '<div property="location" typeof="Place"><span property="name">Salle du Cèdre</span></div></div></body></html>')
    listings, _ = parsed(make_spider(), page(body))
    assert [(x["title"], x["start"], x["location_text"]) for x in listings] == [
        ("Groupe d'entraide TDAH adultes", "2026-10-03T10:00:00+02:00", "Salle du Cèdre")]


def test_malformed_block_is_quarantined_and_the_valid_one_still_lands():
    spider = make_spider()
    listings, quarantined = parsed(spider, fixture_page("rouwpunt-gent", "groepen/kapot.html"))
    assert [x["title"] for x in listings] == ["Wandelgroep rond verlies"]
    assert len(quarantined) == 1
    assert quarantined[0]["reason"].startswith("malformed JSON-LD block 1")
    assert "Half afgewerkte groep" in quarantined[0]["payload"]
    assert spider.crawler.stats.get_value("groupdir/quarantined") == 1


@pytest.mark.parametrize(
    "block",
    [
        '<!--\n{"@context": "https://schema.org", "@type": "Event", "name": "Praatcafé dementie"}\n-->',
        '//<![CDATA[\n{"@type": "Event", "name": "Praatcafé dementie"}\n//]]>',
        '{"@type": "Event", "name": "Praatcafé\ndementie"}',
        '{"@context": "https://schema.org", "@graph": [{"@type": "Organization", "name": "x"}, {"@type": ["Event"], "name": "Praatcafé dementie"}]}',
        '{"@type": "Organization", "name": "Alzheimer vzw", "event": {"@type": "Event", "name": "Praatcafé dementie"}}',
        '{"@type": "https://schema.org/Event", "name": {"@value": "Praatcafé dementie", "@language": "nl"}}',
    ],
)
def test_shapes_found_in_the_wild_yield_the_event(block):
    listings, quarantined = parsed(make_spider(), page(scripts(block)))
    assert quarantined == []
    assert [x["title"].replace("\n", " ") for x in listings] == ["Praatcafé dementie"]


def test_page_organization_stands_in_for_a_missing_organizer():
    org = '{"@type": "NGO", "name": "Similes Namur (fictive)", "email": "namur@similes.example", "url": "https://similes.example/"}'
    event = '{"@type": "Event", "name": "Groupe de parole pour les proches"}'
    listings, _ = parsed(make_spider(), page(scripts(org, event)))
    assert (listings[0]["organizer"], listings[0]["email"]) == ("Similes Namur (fictive)", "namur@similes.example")


def test_page_without_events_yields_nothing_and_is_counted():
    spider = make_spider()
    listings, quarantined = parsed(spider, page((FIXTURES / "rouwpunt-gent" / "over-ons.html").read_bytes()))
    assert listings == [] and quarantined == []
    assert spider.crawler.stats.get_value("groupdir/pages_without_events") == 1


@pytest.mark.parametrize(
    "block",
    [
        "[]", '"just text"', "42", "null", '{"@graph": null}', '{"@graph": [1, "a", null]}',
        '{"@type": "Event"}',
        '{"@type": "Event", "name": ["", {"@value": "Groupe"}], "location": 5, "offers": "free", "eventSchedule": "weekly",'
        ' "organizer": [null, 3, "Asbl X"], "inLanguage": {"@type": "Language"}, "keywords": [1, null], "superEvent": "x"}',
        '{"@type": "EventSeries", "name": "S", "subEvent": [null, 1, {"@id": "nowhere"}, {"@type": "Event", "startDate": 5}],'
        ' "eventSchedule": {"repeatFrequency": ["P1W"], "byDay": [null, {"@id": "https://schema.org/Monday"}], "byMonthWeek": "x"}}',
        '{"@type": "Event", "name": "G", "location": {"@type": "Place", "geo": "50.1,4.2", "address": ["a", {"streetAddress": 1}]}}',
    ],
)
def test_malformed_records_never_raise(block):
    out = list(make_spider().parse_event_page(page(scripts(block))))
    assert all(isinstance(o, RawListingItem | QuarantineItem) for o in out)
    assert all(o["title"] for o in out if isinstance(o, RawListingItem))


# --- discovery -----------------------------------------------------------------------------------


def test_listing_page_follows_only_http_detail_links_and_the_next_page():
    spider = make_spider({"detail_link": "a.group-link::attr(href)", "next_page": "a[rel=next]::attr(href)"})
    response = page((FIXTURES / "sante-groupes-lux" / "groupes" / "index.html").read_bytes(), url=BASE + "groupes/")
    requests = list(spider.parse(response))
    urls = [r.url for r in requests]
    assert urls == [BASE + "groupes/anxiete.html", BASE + "groupes/proches.html",
                    "https://partenaire-hors-site.example/groupe", BASE + "groupes/page-2.html"]
    assert [r.callback.__name__ for r in requests] == ["parse_event_page"] * 3 + ["parse"]


@pytest.mark.parametrize(
    ("path", "kind", "count"),
    [("sitemap.xml", "sitemapindex", 2), ("sitemaps/groepen.xml", "urlset", 7)],
)
def test_sitemap_is_recognised(path, kind, count):
    body = (FIXTURES / "rouwpunt-gent" / path).read_bytes().replace(b"{{BASE_URL}}", BASE.encode())
    sitemap = sitemap_of(XmlResponse(url=BASE + path, body=body))
    assert sitemap is not None and sitemap.type == kind
    assert len(list(sitemap)) == count
    assert sitemap_of(page(scripts('{"@type": "Event", "name": "x"}'))) is None


def test_a_page_answering_500_is_recorded_through_the_errback():
    spider = make_spider()
    request = Request(BASE + "groepen/kapot-server.html")
    failure = Failure(HttpError(Response(request.url, status=500, request=request)))
    failure.request = request
    records = list(spider.on_error(failure))
    assert [(r["stage"], r["reason"], r["url"]) for r in records] == [("fetch", "HTTP 500", request.url)]
    assert spider.crawler.stats.get_value("groupdir/failed_pages") == 1


# --- crawls (child processes) --------------------------------------------------------------------


def test_sitemap_crawl_lands_every_event_and_keeps_out_of_robots_disallowed_paths(serve_sites, run_adapter):
    base = serve_sites(FIXTURES)["rouwpunt-gent"]
    crawled = run_adapter("jsonld", base + "sitemap.xml")
    assert crawled.result.status == "ok"
    assert sorted(x["title"] for x in crawled.items) == [
        "Lotgenotengroep voor ouders na het verlies van een kind", "Online rouwgroep voor jongeren",
        "Praatgroep na het verlies van een partner", "Rouwcafé Gent", "Wandelgroep rond verlies",
    ]
    assert crawled.stats["robotstxt/forbidden"] == 1, "the /intern/ page behind robots.txt was not refused"
    assert crawled.stats["groupdir/pages_without_events"] == 1
    reasons = sorted(q["reason"].split(":")[0] for q in crawled.quarantine)
    assert reasons == ["HTTP 404", "malformed JSON-LD block 1"]
    assert crawled.stats["groupdir/robots_forbidden"] == 1


def test_listing_crawl_paginates_and_stays_on_site(serve_sites, run_adapter):
    base = serve_sites(FIXTURES)["sante-groupes-lux"]
    options = json.dumps({"detail_link": "a.group-link::attr(href)", "next_page": "a[rel=next]::attr(href)"})
    crawled = run_adapter("jsonld", base + "groupes/", options=options)
    assert crawled.result.status == "ok"
    assert len(crawled.items) == 3
    assert "Café des aidants de Differdange" in {x["title"] for x in crawled.items}, "page 2 was not followed"
    assert crawled.stats["offsite/filtered"] == 1
    assert "groupdir/refused_scheme" not in crawled.stats, "a javascript:/mailto: link became a request"
    assert crawled.quarantine == []
