"""A small loopback web server for the demo web and the spider fixtures.

Every folder of the root is one site on its own port. A request `path?query` is served from the
file `path@query` when the query is not empty (query parameters in the order sent), else from
`path`, or `index.html` / `index.json` for a folder. `{{BASE_URL}}` inside a file is replaced by
the site's base URL so absolute links work on any port.

It behaves like a real site where the crawler cares: `ETag` / `Last-Modified` validators and
`304 Not Modified` (so the nightly HTTP cache revalidates instead of downloading), a
Content-Type with charset, and per-site special behaviour from a `_site.yaml` that is never
served (see `SiteRules`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from fnmatch import fnmatchcase
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from spiders.demo_web import SITES_DIR, base_port, site_slugs

INDEX_FILES = ("index.html", "index.json")
SITE_RULES_FILE = "_site.yaml"
CACHE_CONTROL = "max-age=0"
"""Stale at once, so every night revalidates. Not `no-cache`: Scrapy's RFC2616Policy then refetches
without sending the validators, and the conditional GET (304) never happens."""
POLL_SECONDS = 0.05
"""How often a serve loop checks for shutdown: stopping the demo web takes about this long."""
MAX_DELAY_SECONDS = 5.0
"""A slow page must stay a slow page, never a hung test."""

CONTENT_TYPES = {
    ".json": "application/json",
    ".ics": "text/calendar",
    ".xml": "application/xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
}
SNIFFED_TYPES = ((b"{", "application/json"), (b"[", "application/json"), (b"BEGIN:VCALENDAR", "text/calendar"),
                 (b"<?xml", "application/xml"), (b"<", "text/html"))
"""For extension-less API paths (`events@per_page=20`, `admin-ajax.php@action=meetings`)."""


def resolve_file(site_root: Path, raw_path: str) -> Path | None:
    """The file that answers `raw_path` (path and query), or None; never outside `site_root`,
    never the site's rules file."""
    parts = urlsplit(raw_path)
    rel = unquote(parts.path).lstrip("/")
    root = site_root.resolve()
    candidate = (site_root / rel).resolve()
    if not _inside(root, candidate):
        return None
    if parts.query:
        query = unquote(parts.query)
        if "/" in query or "\\" in query or "\x00" in query:  # `?x/../../secret` must not walk out
            return None
        with_query = (candidate.parent / f"{candidate.name}@{query}").resolve()
        return with_query if _inside(root, with_query) and with_query.is_file() else None
    if candidate.is_dir():
        return next((candidate / n for n in INDEX_FILES if (candidate / n).is_file()), None)
    return candidate if candidate.is_file() else None


def _inside(root: Path, path: Path) -> bool:
    """`path` (resolved) lies in `root` and is not the rules file."""
    return root in (path, *path.parents) and path.name != SITE_RULES_FILE


# --- per-site rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathRule:
    """What a path (an fnmatch pattern on `path` or `path?query`) does differently."""

    status: int | None = None
    charset: str | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class SiteRules:
    """A site's `_site.yaml`: `status` for the whole site, and `paths: {pattern: {status, charset,
    delay}}`; the first matching pattern wins."""

    status: int | None = None
    paths: tuple[tuple[str, PathRule], ...] = ()

    def for_path(self, raw_path: str) -> PathRule:
        parts = urlsplit(raw_path)
        targets = (unquote(parts.path), f"{unquote(parts.path)}?{unquote(parts.query)}" if parts.query else None)
        rule = next((r for pattern, r in self.paths if any(t and fnmatchcase(t, pattern) for t in targets)), PathRule())
        return PathRule(status=rule.status or self.status, charset=rule.charset,
                        delay=min(max(rule.delay, 0.0), MAX_DELAY_SECONDS))


def site_rules(site_root: Path) -> SiteRules:
    """The rules of a site folder (none when it has no `_site.yaml`)."""
    path = site_root / SITE_RULES_FILE
    data: dict[str, Any] = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}
    paths = tuple(
        (pattern, PathRule(status=spec.get("status"), charset=spec.get("charset"), delay=float(spec.get("delay", 0))))
        for pattern, spec in (data.get("paths") or {}).items()
    )
    return SiteRules(status=data.get("status"), paths=paths)


