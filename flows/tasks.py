"""Prefect tasks: thin wrappers that give each stage a name, retries and a place in the UI."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from prefect import task
from prefect.logging import get_run_logger

from spiders.registry import Source
from spiders.runner import CrawlResult, crawl

_site_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_site_locks_guard = threading.Lock()


class CrawlFailed(RuntimeError):
    """Raised so Prefect retries a failed crawl; carries the result for the run summary."""

    def __init__(self, result: CrawlResult) -> None:
        super().__init__(f"{result.spider}: {result.failure_reason}")
        self.result = result


def _site_lock(source: Source, demo_port: int | None) -> threading.Lock:
    """One crawl at a time per site (host and port), whatever the flow's parallelism."""
    urls = source.resolved_start_urls(demo_port)
    key = urlsplit(urls[0]).netloc if urls else source.id
    with _site_locks_guard:
        return _site_locks[key]


@task(name="crawl-source", retries=1, retry_delay_seconds=2, timeout_seconds=1800, task_run_name="crawl {source.id}")
def crawl_source(source: Source, landing_dir: Path, cache_dir: Path, profile: str, demo_port: int | None, timeout: float) -> CrawlResult:
    with _site_lock(source, demo_port):
        result = crawl(source.id, landing_dir / source.id, profile=profile, demo_port=demo_port, cache_dir=cache_dir, timeout=timeout)
    logger = get_run_logger()
    logger.info("%s: %s, %d listings, %d quarantined, %d pages, %d bytes in %.1f s", source.id, result.status,
                max(result.items, 0), result.quarantined, result.pages, result.wire_bytes, result.seconds)
    if result.status == "failed":
        raise CrawlFailed(result)
    return result
