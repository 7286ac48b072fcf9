"""Hostile transport: every misbehaving server ends in a clear, recorded failure, never a crash.

Each case crawls one URL of the hostile loopback server with the `tec` adapter in a child
process, exactly as the nightly run does.
"""

from __future__ import annotations

import pytest

from tests.security.hostile_server import HostileServer

FAST = {"DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def test_a_sane_page_lands(run_adapter):
    with HostileServer() as server:
        crawled = run_adapter("tec", server.base + "events", settings=FAST)
    assert crawled.result.status == "ok"
    assert [i["title"] for i in crawled.items] == ["Groupe de parole pour aidants"]


@pytest.mark.parametrize(
    ("path", "reason_part"),
    [
        ("404", "HTTP 404"),
        ("410", "HTTP 410"),
        ("500", "HTTP 500"),
        ("503", "HTTP 503"),
        ("slow", "Timeout"),
        ("loop-a", "redirect"),
        ("bomb", "size"),
        ("huge", "size"),
        ("truncated", "quarantined"),
    ],
)
def test_misbehaving_server_gives_a_clear_failure(run_adapter, path, reason_part):
    with HostileServer() as server:
        crawled = run_adapter("tec", server.base + path, settings=FAST)
    result = crawled.result
    assert result.returncode == 0, "the crawler process itself must never crash"
    assert result.status == "failed"
    assert reason_part.lower() in (result.failure_reason or "").lower(), result.failure_reason
    assert crawled.items == []
    assert crawled.quarantine, "the failed page is recorded in quarantine with its reason"
    assert all(q["reason"] for q in crawled.quarantine)


def test_retries_back_off_on_503(run_adapter):
    with HostileServer() as server:
        crawled = run_adapter("tec", server.base + "503", settings=FAST)
        hits = server.hits.get("/503", 0)
    assert hits == 2, "one try and one retry (RETRY_TIMES=1)"
    assert crawled.stats.get("retry/count") == 1


def test_offsite_redirect_is_refused(run_adapter):
    with HostileServer() as server:
        crawled = run_adapter("tec", server.base + "offsite", settings=FAST)
    assert crawled.result.status == "failed"
    assert crawled.stats.get("offsite/filtered", 0) + crawled.stats.get("downloader/exception_type_count/scrapy.exceptions.IgnoreRequest", 0) >= 1
    assert not any("evil.example" in k for k in crawled.stats if k.startswith("groupdir/wire"))


def test_robots_disallowing_everything_is_obeyed(run_adapter):
    with HostileServer(robots=b"User-agent: *\nDisallow: /\n") as server:
        crawled = run_adapter("tec", server.base + "events", settings=FAST)
        hits = dict(server.hits)
    assert hits.get("/events", 0) == 0, "a disallowed page is never requested"
    assert crawled.result.status == "failed"
    assert "robots" in (crawled.result.failure_reason or "").lower()


def test_robots_answering_500_is_treated_as_disallow_all(run_adapter):
    """Like the major crawlers: a robots.txt that errors means 'do not crawl now', not 'anything goes'."""
    with HostileServer(robots=b"oops", robots_status=500) as server:
        crawled = run_adapter("tec", server.base + "events", settings=FAST)
        hits = dict(server.hits)
    assert hits.get("/events", 0) == 0
    assert crawled.result.status == "failed"
    assert "robots" in (crawled.result.failure_reason or "").lower()
