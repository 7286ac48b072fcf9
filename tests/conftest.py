"""Shared test fixtures: loopback servers for frozen sites, and crawls run as child processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spiders.demo_web.server import DemoWeb
from spiders.runner import CrawlResult, crawl, read_jsonl

TESTS_DIR = Path(__file__).parent

os.environ.setdefault("GROUPDIR_DATA_DIR", str(TESTS_DIR / ".." / "data" / "test-run"))


@pytest.fixture
def serve_sites() -> Iterator[Callable[[Path], dict[str, str]]]:
    """Serve a folder of site folders on free loopback ports; returns slug -> base URL."""
    webs: list[DemoWeb] = []

    def _serve(root: Path) -> dict[str, str]:
        web = DemoWeb(root=root, port=0).start()
        webs.append(web)
        return web.urls

    yield _serve
    for web in webs:
        web.stop()


class Crawled:
    """A finished crawl with its items and quarantine records loaded."""

    def __init__(self, result: CrawlResult) -> None:
        self.result = result
        self.items = read_jsonl(result.listings_path)
        self.quarantine = read_jsonl(result.quarantine_path)
        self.stats = result.stats


@pytest.fixture
def run_adapter(tmp_path: Path) -> Callable[..., Crawled]:
    """Crawl one URL with an adapter (`scrapy crawl ADAPTER -a url=URL`), caching disabled."""

    def _run(adapter: str, url: str, *, options: str | None = None, settings: dict | None = None) -> Crawled:
        args = {"url": url}
        if options:
            args["options"] = options
        result = crawl(
            adapter,
            tmp_path / f"crawl-{adapter}",
            spider_args=args,
            settings={"HTTPCACHE_ENABLED": False, **(settings or {})},
            profile="demo",
            timeout=120,
        )
        return Crawled(result)

    return _run
