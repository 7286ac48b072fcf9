"""A small loopback web server for the demo web and the spider fixtures.

Every folder of the root is one site on its own port. A request `path?query` is served from the
file `path@query` when the query is not empty (query parameters in the order sent), else from
`path`, or `index.html` / `index.json` for a folder. `{{BASE_URL}}` inside a file is replaced by
the site's base URL so absolute links work on any port.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from spiders.demo_web import SITES_DIR, base_port, site_slugs

INDEX_FILES = ("index.html", "index.json")


def resolve_file(site_root: Path, raw_path: str) -> Path | None:
    """The file that answers `raw_path` (path and query), or None; never outside `site_root`."""
    parts = urlsplit(raw_path)
    rel = unquote(parts.path).lstrip("/")
    candidate = (site_root / rel).resolve()
    root = site_root.resolve()
    if root not in (candidate, *candidate.parents):
        return None
    if parts.query:
        with_query = candidate.parent / f"{candidate.name}@{unquote(parts.query)}"
        return with_query if with_query.is_file() else None
    if candidate.is_dir():
        return next((candidate / n for n in INDEX_FILES if (candidate / n).is_file()), None)
    return candidate if candidate.is_file() else None


class SiteHandler(SimpleHTTPRequestHandler):
    site_root: Path
    base_url: str

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        path = resolve_file(self.site_root, self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = path.read_bytes().replace(b"{{BASE_URL}}", self.base_url.encode("ascii"))
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(str(path).split("@", 1)[0]))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        return


class DemoWeb:
    """Serves every site folder of `root` on 127.0.0.1; `base_port=0` picks free ports (tests)."""

    def __init__(self, root: Path = SITES_DIR, port: int | None = None) -> None:
        self.root = Path(root)
        self.port = base_port(port)
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.urls: dict[str, str] = {}

    def start(self) -> DemoWeb:
        for index, slug in enumerate(site_slugs(self.root)):
            port = 0 if self.port == 0 else self.port + index
            handler = type(f"Handler_{index}", (SiteHandler,), {"site_root": self.root / slug, "base_url": ""})
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            server.daemon_threads = True
            handler.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
            self.servers[slug] = server
            self.urls[slug] = handler.base_url
            threading.Thread(target=server.serve_forever, name=f"demo-{slug}", daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    import time

    with DemoWeb() as web:
        for slug, url in web.urls.items():
            print(f"{slug:30s} {url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
