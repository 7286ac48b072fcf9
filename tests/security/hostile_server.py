"""A loopback server that misbehaves on purpose: the hostile transport a crawler meets in the wild.

Every route is bounded in time and size so the tests stop by themselves.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EVENT = {
    "id": 101, "status": "publish", "title": "Groupe de parole pour aidants", "url": "{base}event/101/",
    "description": "<p>Un espace d'écoute pour les proches aidants.</p>", "start_date": "2026-12-08 19:30:00",
    "end_date": "2026-12-08 21:00:00", "timezone": "Europe/Brussels", "all_day": False, "cost": "Gratuit",
    "venue": {"venue": "Maison des associations", "address": "Rue Haute 12", "city": "Liège", "zip": "4000", "country": "Belgique"},
    "organizer": [{"organizer": "Entraide Test asbl", "email": "info@entraide-test.example"}],
    "categories": [{"name": "Groupe de parole", "slug": "groupe-de-parole"}],
}
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB of zeros in ~64 KiB


def tec_page(base: str, events: list[dict]) -> bytes:
    filled = [json.loads(json.dumps(e).replace("{base}", base)) for e in events]
    return json.dumps({"events": filled, "rest_url": base + "events", "total": len(filled), "total_pages": 1}).encode()


class HostileHandler(BaseHTTPRequestHandler):
    robots: bytes | None = b"User-agent: *\nAllow: /\n"
    robots_status: int = 200
    hits: dict[str, int]

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        path = self.path.split("?", 1)[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if path == "/robots.txt":
            self._send(self.robots_status, self.robots or b"", {"Content-Type": "text/plain"})
        elif path == "/events":
            self._send(200, tec_page(base, [EVENT]), json_type)
        elif path == "/truncated":
            self._send(200, tec_page(base, [EVENT])[:120], json_type)
        elif path in ("/404", "/410", "/500"):
            self._send(int(path[1:]), b"error", {"Content-Type": "text/plain"})
        elif path == "/503":
            self._send(503, b"busy", {"Retry-After": "1", "Content-Type": "text/plain"})
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            for _ in range(40):  # drips for at most ~10 s, long after the crawler's timeout
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.25)
        elif path in ("/loop-a", "/loop-b"):
            self._send(302, headers={"Location": base + ("loop-b" if path == "/loop-a" else "loop-a")})
        elif path == "/offsite":
            self._send(302, headers={"Location": "http://evil.example/steal"})
        elif path == "/bomb":
            self._send(200, BOMB, {"Content-Encoding": "gzip", "Content-Type": "application/json"})
        elif path == "/huge":
            self._send(200, b"x" * (8 * 1024 * 1024), {"Content-Type": "application/json"})
        else:
            self._send(404, b"not found")


class HostileServer:
    def __init__(self, robots: bytes | None = b"User-agent: *\nAllow: /\n", robots_status: int = 200) -> None:
        handler = type("Handler", (HostileHandler,), {"robots": robots, "robots_status": robots_status, "hits": {}})
        self.handler = handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def hits(self) -> dict[str, int]:
        return self.handler.hits

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