def content_type(path: Path, body: bytes, charset: str | None) -> str:
    """Media type by extension (the `@query` part ignored), else sniffed, with its charset: the
    rule's, else utf-8 when the bytes are UTF-8; a file in another encoding without a rule gets no
    charset, so its own `<meta charset>` decides (a header would override it)."""
    suffix = Path(path.name.split("@", 1)[0]).suffix.lower()
    media = CONTENT_TYPES.get(suffix)
    if media is None:
        head = body.lstrip()[:32]
        media = next((m for prefix, m in SNIFFED_TYPES if head.startswith(prefix)), "application/octet-stream")
    charset = charset or ("utf-8" if is_utf8(body) else None)
    return f"{media}; charset={charset}" if charset else media


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(headers: Any, etag: str, mtime: int) -> bool:
    """Whether the client's cached copy is current; If-None-Match wins over If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if not if_modified_since:
        return False
    try:
        return mtime <= int(parsedate_to_datetime(if_modified_since).timestamp())
    except (TypeError, ValueError, IndexError):
        return False


# --- accounting ----------------------------------------------------------------------------------


@dataclass
class SiteStats:
    """Requests, body bytes and statuses of one site, safe to update from handler threads."""

    requests: int = 0
    bytes: int = 0
    status: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, status: int, sent: int) -> None:
        with self.lock:
            self.requests += 1
            self.bytes += sent
            self.status[status] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": self.requests, "bytes": self.bytes, "status": dict(self.status)}


# --- the handler ---------------------------------------------------------------------------------


class SiteHandler(BaseHTTPRequestHandler):
    site_root: Path
    base_url: str
    rules: SiteRules
    stats: SiteStats
    server_version = "demo-web/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(with_body=False)

    def answer(self, *, with_body: bool) -> None:
        rule = self.rules.for_path(self.path)
        if rule.delay:
            time.sleep(rule.delay)
        if rule.status and rule.status >= 400:
            self.send_plain(rule.status, with_body=with_body)
            return
        path = resolve_file(self.site_root, self.path)
        if path is None:
            self.send_plain(HTTPStatus.NOT_FOUND, with_body=with_body)
            return
        body = path.read_bytes().replace(b"{{BASE_URL}}", self.base_url.encode("ascii"))
        etag, mtime = etag_of(body), int(path.stat().st_mtime)
        status = HTTPStatus.NOT_MODIFIED if not_modified(self.headers, etag, mtime) else HTTPStatus(rule.status or 200)
        self.send_response(status)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        self.send_header("Cache-Control", CACHE_CONTROL)
        if status == HTTPStatus.NOT_MODIFIED:
            self.end_headers()
            self.stats.record(status, 0)
            return
        self.send_header("Content-Type", content_type(path, body, rule.charset))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)
        self.stats.record(status, len(body) if with_body else 0)

    def send_plain(self, status: int, *, with_body: bool) -> None:
        body = f"{int(status)} {HTTPStatus(status).phrase}\n".encode("ascii")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)
        self.stats.record(status, len(body) if with_body else 0)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


class DemoWeb:
    """Serves every site folder of `root` on 127.0.0.1; `port=0` picks free ports (tests)."""

    def __init__(self, root: Path = SITES_DIR, port: int | None = None) -> None:
        self.root = Path(root)
        self.port = base_port(port)
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.urls: dict[str, str] = {}
        self._stats: dict[str, SiteStats] = {}

    def start(self) -> DemoWeb:
        for index, slug in enumerate(site_slugs(self.root)):
            port = 0 if self.port == 0 else self.port + index
            site_root = self.root / slug
            self._stats[slug] = SiteStats()
            attributes = {"site_root": site_root, "base_url": "", "rules": site_rules(site_root), "stats": self._stats[slug]}
            handler = type(f"Handler_{index}", (SiteHandler,), attributes)
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            server.daemon_threads = True
            handler.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
            self.servers[slug] = server
            self.urls[slug] = handler.base_url
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS},
                             name=f"demo-{slug}", daemon=True).start()
        return self

    def stats(self) -> dict[str, dict[str, Any]]:
        """Per site: `requests`, `bytes` (bodies sent) and `status` (count per HTTP status)."""
        return {slug: stats.snapshot() for slug, stats in self._stats.items()}

    def stop(self) -> None:
        """Stop every site at once (each shutdown waits for its serve loop's next poll)."""
        stoppers = [threading.Thread(target=server.shutdown) for server in self.servers.values()]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for server in self.servers.values():
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """Serve the bundled demo web until Ctrl-C."""
    with DemoWeb() as web:
        for slug, url in web.urls.items():
            print(f"{slug:30s} {url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
