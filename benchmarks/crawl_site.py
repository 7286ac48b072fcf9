"""Crawl benchmark: a generated association site of a few thousand pages on 127.0.0.1, read by the
`html` adapter with politeness lifted (this benchmark only), then an unchanged second night."""

from __future__ import annotations

import json
from pathlib import Path

from spiders.demo_web.server import DemoWeb
from spiders.runner import crawl

PAGES = 3000
PER_LISTING_PAGE = 50
OPTIONS = {
    "item": "article.groupe",
    "fields": {"title": "h2 a::text", "schedule_text": ".horaire", "location_text": ".lieu"},
    "detail_link": "h2 a::attr(href)",
    "detail_fields": {"description": ".description", "price_text": ".tarif"},
    "next_page": "a.suivant::attr(href)",
}
LIFTED = {
    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "LOG_LEVEL": "WARNING",
}


def write_site(root: Path, pages: int = PAGES) -> None:
    site = root / "bench-site"
    (site / "groupes").mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    listing_pages = (pages + PER_LISTING_PAGE - 1) // PER_LISTING_PAGE
    for p in range(listing_pages):
        items = []
        for i in range(p * PER_LISTING_PAGE, min(pages, (p + 1) * PER_LISTING_PAGE)):
            items.append(f'<article class="groupe"><h2><a href="/groupe/{i}/">Groupe de parole n°{i}</a></h2>'
                         f'<p class="horaire">le mardi de 19h30 à 21h</p><p class="lieu">Rue Haute {i % 90 + 1}, 4000 Liège</p></article>')
            detail = site / "groupe" / str(i)
            detail.mkdir(parents=True)
            (detail / "index.html").write_text(
                f"<html><body><h1>Groupe de parole n°{i}</h1><div class='description'>Un espace d'écoute pour les proches "
                f"endeuillés, animé par des bénévoles formés.</div><p class='tarif'>gratuit</p></body></html>", encoding="utf-8")
        nxt = f'<a class="suivant" href="/groupes/{p + 2}/">suivant</a>' if p + 1 < listing_pages else ""
        folder = site / "groupes" / (str(p + 1) if p else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(f"<html><body>{''.join(items)}{nxt}</body></html>", encoding="utf-8")


def bench_crawl(workdir: Path) -> dict:
    write_site(workdir / "sites")
    cache = workdir / "cache"
    with DemoWeb(root=workdir / "sites", port=0) as web:
        url = web.urls["bench-site"] + "groupes/"
        args = {"url": url, "options": json.dumps(OPTIONS)}
        first = crawl("html", workdir / "night1", spider_args=args, settings=LIFTED, cache_dir=cache, timeout=600)
        second = crawl("html", workdir / "night2", spider_args=args, settings=LIFTED, cache_dir=cache, timeout=600)
    elapsed = float(first.stats.get("elapsed_time_seconds") or first.seconds)
    return {
        "pages": first.pages,
        "items": max(first.items, 0),
        "crawl_seconds": round(elapsed, 2),
        "process_seconds": round(first.seconds, 2),
        "pages_per_s": round(first.pages / elapsed) if elapsed else None,
        "first_bytes": first.wire_bytes,
        "second_bytes": second.wire_bytes,
        "second_bytes_fraction": round(second.wire_bytes / first.wire_bytes, 4) if first.wire_bytes else None,
        "second_time_fraction": round(second.seconds / first.seconds, 3) if first.seconds else None,
        "status": [first.status, second.status],
    }
