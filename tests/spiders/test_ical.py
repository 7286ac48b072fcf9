"""iCalendar adapter: mapping and recurrence on fake responses (fast), one crawl per fixture site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from spiders.adapters.ical import MAX_OCCURRENCES, Spider, iana_name
from spiders.base import QuarantineItem
from spiders.demo_web.server import DemoWeb
from spiders.items import RawListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "ical"
SAMPLES = Path("/work/shared/samples")
BASE = "https://aidants-test.example/"
FEED = BASE + "agenda.ics"
TODAY = "2026-12-01"
SERIES = "parole-aidants@aidants-test.example"


def parsed(body: str | bytes, today: str = TODAY, **options) -> tuple[list[RawListingItem], list[QuarantineItem], Spider]:
    spider = Spider.from_crawler(get_crawler(Spider), url=FEED, options=json.dumps({"today": today, **options}))
    data = body.encode("utf-8") if isinstance(body, str) else body
    out = list(spider.parse(TextResponse(url=FEED, body=data, encoding="utf-8", request=scrapy.Request(FEED))))
    return [o for o in out if isinstance(o, RawListingItem)], [o for o in out if isinstance(o, QuarantineItem)], spider


def fixture_feed(**options) -> tuple[list[RawListingItem], list[QuarantineItem], Spider]:
    text = (FIXTURES / "aidants-test" / "agenda.ics").read_text(encoding="utf-8")
    return parsed(text.replace("{{BASE_URL}}", BASE), **options)


def by_id(items: list[RawListingItem]) -> dict[str, RawListingItem]:
    return {i["external_id"]: i for i in items}


@pytest.mark.parametrize(
    ("uid", "field", "expected"),
    [
        (SERIES, "title", "Groupe de parole des aidants"),
        (SERIES, "listing_url", BASE + "groupes/parole-aidants"),  # URL property
        (SERIES, "start", "2026-01-06T18:30:00+01:00"),  # first session, Windows TZID resolved
        (SERIES, "end", "2026-01-06T20:00:00+01:00"),
        (SERIES, "timezone", "Europe/Paris"),  # "Romance Standard Time"
        (SERIES, "rrule", "FREQ=WEEKLY;BYDAY=TU"),
        (SERIES, "exdates", "2026-12-22T18:30:00+01:00;2026-12-08T18:30:00+01:00"),  # EXDATE + cancelled session
        (SERIES, "location_text", "Maison des aidants, Rue de l'Essai 4, 69003 Lyon"),
        (SERIES, "organizer", "Maison des aidants Test"),
        (SERIES, "email", "accueil@aidants-test.example"),
        (SERIES, "categories", "Groupe de parole;Aidants"),
        (SERIES, "latitude", "45.7589"),
        (SERIES, "event_status", "CONFIRMED"),
        ("atelier-sommeil-2027@aidants-test.example", "listing_url", FEED + "#atelier-sommeil-2027@aidants-test.example"),
        ("atelier-sommeil-2027@aidants-test.example", "contact_text", "Inscription au 04 00 00 00 12"),
        ("atelier-sommeil-2027@aidants-test.example", "occurrences", None),  # a single event: `start` says it
        ("cafe-deuil-janvier@aidants-test.example", "event_status", "CANCELLED"),
        ("meditation-quotidienne@aidants-test.example", "end", "2025-01-01T07:30:00+00:00"),  # DURATION
        ("meditation-quotidienne@aidants-test.example", "online_url", "https://meet.example/meditation-aidants"),
        ("meditation-quotidienne@aidants-test.example", "timezone", "Europe/Brussels"),  # UTC: the source's zone
        ("retraite-printemps@aidants-test.example", "start", "2027-03-05"),
        ("retraite-printemps@aidants-test.example", "end", "2027-03-08"),
    ],
)
def test_vevent_fields_are_mapped(uid, field, expected):
    listings, _, _ = fixture_feed()
    assert by_id(listings)[uid][field] == expected


def test_series_folds_moved_and_cancelled_sessions():
    listings, _, _ = fixture_feed()
    assert [i["external_id"] for i in listings].count(SERIES) == 1
    sessions = by_id(listings)[SERIES]["occurrences"].split(";")
    assert sessions[:3] == ["2026-12-01T18:30:00+01:00", "2026-12-16T18:30:00+01:00", "2026-12-29T18:30:00+01:00"]
    assert not any(s.startswith(("2026-12-08", "2026-12-15", "2026-12-22")) for s in sessions)
    assert len(sessions) == 26 - 2  # Tuesdays in the 180-day window, less one cancelled and one excluded
    assert "RECURRENCE-ID" in by_id(listings)[SERIES]["raw"]


@pytest.mark.parametrize(("window_days", "expected"), [(180, MAX_OCCURRENCES), (10, 10), (1, 1)])
def test_never_ending_rule_stays_bounded(window_days, expected):
    listings, _, _ = fixture_feed(window_days=window_days)
    assert len(by_id(listings)["meditation-quotidienne@aidants-test.example"]["occurrences"].split(";")) == expected


def test_sub_daily_rule_is_kept_but_not_expanded():
    listings, _, spider = fixture_feed()
    item = by_id(listings)["every-minute@aidants-test.example"]
    assert item["rrule"] == "FREQ=MINUTELY" and item["occurrences"] is None
    assert spider.crawler.stats.get_value("groupdir/ical_not_expanded") == 1


def test_unreadable_and_private_vevents_are_quarantined_with_their_text():
    listings, quarantined, _ = fixture_feed()
    assert len(listings) == 6
    reasons = {q["url"].rsplit("#", 1)[1]: q for q in quarantined}
    assert set(reasons) == {"broken-date@aidants-test.example", "private@aidants-test.example"}
    assert "DTSTART" in reasons["broken-date@aidants-test.example"]["reason"]
    assert "DTSTART:2026-13-45T25:00" in reasons["broken-date@aidants-test.example"]["payload"]
    assert "CLASS PRIVATE" in reasons["private@aidants-test.example"]["reason"]


VEVENT = "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T090000Z\r\nSUMMARY:Groupe {uid}\r\nDTSTART:20270105T180000Z\r\n{extra}END:VEVENT\r\n"


def calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n" + "".join(events) + "END:VCALENDAR\r\n"


@pytest.mark.parametrize(
    ("body", "listings", "reason"),
    [
        ("<!doctype html><html><body>Agenda</body></html>", 0, "not an iCalendar feed"),
        ("", 0, "not an iCalendar feed"),
        ('{"events": []}', 0, "not an iCalendar feed"),
        # an unclosed VALARM breaks the whole parse: the other VEVENTs still land
        (calendar(VEVENT.format(uid="a", extra=""), VEVENT.format(uid="b", extra="BEGIN:VALARM\r\n"), VEVENT.format(uid="c", extra="")), 2, "unreadable VEVENT"),
        (calendar(VEVENT.format(uid="a", extra="this line has no colon\r\n")), 0, "unreadable VEVENT"),
        (calendar(VEVENT.format(uid="a", extra="RRULE:FREQ=SOMETIMES\r\n")), 0, "RRULE"),
        (calendar("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Sans date\r\nEND:VEVENT\r\n"), 0, "no DTSTART"),
        (calendar(VEVENT.format(uid="a", extra=""), VEVENT.format(uid="a", extra="")), 1, "duplicate VEVENT"),
        (calendar("BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270105T180000Z\r\nEND:VEVENT\r\n"), 0, "no title"),
    ],
)
def test_malformed_feeds_are_quarantined_without_exception(body, listings, reason):
    found, quarantined, _ = parsed(body)
    assert len(found) == listings
    assert len(quarantined) == 1 and reason in quarantined[0]["reason"]


@pytest.mark.parametrize(
    ("tzid", "expected"),
    [
        ("Romance Standard Time", "Europe/Paris"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("GMT Standard Time", "Europe/London"),
        ("Europe/Brussels", "Europe/Brussels"),
        ('"Europe/Luxembourg"', "Europe/Luxembourg"),
        ("Nowhere/Atlantis", None),
        (None, None),
    ],
)
def test_iana_name(tzid, expected):
    assert iana_name(tzid) == expected


@pytest.mark.parametrize(
    ("sample", "today", "vevents", "expected"),
    [
        # weekly COUNT=8 with one EXDATE given in UTC (local next day)
        ("ics_each_week_but_one_deleted.ics", "2019-03-01", 1, {"SX2CURHKFTKKFFU3VUD7K": ("2019-03-11T00:30:00+01:00", 7)}),
        # Exchange: three moved all-day sessions of the first series, UNTIL in UTC
        ("ics_issue_28_rrule_with_UTC_endinginZ.ics", "2020-04-01", 5, {"first": ("", 12), "second": ("", 12)}),
        # Google: a moved session (RECURRENCE-ID) of a monthly series
        ("ics_issue_62_moved_event.ics", "2021-12-01", 2, {"38m812jicsrer5gorh3mlp7qhc@google.com": ("", 6)}),
    ],
)
def test_real_feeds_are_read_without_loss(sample, today, vevents, expected):
    body = (SAMPLES / sample).read_bytes()
    assert body.count(b"BEGIN:VEVENT") == vevents
    found, quarantined, _ = parsed(body, today=today)
    assert not quarantined and len(found) == len(expected)  # every override folded into its series
    for item, (exdates, sessions) in zip(found, expected.values(), strict=True):
        assert (item["exdates"] or "") == exdates
        assert len(item["occurrences"].split(";")) == sessions


def test_real_moved_session_is_listed_at_its_new_time():
    found, _, _ = parsed((SAMPLES / "ics_issue_62_moved_event.ics").read_bytes(), today="2021-12-01")
    sessions = found[0]["occurrences"].split(";")
    assert sessions[0] == "2021-12-17T21:30:00+01:00" and not any(s.startswith("2021-12-31") for s in sessions)


# --- crawls (child process, ~1 s each) ----------------------------------------------------------


@pytest.fixture(scope="module")
def urls():
    with DemoWeb(root=FIXTURES, port=0) as web:
        yield web.urls


def test_crawl_lands_the_feed(urls, run_adapter):
    crawled = run_adapter("ical", urls["aidants-test"] + "agenda.ics", options=json.dumps({"today": TODAY}))
    assert crawled.result.status == "ok", crawled.result.failure_reason
    assert len(crawled.items) == 6 and len(crawled.quarantine) == 2
    assert by_id(crawled.items)[SERIES]["listing_url"] == urls["aidants-test"] + "groupes/parole-aidants"


def test_crawl_of_a_page_that_is_not_a_calendar_fails_clearly(urls, run_adapter):
    crawled = run_adapter("ical", urls["not-ics"] + "agenda.ics")
    assert crawled.result.status == "failed" and not crawled.items
    assert "not an iCalendar feed" in crawled.quarantine[0]["reason"]
