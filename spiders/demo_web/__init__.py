"""The demo web: fictitious association websites served from files on 127.0.0.1.

Each site (a folder of `sites/`) gets its own port, base port + its index in sorted order, so
that robots.txt and per-domain politeness apply per site exactly as on the real web.
"""

from __future__ import annotations

import os
from pathlib import Path

SITES_DIR = Path(__file__).with_name("sites")
DEFAULT_BASE_PORT = 8700


def base_port(explicit: int | None = None) -> int:
    if explicit is not None:
        return explicit
    return int(os.environ.get("GROUPDIR_DEMO_PORT", DEFAULT_BASE_PORT))


def site_slugs(root: Path = SITES_DIR) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def site_port(slug: str, port: int | None = None, root: Path = SITES_DIR) -> int:
    slugs = site_slugs(root)
    if slug not in slugs:
        raise KeyError(f"no demo site {slug!r}; sites: {slugs}")
    return base_port(port) + slugs.index(slug)


def site_base_url(slug: str, port: int | None = None, root: Path = SITES_DIR) -> str:
    return f"http://127.0.0.1:{site_port(slug, port, root)}/"


def ports_free(first: int, count: int) -> bool:
    import socket

    for port in range(first, first + count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_base_port(preferred: int | None = None, root: Path = SITES_DIR) -> int:
    """The preferred base port if all its site ports are free (so the HTTP cache keys stay the
    same night after night), else the next free block."""
    count = len(site_slugs(root))
    port = base_port(preferred)
    for _ in range(50):
        if ports_free(port, count):
            return port
        port += count + 1
    raise OSError(f"no block of {count} free loopback ports from {base_port(preferred)}")
