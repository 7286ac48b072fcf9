"""Adapter `html`: listing pages of sites with no structured data, read with per-source selectors.

Everything site-specific lives in the source's `options` (docs/SOURCES.md, section `html`), so a
new site of this kind is a registry entry. Selectors are CSS, or XPath behind an `xpath:` prefix.
A selector ending in `::text` / `::attr(...)` (or an XPath selecting text or attributes) gives
text; any other selector gives the element's HTML, so markup reaches the cleaning stage intact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import scrapy
from cssselect import SelectorError
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from schemas.raw import STRUCTURED_FIELDS, TEXT_FIELDS
from spiders.base import AdapterSpider

XPATH_PREFIX = "xpath:"
HTTP_SCHEMES = frozenset({"http", "https"})
LISTING_FIELDS = frozenset(TEXT_FIELDS + STRUCTURED_FIELDS)
KNOWN_OPTIONS = frozenset({"item", "fields", "detail_link", "detail_fields", "next_page", "external_id", "timezone"})


class OptionsError(ValueError):
    """A source's adapter options cannot work: raised when the spider starts, not mid-crawl."""


# --- selectors and links (shared with the jsonld adapter) ----------------------------------------


def selected(scope: Selector | TextResponse, selector: str) -> SelectorList:
    """What a CSS selector, or an XPath one behind `xpath:`, selects inside `scope`."""
    if selector.startswith(XPATH_PREFIX):
        return scope.xpath(selector[len(XPATH_PREFIX) :].strip())
    return scope.css(selector)


def selector_problem(selector: Any) -> str | None:
    """Why a selector from the options cannot be used, or None when it compiles."""
    if not isinstance(selector, str) or not selector.strip():
        return f"selector must be a non-empty string, got {selector!r}"
    try:
        selected(Selector(text="<html></html>"), selector)
    except (SelectorError, ValueError) as exc:
        return f"invalid selector {selector!r}: {exc}"
    return None


def link_urls(response: Response, selection: SelectorList) -> list[str]:
    """Absolute http(s) URLs of the selected hrefs (or of the selected elements' `href`), in page
    order and without repeats: a `javascript:` or `mailto:` link never becomes a request."""
    urls: list[str] = []
    for node in selection:
        href = node.root if isinstance(node.root, str) else node.attrib.get("href")
        if not href or not href.strip():
            continue
        url = response.urljoin(href.strip())
        if urlparse(url).scheme.lower() in HTTP_SCHEMES and url not in urls:
            urls.append(url)
    return urls


# --- options -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HtmlOptions:
    """A source's selectors, checked once when the spider starts."""

    item: str
    fields: Mapping[str, str]
    detail_link: str | None = None
    detail_fields: Mapping[str, str] = field(default_factory=dict)
    next_page: str | None = None
    external_id: str | None = None  # a selector inside the item, or "url" for the detail URL


def html_options(options: Mapping[str, Any]) -> HtmlOptions:
    """The options as `HtmlOptions`; every mistake found at once in one clear `OptionsError`."""
    problems = [f"unknown option {key!r}" for key in sorted(set(options) - KNOWN_OPTIONS)]
    if not options.get("item"):
        problems.append("option 'item' (the selector of one listing block) is required")
    problems += _field_map_problems("fields", options.get("fields"), required=True)
    problems += _field_map_problems("detail_fields", options.get("detail_fields"), required=False)
    if options.get("detail_fields") and not options.get("detail_link"):
        problems.append("'detail_fields' needs 'detail_link'")
    for key in ("item", "detail_link", "next_page"):
        if options.get(key) is not None:
            problems += [f"{key}: {p}" for p in [selector_problem(options[key])] if p]
    external_id = options.get("external_id")
    if external_id is not None and external_id != "url":
        problems += [f"external_id: {p}" for p in [selector_problem(external_id)] if p]
    if problems:
        raise OptionsError("html adapter options: " + "; ".join(problems))
    return HtmlOptions(
        item=options["item"],
        fields=dict(options["fields"]),
        detail_link=options.get("detail_link"),
        detail_fields=dict(options.get("detail_fields") or {}),
        next_page=options.get("next_page"),
        external_id=external_id,
    )


def _field_map_problems(key: str, mapping: Any, *, required: bool) -> list[str]:
    if mapping is None:
        return [f"option {key!r} (raw field name -> selector) is required"] if required else []
    if not isinstance(mapping, Mapping) or (required and not mapping):
        return [f"option {key!r} must be a non-empty mapping of raw field name -> selector"]
    problems = []
    unknown = sorted(set(mapping) - LISTING_FIELDS)
    if unknown:
        problems.append(f"{key}: unknown raw field name(s) {unknown}; raw fields are {sorted(LISTING_FIELDS)}")
    for name, selector in mapping.items():
        problems += [f"{key}.{name}: {p}" for p in [selector_problem(selector)] if p]
    return problems


