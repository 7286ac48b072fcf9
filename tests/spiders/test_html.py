"""The `html` adapter: per-source selectors on frozen listing pages (fast), and real crawls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from spiders.adapters.html import OptionsError, Spider, html_options, link_urls, selected
from spiders.base import QuarantineItem
from spiders.items import RawListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "html"
BASE = "https://cercle-ecoute-lausanne.example/"
LAUSANNE = {
    "item": "article.groupe",
    "fields": {"title": "h2 a::text", "schedule_text": ".horaire", "location_text": ".lieu::text",
               "price_text": ".tarif::text", "categories": "ul.themes li::text"},
    "detail_link": "h2 a::attr(href)",
    "detail_fields": {"description": ".description", "organizer": ".organisateur::text", "location_text": ".lieu-complet::text",
                      "contact_text": ".contact", "email": "xpath://a[starts-with(@href, 'mailto:')]/@href"},
    "next_page": "a.suivant::attr(href)",
    "external_id": "::attr(data-id)",
}
CAFE_DEUIL = "Café deuil «\u00a0Parler de ceux qui sont partis\u00a0»"  # &nbsp; stays a no-break space
LATIN1 = {
    "item": "li.groep",
    "fields": {"title": ".naam::text", "description": ".omschrijving", "price_text": ".prijs::text",
               "schedule_text": "xpath:.//span[@class='wanneer']/text()"},
}


def make_spider(options: dict) -> Spider:
    crawler = get_crawler(Spider, {})
    return crawler._create_spider(url=BASE, options=json.dumps(options))


def fixture_page(site: str, path: str, url_path: str | None = None, **kwargs) -> HtmlResponse:
    body = (FIXTURES / site / path).read_bytes().replace(b"{{BASE_URL}}", BASE.encode())
    return HtmlResponse(url=BASE + (url_path or path), body=body, **kwargs)


def split(out: list) -> tuple[list[RawListingItem], list[QuarantineItem], list[Request]]:
    return ([o for o in out if isinstance(o, RawListingItem)], [o for o in out if isinstance(o, QuarantineItem)],
            [o for o in out if isinstance(o, Request)])


# --- options -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"item": "li", "fields": {"titel": "h2::text"}}, "unknown raw field name(s) ['titel']"),
        ({"item": "li", "fields": {"title": "h2::text"}, "detail_fields": {"beschrijving": "p"}, "detail_link": "a"}, "['beschrijving']"),
        ({"fields": {"title": "h2::text"}}, "option 'item'"),
        ({"item": "li"}, "option 'fields'"),
        ({"item": "li", "fields": {"title": "h2["}}, "fields.title: invalid selector"),
        ({"item": "li", "fields": {"title": "xpath://h2["}}, "fields.title: invalid selector"),
        ({"item": "li", "fields": {"title": "h2::text"}, "next_pag": "a.next"}, "unknown option 'next_pag'"),
        ({"item": "li", "fields": {"title": "h2::text"}, "detail_fields": {"description": "p"}}, "'detail_fields' needs 'detail_link'"),
    ],
)
def test_options_mistakes_are_a_clear_error_at_spider_start(options, message):
    with pytest.raises(OptionsError, match="html adapter options") as caught:
        make_spider(options)
    assert message in str(caught.value)


@pytest.mark.parametrize("source_id", ["cercle-parole-geneve", "zelfhulp-antwerpen"])
def test_registry_demo_options_are_valid(source_id):
    from spiders.registry import get_source

    assert html_options(get_source(source_id, "demo").options).fields["title"]


# --- links ---------------------------------------------------------------------------------------


def test_only_http_links_become_urls():
    body = ('<a href="fiche.html">1</a><a href="javascript:ouvrir(2)">2</a><a href="mailto:x@cercle.example">3</a>'
            '<a href="tel:+41215550100">4</a><a href=" /groupes/fiche.html ">dup</a><a>no href</a>'
            '<a href="https://autre.example/x">5</a>')
    response = HtmlResponse(url=BASE + "groupes/", body=body.encode())
    expected = [BASE + "groupes/fiche.html", BASE + "groupes/fiche.html", "https://autre.example/x"]
    assert link_urls(response, selected(response, "a::attr(href)")) == list(dict.fromkeys(expected))
    assert link_urls(response, selected(response, "a")) == list(dict.fromkeys(expected)), "elements give their href"


# --- listing pages -------------------------------------------------------------------------------


def test_listing_page_blocks_become_listings_details_or_quarantine():
    spider = make_spider(LAUSANNE)
    listings, quarantined, requests = split(list(spider.parse(fixture_page("cercle-ecoute-lausanne", "groupes/index.html", "groupes/"))))
    assert [r.url for r in requests] == [BASE + "groupes/deuil.html", BASE + "groupes/fiche-disparue.html", BASE + "groupes/page-2.html"]
    assert [x["title"] for x in listings] == ["Cercle de parole pour hommes"], "a javascript: detail link lands from the block alone"
    assert listings[0]["listing_url"] == BASE + "groupes/"
    assert listings[0]["external_id"] == "g-104"
    assert listings[0]["price_text"] == "CHF 10.–"
    assert [q["reason"] for q in quarantined] == ["record has no title"]
    assert 'data-id="g-102"' in quarantined[0]["payload"]
    first = requests[0].cb_kwargs["fields"]
    assert first["title"] == CAFE_DEUIL, "entities decoded in ::text"
    assert first["schedule_text"] == '<p class="horaire">Le 2<sup>e</sup> mardi du mois, 19h–21h</p>', "markup kept raw"
    assert first["categories"] == ["deuil", "entraide"]


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("groupes/deuil.html", {
            "location_text": "Maison de quartier de la Pontaise, avenue du Parc 1, 1004 Lausanne",
            "organizer": "Cercle d'écoute Lausanne", "email": "mailto:deuil@cercle-ecoute-lausanne.example",
            "title": CAFE_DEUIL, "categories": "deuil;entraide", "external_id": "g-101",
        }),
        ("groupes/aidants.html", {"location_text": "Maison de quartier, Lausanne", "organizer": None, "email": None}),
    ],
)
def test_detail_page_wins_where_it_says_something(detail, expected):
    spider = make_spider(LAUSANNE)
    _, _, requests = split(list(spider.parse(fixture_page("cercle-ecoute-lausanne", "groupes/index.html", "groupes/"))))
    [listing] = list(spider.parse_detail(fixture_page("cercle-ecoute-lausanne", detail), **requests[0].cb_kwargs))
    assert listing["listing_url"] == BASE + detail
    assert {k: listing[k] for k in expected} == expected
    assert listing["description"].startswith('<div class="description"><p>')


def test_a_detail_page_answering_500_is_recorded_and_the_block_still_lands():
    spider = make_spider(LAUSANNE)
    _, _, requests = split(list(spider.parse(fixture_page("cercle-ecoute-lausanne", "groupes/index.html", "groupes/"))))
    request = requests[1]
    failure = Failure(HttpError(Response(request.url, status=500, request=request)))
    failure.request = request
    out = list(request.errback(failure))
    assert [(q["stage"], q["reason"]) for q in out if isinstance(q, QuarantineItem)] == [("fetch", "HTTP 500")]
    assert [x["title"] for x in out if isinstance(x, RawListingItem)] == ["Groupe de parole & d'entraide — acouphènes"]
    assert spider.crawler.stats.get_value("groupdir/failed_pages") == 1


@pytest.mark.parametrize(
    ("href", "lands_now"),
    [("https://partenaire.example/groupe-7", True), ("/groupes/groupe-7.html", False), ("https://sub.cercle-ecoute-lausanne.example/g7", False)],
)
def test_a_detail_page_on_another_site_is_not_fetched_but_the_block_lands(href, lands_now):
    body = f'<article class="groupe" data-id="g-7"><h2><a href="{href}">Groupe partenaire</a></h2></article>'
    out = list(make_spider(LAUSANNE).parse(HtmlResponse(url=BASE + "groupes/", body=body.encode())))
    listings, _, requests = split(out)
    assert [x["title"] for x in listings] == (["Groupe partenaire"] if lands_now else [])
    assert len([r for r in requests if "groupe" in r.url or "g7" in r.url]) == (0 if lands_now else 1)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Type": "text/html; charset=ISO-8859-1"}, "no meta"),
        ({"Content-Type": "text/html"}, "meta"),
    ],
)
def test_latin1_page_is_decoded_as_declared(headers, body):
    raw = (FIXTURES / "zelfhulp-latin1" / "groepen" / "index.html").read_bytes()
    if body == "no meta":
        raw = raw.replace(b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', b"")
    response = HtmlResponse(url=BASE + "groepen/", body=raw, headers=headers)
    listings, _, _ = split(list(make_spider(LATIN1).parse(response)))
    assert [x["title"] for x in listings] == ["Lotgenotencontact voor patiënten met reuma", "Groupe d'entraide « Équilibre » (bilingue)"]
    assert listings[1]["schedule_text"] == "Le jeudi, 18h"


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body><li class='groep'></li></body></html>", b"\x00\xff\xfe garbage <li class='groep'><span class='naam'>",
     b"<li class='groep'><span class='naam'>" + b"x" * 200_000],
)
def test_malformed_pages_never_raise(body):
    out = list(make_spider(LATIN1).parse(HtmlResponse(url=BASE, body=body)))
    assert all(isinstance(o, RawListingItem | QuarantineItem) for o in out)
    assert all(o["title"] for o in out if isinstance(o, RawListingItem))


# --- crawls (child processes) --------------------------------------------------------------------


def test_crawl_paginates_merges_details_and_respects_robots(serve_sites, run_adapter):
    base = serve_sites(FIXTURES)["cercle-ecoute-lausanne"]
    crawled = run_adapter("html", base + "groupes/", options=json.dumps(LAUSANNE))
    assert crawled.result.status == "ok"
    assert sorted(x["title"] for x in crawled.items) == [
        CAFE_DEUIL, "Cercle de parole pour hommes",
        "Cercle de parole — proches aidants", "Groupe de parole & d'entraide — acouphènes",
    ]
    assert crawled.stats["robotstxt/forbidden"] == 1, "the /archives/ listing behind robots.txt was not refused"
    assert crawled.stats["groupdir/robots_forbidden"] == 1, "a robots.txt refusal is counted, not quarantined"
    assert sorted(q["reason"].split(":")[0] for q in crawled.quarantine) == ["HTTP 404", "record has no title"]
    assert "groupdir/refused_scheme" not in crawled.stats


def test_crawl_of_a_latin1_site(serve_sites, run_adapter):
    base = serve_sites(FIXTURES)["zelfhulp-latin1"]
    crawled = run_adapter("html", base + "groepen/", options=json.dumps(LATIN1))
    assert [x["title"] for x in crawled.items] == ["Lotgenotencontact voor patiënten met reuma", "Groupe d'entraide « Équilibre » (bilingue)"]


def test_crawl_with_an_unknown_field_fails_with_the_reason(serve_sites, run_adapter):
    base = serve_sites(FIXTURES)["zelfhulp-latin1"]
    crawled = run_adapter("html", base + "groepen/", options=json.dumps({"item": "li.groep", "fields": {"titel": ".naam::text"}}))
    assert crawled.result.status == "failed"
    assert crawled.items == []
    log = (crawled.result.out_dir / "crawl.log").read_text(encoding="utf-8")
    assert "unknown raw field name(s) ['titel']" in log
