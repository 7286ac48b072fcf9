"""Runs one crawl in a child process and judges it from its stats.

Twisted's reactor cannot restart in one process and Scrapy exits 0 even when a spider yielded
nothing (STACK.md), so every crawl is a `python -m scrapy crawl` child whose stats file decides.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTINGS_FILE = "listings.jsonl"
QUARANTINE_FILE = "quarantine.jsonl"
STATS_FILE = "stats.json"
RESULT_FILE = "result.json"
LOG_FILE = "crawl.log"


@dataclass
class CrawlResult:
    """What one crawl produced and how it went."""

    spider: str
    out_dir: Path
    returncode: int | None
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def listings_path(self) -> Path:
        return self.out_dir / LISTINGS_FILE

    @property
    def quarantine_path(self) -> Path:
        return self.out_dir / QUARANTINE_FILE

    @property
    def items(self) -> int:
        return int(self.stats.get("item_scraped_count", 0)) - self.quarantined

    @property
    def quarantined(self) -> int:
        return int(self.stats.get("groupdir/quarantined", 0))

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def wire_bytes(self) -> int:
        return int(self.stats.get("groupdir/wire_bytes", 0))

    @property
    def status(self) -> str:
        """`ok`, `empty` (ran, found nothing) or `failed` (with `error` saying why)."""
        if self.error or self.returncode != 0:
            return "failed"
        reason = self.stats.get("finish_reason")
        if reason != "finished":
            return "failed"
        if self.items <= 0:
            blocked = self.stats.get("groupdir/failed_pages") or self.stats.get("groupdir/robots_forbidden")
            return "failed" if blocked or self.quarantined else "empty"
        return "ok"

    @property
    def failure_reason(self) -> str | None:
        if self.status != "failed":
            return None
        if self.error:
            return self.error
        if self.returncode != 0:
            return f"crawler exited with {self.returncode}"
        if self.stats.get("finish_reason") != "finished":
            return f"crawl ended: {self.stats.get('finish_reason', 'no stats written')}"
        statuses = sorted(k.rsplit("/", 1)[-1] for k in self.stats if k.startswith("groupdir/wire_status/") and not k.endswith(("/200", "/304")))
        detail = f" (HTTP {', '.join(statuses)})" if statuses else ""
        last = self.stats.get("groupdir/last_error")
        cause = f": {last}" if last else ""
        failed = int(self.stats.get("groupdir/failed_pages", 0))
        forbidden = int(self.stats.get("groupdir/robots_forbidden", 0))
        robots = f", {forbidden} forbidden by robots.txt" if forbidden else ""
        return f"no listings: {failed} page(s) failed{robots}, {self.quarantined} record(s) quarantined{detail}{cause}"


    def save(self) -> None:
        """Keep how the crawl went next to what it landed, so a night can be replayed offline."""
        record = {"spider": self.spider, "returncode": self.returncode, "seconds": self.seconds, "error": self.error}
        (self.out_dir / RESULT_FILE).write_text(json.dumps(record), encoding="utf-8")

    @classmethod
    def load(cls, out_dir: Path) -> CrawlResult:
        record = json.loads((Path(out_dir) / RESULT_FILE).read_text(encoding="utf-8"))
        stats_path = Path(out_dir) / STATS_FILE
        stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}
        return cls(out_dir=Path(out_dir), stats=stats, **record)

    def summary(self) -> dict[str, Any]:
        """The figures a run records per source."""
        http_errors = sum(int(v) for k, v in self.stats.items() if k.startswith("groupdir/wire_status/") and int(k.rsplit("/", 1)[-1]) >= 400)
        return {
            "source_id": self.spider, "status": self.status, "items": max(self.items, 0), "quarantined": self.quarantined,
            "pages": self.pages, "wire_bytes": self.wire_bytes, "http_errors": http_errors,
            "seconds": round(self.seconds, 3), "error": self.failure_reason, "finish_reason": self.stats.get("finish_reason"),
        }


def feeds_setting(out_dir: Path) -> str:
    """Listings and quarantine records to separate JSON Lines files."""
    return json.dumps(
        {
            (out_dir / LISTINGS_FILE).as_uri(): {
                "format": "jsonlines", "overwrite": True, "encoding": "utf-8",
                "item_classes": ["spiders.items.RawListingItem"],
            },
            (out_dir / QUARANTINE_FILE).as_uri(): {
                "format": "jsonlines", "overwrite": True, "encoding": "utf-8",
                "item_classes": ["spiders.base.QuarantineItem"],
            },
        }
    )


def crawl(
    spider: str,
    out_dir: Path,
    *,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    profile: str | None = None,
    demo_port: int | None = None,
    cache_dir: Path | None = None,
    timeout: float = 900,
) -> CrawlResult:
    """Crawl `spider` (a source id or an adapter name) into `out_dir`; never raises for a bad site."""
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in (LISTINGS_FILE, QUARANTINE_FILE, STATS_FILE):
        (out_dir / name).unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"FEEDS={feeds_setting(out_dir)}",
           "-s", f"GROUPDIR_STATS_FILE={out_dir / STATS_FILE}", "-s", f"LOG_FILE={out_dir / LOG_FILE}"]
    if cache_dir is not None:
        cmd += ["-s", f"HTTPCACHE_DIR={Path(cache_dir).resolve()}"]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={json.dumps(value) if isinstance(value, dict | list) else value}"]
    for key, value in (spider_args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if profile:
        env["GROUPDIR_PROFILE"] = profile
    if demo_port is not None:
        env["GROUPDIR_DEMO_PORT"] = str(demo_port)
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        returncode, error = proc.returncode, None
        if proc.returncode != 0:
            error = _last_line(proc.stderr) or f"crawler exited with {proc.returncode}"
    except subprocess.TimeoutExpired:
        returncode, error = None, f"timed out after {timeout:.0f} s"
    result = CrawlResult(spider=spider, out_dir=out_dir, returncode=returncode, seconds=time.monotonic() - started, error=error)
    stats_path = out_dir / STATS_FILE
    if stats_path.is_file():
        result.stats = json.loads(stats_path.read_text(encoding="utf-8"))
    for name in (LISTINGS_FILE, QUARANTINE_FILE):
        (out_dir / name).touch()
    result.save()
    return result


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _last_line(text: str) -> str:
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:500] if lines else ""
