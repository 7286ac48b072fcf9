"""Crawl accounting and guards shared by every adapter."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response

ALLOWED_SCHEMES = frozenset({"http", "https"})
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class WireBytesMiddleware:
    """Counts bytes and statuses as they cross the wire, before the HTTP cache replays a 304.

    Scrapy's own `downloader/response_bytes` sits behind the cache and counts the cached body.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WireBytesMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if "cached" in response.flags:
            return response  # served from the cache without any request at all
        size = len(response.body) + sum(len(k) + sum(len(v) for v in vs) for k, vs in response.headers.items())
        self.stats.inc_value("groupdir/wire_bytes", size)
        self.stats.inc_value("groupdir/wire_responses")
        self.stats.inc_value(f"groupdir/wire_status/{response.status}")
        return response


class SchemeFilterMiddleware:
    """Drops requests to anything but http(s): a listing may link to `javascript:` or `mailto:`."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchemeFilterMiddleware:
        return cls(crawler)

    async def process_spider_output_async(self, response, result, spider=None):
        async for obj in result:
            if self._allowed(obj):
                yield obj

    def process_spider_output(self, response, result, spider=None):
        for obj in result:
            if self._allowed(obj):
                yield obj

    async def process_start(self, start):
        async for obj in start:
            if self._allowed(obj):
                yield obj

    def _allowed(self, obj: object) -> bool:
        if isinstance(obj, Request) and urlparse(obj.url).scheme.lower() not in ALLOWED_SCHEMES:
            self.stats.inc_value("groupdir/refused_scheme")
            return False
        return True


class StatsFileExtension:
    """Writes the crawl's final stats as JSON so the parent process can judge the crawl.

    Scrapy exits 0 even when a spider yielded nothing; the runner reads this file instead.
    """

    def __init__(self, crawler: Crawler, path: str | None) -> None:
        self.crawler = crawler
        self.path = Path(path) if path else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFileExtension:
        ext = cls(crawler, crawler.settings.get("GROUPDIR_STATS_FILE"))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.path is None:
            return
        stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.crawler.stats.get_stats().items()}
        stats["finish_reason"] = reason
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, indent=1, sort_keys=True, default=str), encoding="utf-8")


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt as the major crawlers read it: a server error on robots.txt means "do not crawl
    now" (disallow all, the page is retried next night), not "anything goes"; 4xx means no rules."""

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("groupdir/robots_server_error")
            response = response.replace(body=DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)
