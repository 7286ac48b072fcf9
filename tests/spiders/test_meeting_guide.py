"""Meeting Guide adapter: mapping on fake responses (fast), one crawl per fixture site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from spiders.adapters.meeting_guide import Spider, clock, weekdays
from spiders.base import QuarantineItem
from spiders.demo_web.server import DemoWeb
from spiders.items import RawListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "meeting_guide"
SAMPLES = Path("/work/shared/samples")
BASE = "https://aa-test.example/"
FEED = BASE + "wp-admin/admin-ajax.php?action=meetings"
INVENTED_CONTACT_NAMES = ("Prénom Inventé", "Voornaam Verzonnen", "Autre Prénom")


def parsed(body: str | bytes, url: str = FEED) -> tuple[list[RawListingItem], list[QuarantineItem]]:
    spider = Spider.from_crawler(get_crawler(Spider), url=url)
    data = body.encode("utf-8") if isinstance(body, str) else body
    out = list(spider.parse(TextResponse(url=url, body=data, encoding="utf-8", request=scrapy.Request(url))))
    return [o for o in out if isinstance(o, RawListingItem)], [o for o in out if isinstance(o, QuarantineItem)]


def fixture_feed() -> tuple[list[RawListingItem], list[QuarantineItem]]:
    text = (FIXTURES / "aa-test" / "wp-admin" / "admin-ajax.php@action=meetings").read_text(encoding="utf-8")
    return parsed(text.replace("{{BASE_URL}}", BASE))


def by_id(items: list[RawListingItem]) -> dict[str, RawListingItem]:
    return {i["external_id"]: i for i in items}


@pytest.mark.parametrize(
    ("external_id", "field", "expected"),
    [
        ("groupe-renouveau", "title", "Groupe Renouveau"),
        ("groupe-renouveau", "listing_url", BASE + "meetings/groupe-renouveau/"),
        ("groupe-renouveau", "rrule", "FREQ=WEEKLY;BYDAY=TU"),  # day 2 = Tuesday (0 = Sunday)
        ("groupe-renouveau", "start", "19:30"),
        ("groupe-renouveau", "end", "21:00"),
        ("groupe-renouveau", "location_text", "Salle paroissiale Saint-Test, Rue de l'Exemple 21, 1050 Ixelles, Belgique"),
        ("groupe-renouveau", "latitude", "50.8275"),
        ("groupe-renouveau", "categories", "O;D;FR"),
        ("groupe-renouveau", "organizer", "Groupe Renouveau AA"),
        ("groupe-renouveau", "description", "Entrée par la cour, sonnez deux fois."),
        ("groupe-renouveau", "email", "renouveau@aa-test.example"),
        ("groupe-renouveau", "phone", "+32 2 000 00 11"),
        ("groupe-renouveau", "attendance_mode", "in_person"),
        ("online-morning-reflection", "rrule", "FREQ=WEEKLY;BYDAY=SU"),  # day as the string "0"
        ("online-morning-reflection", "online_url", "https://meet.example/j/000111222"),
        ("online-morning-reflection", "attendance_mode", "online"),
        ("online-morning-reflection", "categories", "C;EN;ONL;TC"),
        ("online-morning-reflection", "latitude", None),  # "" is no coordinate
        ("online-morning-reflection", "organizer", None),
        ("zelfhulpgroep-nieuw-begin:mo", "rrule", "FREQ=WEEKLY;BYDAY=MO"),  # a list of days: one item each
        ("zelfhulpgroep-nieuw-begin:th", "rrule", "FREQ=WEEKLY;BYDAY=TH"),
        ("zelfhulpgroep-nieuw-begin:th", "end", None),  # no end_time: not invented here
        ("zelfhulpgroep-nieuw-begin:th", "categories", "O;NL"),  # types as a comma string
        ("zelfhulpgroep-nieuw-begin:th", "street", "Brugstraat 5"),
        ("zelfhulpgroep-nieuw-begin:th", "postcode", "3000"),
        ("zelfhulpgroep-nieuw-begin:th", "city", "Leuven"),
        ("zelfhulpgroep-nieuw-begin:th", "location_text", "Ontmoetingscentrum De Brug"),
        ("reunion-sur-rendez-vous", "rrule", None),  # no day: by appointment
        ("reunion-sur-rendez-vous", "start", None),
    ],
)
def test_meeting_fields_are_mapped(external_id, field, expected):
    listings, _ = fixture_feed()
    assert by_id(listings)[external_id][field] == expected


def test_every_meeting_is_a_listing_or_a_quarantine_record_with_a_reason():
    listings, quarantined = fixture_feed()
    assert len(listings) == 5
    assert sorted(q["reason"] for q in quarantined) == [
        "meeting is list, not an object",
        "not a public listing: attendance_option 'inactive'",
        "unreadable meeting: day 'lundi' is not 0 (Sunday) to 6",
    ]


def test_contact_names_are_never_stored():
    listings, quarantined = fixture_feed()
    stored = json.dumps([dict(i) for i in listings + quarantined], ensure_ascii=False)
    assert not any(name in stored for name in INVENTED_CONTACT_NAMES)
    assert "contact_1_name" not in stored and "contact_1_email" in stored  # only names are dropped


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, [0]), ("6", [6]), (["1", 4, "1"], [1, 4]), (None, []), ("", []), (7, ValueError), (True, ValueError), ("Monday", ValueError)],
)
def test_weekdays(value, expected):
    if expected is ValueError:
        with pytest.raises(ValueError):
            weekdays(value)
    else:
        assert weekdays(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19:30", "19:30"), ("7:00", "07:00"), ("19:30:00", "19:30"), ("1930", "19:30"), ("", None), (None, None), ("25:00", ValueError), ("soir", ValueError)],
)
def test_clock(value, expected):
    if expected is ValueError:
        with pytest.raises(ValueError):
            clock(value, "time")
    else:
        assert clock(value, "time") == expected


@pytest.mark.parametrize(
    ("body", "listings", "reason"),
    [
        (b'[{"name": "Groupe Espoir", "slug": "groupe-espoir", "day": 3, "ti', 0, "malformed JSON"),
        (b'{"name": "Groupe Espoir", "slug": "groupe-espoir"}', 0, "not a Meeting Guide feed"),
        (b'{"meetings": [{"name": "Groupe Espoir", "slug": "groupe-espoir", "day": 3, "time": "19:00"}]}', 1, None),
        (b'[{"slug": "sans-nom", "day": 3}]', 0, "record has no title"),
        (b'[{"name": "Groupe Espoir", "day": 3, "time": 1900}]', 1, None),  # a number for a time
        (b'[{"name": "Groupe Espoir", "day": 3, "time": "19:00", "types": {"a": "O"}}]', 1, None),
    ],
)
def test_malformed_payloads_are_quarantined_without_exception(body, listings, reason):
    found, quarantined = parsed(body)
    assert len(found) == listings
    assert [reason in q["reason"] for q in quarantined] == ([True] if reason else [])


@pytest.mark.parametrize(
    ("sample", "listings", "inactive"),
    [("meetingguide_tsml_feed_sussexaa.json", 29, 11), ("meetingguide_feed_aasepia_variant.json", 20, 0)],
)
def test_real_feeds_are_read_without_loss(sample, listings, inactive):
    body = (SAMPLES / sample).read_bytes()
    meetings = json.loads(body)
    found, quarantined = parsed(body)
    assert (len(found), len(quarantined)) == (listings, inactive)
    assert len(found) + len(quarantined) == len(meetings)
    assert all("attendance_option 'inactive'" in q["reason"] for q in quarantined)
    assert all(i["rrule"].startswith("FREQ=WEEKLY;BYDAY=") and len(i["start"]) == 5 for i in found)
    assert sum(bool(i["latitude"]) for i in found) == listings  # numbers and strings alike
    assert not any("contact_1_name" in (i["raw"] or "") for i in found)


def test_real_tsml_feed_keeps_online_codes_and_links():
    found, _ = parsed((SAMPLES / "meetingguide_tsml_feed_sussexaa.json").read_bytes())
    first = by_id(found)["wake-up-call-living-sober"]
    assert first["categories"] == "LIT;LS;TC;O;X;ONL" and first["online_url"].startswith("https://us02web.zoom.us/")
    assert first["location_text"] == "St. George's Chapel, 20271 Beaver Dam Rd, Harbeson, DE 19951, USA"


# --- crawls (child process, ~1 s each) ----------------------------------------------------------


@pytest.fixture(scope="module")
def urls():
    with DemoWeb(root=FIXTURES, port=0) as web:
        yield web.urls


def test_crawl_lands_the_feed(urls, run_adapter):
    crawled = run_adapter("meeting_guide", urls["aa-test"] + "wp-admin/admin-ajax.php?action=meetings")
    assert crawled.result.status == "ok", crawled.result.failure_reason
    assert len(crawled.items) == 5 and len(crawled.quarantine) == 3
    assert {i["source_id"] for i in crawled.items} == {"adhoc-meeting_guide-127.0.0.1"}


def test_crawl_of_a_truncated_feed_fails_clearly(urls, run_adapter):
    crawled = run_adapter("meeting_guide", urls["broken-feed"] + "wp-admin/admin-ajax.php?action=meetings")
    assert crawled.result.status == "failed" and not crawled.items
    assert "malformed JSON" in crawled.quarantine[0]["reason"]