# --- values --------------------------------------------------------------------------------------


def field_value(name: str, values: Iterable[str]) -> str | list[str] | None:
    """Prose fields read as one text (the pieces of a `::text` selection joined); data fields keep
    one value per match (the item joins them with ';')."""
    pieces = [v.strip() for v in values if v and v.strip()]
    if not pieces:
        return None
    if name in TEXT_FIELDS:
        return " ".join(pieces)
    return pieces[0] if len(pieces) == 1 else pieces


def field_values(scope: Selector | TextResponse, mapping: Mapping[str, str]) -> dict[str, Any]:
    """Raw field name -> value of its selector inside `scope`."""
    return {name: field_value(name, selected(scope, selector).getall()) for name, selector in mapping.items()}


def merged_fields(listing: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
    """The detail page wins where it says something; an empty detail value keeps the listing's."""
    return {**listing, **{k: v for k, v in detail.items() if v}}


# --- the spider ----------------------------------------------------------------------------------


class Spider(AdapterSpider):
    """Reads listing blocks (`item`) page by page (`next_page`), optionally enriched by each
    block's detail page (`detail_link` + `detail_fields`)."""

    name = adapter = "html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            self.config = html_options(self.options)
        except OptionsError as exc:
            raise OptionsError(f"source {self.source_id!r}: {exc}") from None

    def parse(self, response: Response) -> Iterator[Any]:
        if not hasattr(response, "css"):
            yield self.quarantine(response.url, "listing page is not HTML", response.body[:2000].decode("utf-8", "replace"))
            return
        blocks = selected(response, self.config.item)
        if not blocks:
            self.crawler.stats.inc_value("groupdir/pages_without_items")
        for block in blocks:
            try:
                yield from self.parse_block(response, block)
            except Exception as exc:  # a block the options do not fit must not stop the page
                yield self.quarantine(response.url, f"could not read listing block: {exc!r}", block.get())
        if self.config.next_page:
            for url in link_urls(response, selected(response, self.config.next_page)):
                yield scrapy.Request(url, callback=self.parse, errback=self.on_error)

    def parse_block(self, response: Response, block: Selector) -> Iterator[Any]:
        fragment = block.get()
        fields = field_values(block, self.config.fields)
        detail_url = self.detail_url(response, block)
        if self.config.external_id == "url":
            fields["external_id"] = detail_url
        elif self.config.external_id:
            fields["external_id"] = field_value("external_id", selected(block, self.config.external_id).getall())
        if detail_url and self.config.detail_fields and self.on_site(detail_url):
            yield scrapy.Request(
                detail_url,
                callback=self.parse_detail,
                errback=self.on_detail_error,
                cb_kwargs={"fields": fields, "fragment": fragment},
            )
            return
        yield self.listing(detail_url or response.url, fragment, **fields)

    def detail_url(self, response: Response, block: Selector) -> str | None:
        if not self.config.detail_link:
            return None
        urls = link_urls(response, selected(block, self.config.detail_link))
        return urls[0] if urls else None

    def on_site(self, url: str) -> bool:
        """Whether a detail page may be fetched: one on another site is never crawled (Scrapy would drop
        the request silently), so its block lands with the listing page's fields alone."""
        host = (urlparse(url).hostname or "").lower()
        return any(host == domain or host.endswith("." + domain) for domain in self.allowed_domains)

    def parse_detail(self, response: Response, fields: dict[str, Any], fragment: str) -> Iterator[Any]:
        try:
            detail = field_values(response, self.config.detail_fields)
        except Exception as exc:  # an unreadable detail page still leaves the listing's own fields
            self.crawler.stats.inc_value("groupdir/unreadable_detail_pages")
            self.logger.warning("detail page %s unreadable: %r", response.url, exc)
            detail = {}
        yield self.listing(response.url, fragment, **merged_fields(fields, detail))

    def on_detail_error(self, failure: Failure) -> Iterator[Any]:
        """A detail page that failed is recorded, and the listing still lands from its block."""
        yield from self.on_error(failure)
        request = getattr(failure, "request", None)
        if request is not None and "fields" in request.cb_kwargs:
            yield self.listing(request.url, request.cb_kwargs["fragment"], **request.cb_kwargs["fields"])
