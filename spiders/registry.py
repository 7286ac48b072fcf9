"""The source registry (`sources.yaml`): every association site we read, per profile.

A new source that speaks a known format is an entry here, not code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import yaml

REGISTRY_PATH = Path(__file__).with_name("sources.yaml")
ADAPTERS: tuple[str, ...] = ("tec", "meeting_guide", "jsonld", "ical", "html")
DEFAULT_PROFILE = "demo"


@dataclass(frozen=True)
class Source:
    """One registry entry."""

    id: str
    name: str
    adapter: str
    start_urls: tuple[str, ...]
    organisation: str = ""
    country: str = ""
    languages: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    contact: str = ""
    demo_site: str | None = None
    unverified: bool = False
    timezone: str = "Europe/Brussels"

    def resolved_start_urls(self, demo_base_port: int | None = None) -> list[str]:
        """Absolute start URLs; demo sources resolve against their demo site's loopback port."""
        if self.demo_site is None:
            return list(self.start_urls)
        from spiders.demo_web import site_base_url

        base = site_base_url(self.demo_site, demo_base_port)
        return [urljoin(base, u) for u in self.start_urls]

    def allowed_domains(self, demo_base_port: int | None = None) -> list[str]:
        return sorted({urlparse(u).hostname or "" for u in self.resolved_start_urls(demo_base_port)} - {""})


def active_profile() -> str:
    return os.environ.get("GROUPDIR_PROFILE", DEFAULT_PROFILE)


@cache
def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def profile_settings(profile: str | None = None, path: Path = REGISTRY_PATH) -> dict[str, Any]:
    """Scrapy settings a profile overrides (the demo web lifts delays; live keeps them)."""
    data = _load(path)
    return dict(data.get("profiles", {}).get(profile or active_profile(), {}).get("settings") or {})


def load_sources(profile: str | None = None, path: Path = REGISTRY_PATH, *, enabled_only: bool = False) -> list[Source]:
    """Sources of a profile, validated: a broken entry is a clear error at load, not a silent skip."""
    data = _load(path)
    name = profile or active_profile()
    profiles = data.get("profiles", {})
    if name not in profiles:
        raise KeyError(f"unknown profile {name!r}; known: {sorted(profiles)}")
    sources = []
    seen: set[str] = set()
    for entry in profiles[name].get("sources") or []:
        src = _source_from_entry(entry)
        if src.id in seen:
            raise ValueError(f"duplicate source id {src.id!r} in profile {name!r}")
        seen.add(src.id)
        if src.enabled or not enabled_only:
            sources.append(src)
    return sources


def get_source(source_id: str, profile: str | None = None) -> Source:
    for src in load_sources(profile):
        if src.id == source_id:
            return src
    raise KeyError(f"unknown source {source_id!r} in profile {profile or active_profile()!r}")


def _source_from_entry(entry: dict[str, Any]) -> Source:
    missing = [k for k in ("id", "name", "adapter", "start_urls") if not entry.get(k)]
    if missing:
        raise ValueError(f"source entry {entry.get('id', '?')!r} lacks {missing}")
    if entry["adapter"] not in ADAPTERS:
        raise ValueError(f"source {entry['id']!r}: unknown adapter {entry['adapter']!r}; known: {ADAPTERS}")
    return Source(
        id=str(entry["id"]),
        name=str(entry["name"]),
        adapter=str(entry["adapter"]),
        start_urls=tuple(entry["start_urls"]),
        organisation=str(entry.get("organisation", "")),
        country=str(entry.get("country", "")),
        languages=tuple(entry.get("languages") or ()),
        options=dict(entry.get("options") or {}),
        enabled=bool(entry.get("enabled", True)),
        contact=str(entry.get("contact", "")),
        demo_site=entry.get("demo_site"),
        unverified=bool(entry.get("unverified", False)),
        timezone=str(entry.get("timezone", "Europe/Brussels")),
    )
