"""The Events Calendar adapter: mapping on fake responses (fast), paging through a few crawls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from spiders.adapters.tec import Spider, event_fields
from spiders.base import QuarantineItem
from spiders.demo_web.server import DemoWeb
from spiders.items import RawListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "tec"
SAMPLES = Path("/work/shared/samples")
BASE = "https://entraide-test.example/"
API = BASE + "wp-json/tribe/events/v1/events"


def spider(**options) -> Spider:
    return Spider.from_crawler(get_crawler(Spider), url=API, options=json.dumps(options))


def response(url: str, body: str | bytes) -> TextResponse:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return TextResponse(url=url, body=data, encoding="utf-8", request=scrapy.Request(url))


def fixture_page(name: str) -> str:
    return (FIXTURES / "entraide-test" / "wp-json/tribe/events/v1" / name).read_text(encoding="utf-8").replace("{{BASE_URL}}", BASE)


def parsed(body: str | bytes, url: str = API + "?per_page=2", **options) -> tuple[list, list, list]:
    """(listings, quarantine records, follow-up requests) of one page."""
    out = list(spider(**options).parse(response(url, body)))
    return (
        [o for o in out if isinstance(o, RawListingItem)],
        [o for o in out if isinstance(o, QuarantineItem)],
        [o for o in out if isinstance(o, scrapy.Request)],
    )


def by_id(items: list) -> dict[str, RawListingItem]:
    return {i["external_id"]: i for i in items}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "Groupe de parole pour proches endeuillés"),
        ("listing_url", BASE + "agenda/groupe-de-parole-deuil/2026-12-08/"),
        ("start", "2026-12-08T19:30:00+01:00"),
        ("end", "2026-12-08T21:30:00+01:00"),
        ("timezone", "Europe/Brussels"),
        ("location_text", "Maison des associations"),
        ("street", "Rue des Tilleuls 14"),
        ("postcode", "5000"),
        ("city", "Namur"),
        ("country", "Belgique"),
        ("latitude", "50.4651"),
        ("longitude", "4.8672"),
        ("organizer", "Entraide Test asbl"),
        ("email", "accueil@entraide-test.example"),
        ("phone", "+32 81 00 00 99"),
        ("website", "https://entraide-test.example"),
        ("categories", "Deuil;Groupe de parole"),
        ("price_text", "Gratuit"),
        ("description", "<p>Un espace d&#8217;écoute <strong>sans inscription</strong>, animé par deux bénévoles formés.</p>"),
    ],
)
def test_event_fields_are_mapped(field, expected):
    listings, _, _ = parsed(fixture_page("events@per_page=2"))
    assert by_id(listings)["501"][field] == expected


@pytest.mark.parametrize(
    ("event_id", "field", "expected"),
    [
        ("502", "start", "2027-03-12"),  # all-day, multi-day: dates only
        ("502", "end", "2027-03-14"),
        ("502", "timezone", None),  # "UTC+1" is not an IANA zone
        ("502", "location_text", "Gîte des Hêtres"),  # venue as a list
        ("502", "organizer", "Aidants Ensemble asbl"),  # organizer as an object
        ("502", "website", "https://gite-des-aidants.example/retraite"),  # the event's own site first
        ("502", "phone", None),
        ("503", "start", "2027-01-14T18:00:00+01:00"),  # no UTC twin: offset from the IANA zone
        ("503", "location_text", None),  # venue []
        ("503", "categories", "Atelier;stress;en ligne"),  # tags as plain names
    ],
)
def test_shapes_of_venue_organizer_and_dates(event_id, field, expected):
    first, _, _ = parsed(fixture_page("events@per_page=2"))
    second, _, _ = parsed(fixture_page("events@per_page=2&page=2"), API + "?per_page=2&page=2")
    assert by_id(first + second)[event_id][field] == expected


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"start_date": "2026-12-08 19:30:00", "utc_start_date": "2026-12-08 18:30:00", "timezone": "UTC+1"},
         {"start": "2026-12-08T19:30:00+01:00", "timezone": None, "schedule_text": None}),
        ({"start_date": "2026-07-08 19:30:00", "timezone": "Europe/Paris"},  # summer time from the zone
         {"start": "2026-07-08T19:30:00+02:00", "timezone": "Europe/Paris", "schedule_text": None}),
        ({"start_date": "2026-12-08 19:30:00", "timezone": "UTC+1"},  # no way to know the offset
         {"start": "2026-12-08T19:30:00", "timezone": None, "schedule_text": None}),
        ({"start_date": "2026-12-08 19:30:00", "utc_start_date": "n/a", "timezone": "Europe/Brussels"},
         {"start": "2026-12-08T19:30:00+01:00", "timezone": "Europe/Brussels", "schedule_text": None}),
        ({"start_date": "mardi 8 décembre, 19h30", "timezone": "Europe/Brussels"},  # kept for the text parser
         {"start": None, "timezone": "Europe/Brussels", "schedule_text": "mardi 8 décembre, 19h30"}),
    ],
)
def test_start_offset_sources(event, expected):
    fields = event_fields({"title": "Groupe", **event})
    assert {k: fields[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"id": 1, "title": "Brouillon", "status": "draft"}, "status 'draft'"),
        ({"id": 2, "title": "Importé", "status": "tribe-ignored"}, "status 'tribe-ignored'"),
        ({"id": 3, "title": "Interne", "status": "publish", "hide_from_listings": True}, "hide_from_listings"),
        ({"id": 4, "title": ["pas", "un", "titre"]}, "no title"),
        ("juste une chaîne", "not an object"),
        ({"id": 5, "title": "Groupe", "venue": {"venue": "Salle"}, "organizer": 42, "start_date": {"bad": 1}, "categories": 7}, None),
    ],
)
def test_events_that_are_not_listings_are_quarantined_with_a_reason(event, reason):
    listings, quarantined, _ = parsed(json.dumps({"events": [event]}))
    if reason is None:  # wrong types in optional fields: still a listing
        assert [i["title"] for i in listings] == ["Groupe"] and not quarantined
    else:
        assert not listings and len(quarantined) == 1 and reason in quarantined[0]["reason"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"events": [{"id": 1, "title": "Groupe de sout', "malformed JSON"),
        (b'{"events": "aucun"}', "not a list"),
        (b'[{"id": 1, "title": "x"}]', "not a The Events Calendar events page"),
        (b"<html><body>Maintenance</body></html>", "malformed JSON"),
    ],
)
def test_malformed_pages_are_quarantined_without_exception(body, reason):
    listings, quarantined, _ = parsed(body)
    assert not listings
    assert len(quarantined) == 1 and reason in quarantined[0]["reason"]


def test_a_malformed_record_does_not_stop_the_rest_of_the_page():
    listings, quarantined, _ = parsed(fixture_page("events@per_page=2&page=3"), API + "?per_page=2&page=3")
    assert [i["external_id"] for i in listings] == ["506"]
    assert sorted(q["reason"] for q in quarantined) == ["event is str, not an object", "not a public listing: hide_from_listings"]


@pytest.mark.parametrize(
    ("payload", "url", "options", "expected_next"),
    [
        ({"events": [], "next_rest_url": API + "?page=2"}, API, {}, API + "?page=2"),
        ({"events": [], "total_pages": 3}, API + "?page=2", {}, API + "?page=3"),  # no next_rest_url: total_pages
        ({"events": [], "total_pages": 3}, API + "?page=3", {}, None),  # last page
        ({"events": [], "total_pages": "3"}, API, {}, API + "?page=2"),  # number as a string
        ({"events": []}, API, {}, None),
    ],
)
def test_next_page(payload, url, options, expected_next):
    _, _, requests = parsed(json.dumps(payload), url, **options)
    assert [r.url for r in requests] == ([expected_next] if expected_next else [])


def test_max_pages_stops_paging_and_says_so():
    out = list(spider(max_pages=2).parse(response(API + "?page=2", json.dumps({"events": [], "next_rest_url": API + "?page=3"})), pages_read=1))
    assert not any(isinstance(o, scrapy.Request) for o in out)
    assert [o["reason"] for o in out] == ["stopped after max_pages=2; more pages announced"]


def test_real_archive_page_reads_every_event():
    listings, quarantined, requests = parsed((SAMPLES / "tec_rest_archive_page_ccb_excerpt.json").read_bytes(), "https://www.ccb.pt/wp-json/tribe/events/v1/events/?page=1&per_page=3&categories=musica")
    assert (len(listings), len(quarantined)) == (2, 0)
    assert [i["start"] for i in listings] == ["2026-09-11T20:00:00+01:00", "2026-09-12T15:00:00+01:00"]
    assert listings[0]["city"] == "Lisboa" and listings[0]["categories"] == "Música"
    assert [r.url for r in requests] == ["https://www.ccb.pt/wp-json/tribe/events/v1/events/?page=2&per_page=3&categories=musica"]


def test_real_single_event_tribe_ignored_is_quarantined_but_fully_readable():
    body = (SAMPLES / "tec_rest_single_event_atlbyday.json").read_bytes()
    listings, quarantined, _ = parsed(body, "https://atlbyday.com/wp-json/tribe/events/v1/events/6178")
    assert not listings and "tribe-ignored" in quarantined[0]["reason"]
    fields = event_fields(json.loads(body))  # what it would land as, were it public
    assert fields["organizer"] == ["MLB"] and fields["location_text"] == "SunTrust Park"
    assert fields["start"] == "2018-07-31T19:30:00+00:00" and fields["timezone"] is None
    assert fields["latitude"] == "33.8874505" and fields["price_text"] == "$6.00"
    event = json.loads(body)
    assert fields["categories"] == [t["name"] for t in event["categories"] + event["tags"]]


# --- crawls (child process, ~1 s each) ----------------------------------------------------------


@pytest.fixture(scope="module")
def urls():
    """The fixture sites, served once for the module (stopping a server costs ~0.5 s)."""
    with DemoWeb(root=FIXTURES, port=0) as web:
        yield web.urls


def test_crawl_follows_three_pages_with_per_page_option(urls, run_adapter):
    crawled = run_adapter("tec", urls["entraide-test"] + "wp-json/tribe/events/v1/events", options=json.dumps({"per_page": 2}))
    assert crawled.result.status == "ok", crawled.result.failure_reason
    assert crawled.result.pages == 3 + 1  # robots.txt + three archive pages
    assert sorted(i["external_id"] for i in crawled.items) == ["501", "502", "503", "506"]
    assert len(crawled.quarantine) == 3 and all(q["reason"] for q in crawled.quarantine)
    assert all(i["listing_url"].startswith(urls["entraide-test"]) for i in crawled.items)


def test_crawl_keeps_listings_when_next_page_is_a_404_past_the_end(urls, run_adapter):
    crawled = run_adapter("tec", urls["wrong-next"] + "wp-json/tribe/events/v1/events?per_page=2")
    assert crawled.result.status == "ok"
    assert [i["title"] for i in crawled.items] == ["Praatgroep voor mantelzorgers"]
    assert crawled.stats.get("groupdir/tec_pages_past_end") == 1
    assert not crawled.stats.get("groupdir/failed_pages")


def test_crawl_of_truncated_json_fails_clearly(urls, run_adapter):
    crawled = run_adapter("tec", urls["truncated"] + "wp-json/tribe/events/v1/events?per_page=2")
    assert crawled.result.status == "failed" and not crawled.items
    assert "malformed JSON" in crawled.quarantine[0]["reason"]
