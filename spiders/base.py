"""What every adapter shares: how it is bound to a source, and how it lands items or quarantines."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlparse

import scrapy
from scrapy import signals
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.items import RawListingItem, make_raw_item
from spiders.registry import Source


class QuarantineItem(scrapy.Item):
    """A page or record the spider could not turn into a listing, kept with its reason."""

    source_id = scrapy.Field()
    stage = scrapy.Field()
    url = scrapy.Field()
    reason = scrapy.Field()
    payload = scrapy.Field()
    fetched_at = scrapy.Field()

MAX_QUARANTINE_PAYLOAD = 100_000

class AdapterSpider(scrapy.Spider):
    """Base of the five format adapters.

    Bound either to a registry `source` (class attribute set by the loader) or, to try a site
    before it is registered, to `-a url=... [-a source_id=...]`.
    """

    adapter: ClassVar[str] = ""
    source: ClassVar[Source | None] = None
    default_options: ClassVar[dict[str, Any]] = {}

    def __init__(self, url: str | None = None, source_id: str | None = None, options: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        demo_port = int(os.environ["GROUPDIR_DEMO_PORT"]) if os.environ.get("GROUPDIR_DEMO_PORT") else None
        if url:
            self.source_id = source_id or f"adhoc-{self.adapter}-{urlparse(url).hostname}"
            self.start_urls = [url]
            extra = json.loads(options) if options else {}
        elif self.source is not None:
            self.source_id = self.source.id
            self.start_urls = self.source.resolved_start_urls(demo_port)
            extra = dict(self.source.options)
        else:
            raise ValueError(f"spider {self.name!r} needs a registry source or -a url=...")
        self.options = {**self.default_options, **extra}
        self.allowed_domains = sorted({urlparse(u).hostname for u in self.start_urls if urlparse(u).hostname})
        self.source_timezone = self.source.timezone if self.source else self.options.get("timezone", "Europe/Brussels")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.on_spider_closed, signal=signals.spider_closed)
        return spider

    def on_request_dropped(self, request: Request, spider: scrapy.Spider) -> None:
        """A redirect back to a page already fetched is a loop: the page is lost, so it counts as failed."""
        if request.meta.get("redirect_times"):
            self.page_failed(f"redirect loop at {request.url}")

    def on_spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        """Scrapy drops a redirect to another domain without calling the errback; say so."""
        offsite = int(self.crawler.stats.get_value("offsite/filtered", 0) or 0)
        if offsite:
            self.page_failed(f"{offsite} redirect(s) to another domain refused")

    def page_failed(self, reason: str) -> None:
        self.crawler.stats.inc_value("groupdir/failed_pages")
        self.crawler.stats.set_value("groupdir/last_error", reason[:300])

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            # dont_filter (as Scrapy's own start requests): a redirect loop then ends at REDIRECT_MAX_TIMES
            # in the errback, with the page quarantined, instead of being silently dupe-filtered
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error, dont_filter=True)

    def listing(self, listing_url: str, raw: Any, **fields: Any) -> RawListingItem | QuarantineItem:
        """A raw item, or a quarantine record when the record lacks what every listing needs."""
        title = fields.get("title")
        if not (isinstance(title, str) and title.strip()):
            return self.quarantine(listing_url, "record has no title", raw, stage="crawl")
        return make_raw_item(source_id=self.source_id, listing_url=listing_url, raw=raw, **fields)

    def quarantine(self, url: str, reason: str, payload: Any, stage: str = "crawl") -> QuarantineItem:
        self.crawler.stats.inc_value("groupdir/quarantined")
        self.logger.warning("quarantined %s: %s", url, reason)
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)

        return QuarantineItem(
            source_id=self.source_id,
            stage=stage,
            url=url,
            reason=reason,
            payload=(text or "")[:MAX_QUARANTINE_PAYLOAD],
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def json_or_quarantine(self, response: Response) -> tuple[Any, QuarantineItem | None]:
        """Parsed JSON, or a quarantine record saying why the payload is unusable."""
        try:
            return json.loads(response.text), None
        except (ValueError, AttributeError) as exc:
            return None, self.quarantine(response.url, f"malformed JSON: {exc}", response.body[:MAX_QUARANTINE_PAYLOAD].decode("utf-8", "replace"))

    def on_error(self, failure: Failure):
        """A page that failed for good (after retries) is recorded, never silently lost."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        response = getattr(failure.value, "response", None)
        reason = f"HTTP {response.status}" if response is not None else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if "robots.txt" in reason:  # politeness, not bad input: counted, never quarantined
            self.crawler.stats.inc_value("groupdir/robots_forbidden")
            self.crawler.stats.set_value("groupdir/last_error", reason[:300])
            return
        self.page_failed(reason)
        yield self.quarantine(url, reason, "", stage="fetch")
