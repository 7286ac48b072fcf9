"""The Scrapy item for a raw listing, built from the one field list in `schemas.raw`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import scrapy

from schemas.raw import HASHED_FIELDS, RAW_FIELDS, STRUCTURED_FIELDS, TEXT_FIELDS

SPIDER_VERSION = "1"


class RawListingItem(scrapy.Item):
    """Every key of `schemas.raw.RAW_FIELDS`; nothing else."""

    fields = {name: scrapy.Field() for name in RAW_FIELDS}  # noqa: RUF012


def _as_text(value: Any) -> str | None:
    """Structured values travel as text; lists become ';'-joined so the raw schema stays flat."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        parts = [_as_text(v) for v in value]
        joined = ";".join(p for p in parts if p)
        return joined or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return text if text.strip() else None


def content_hash(fields: dict[str, Any]) -> str:
    """Hash of what the listing says, so an unchanged listing hashes the same every night."""
    payload = json.dumps({k: fields.get(k) for k in HASHED_FIELDS}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def make_raw_item(
    *,
    source_id: str,
    listing_url: str,
    raw: Any,
    spider_version: str = SPIDER_VERSION,
    fetched_at: str | None = None,
    **fields: Any,
) -> RawListingItem:
    """Build a raw item with its provenance; unknown field names are a programming error."""
    unknown = set(fields) - set(TEXT_FIELDS + STRUCTURED_FIELDS)
    if unknown:
        raise KeyError(f"not raw listing fields: {sorted(unknown)}")
    values = {name: _as_text(fields.get(name)) for name in TEXT_FIELDS + STRUCTURED_FIELDS}
    item = RawListingItem(**values)
    item["source_id"] = source_id
    item["listing_url"] = listing_url
    item["fetched_at"] = fetched_at or datetime.now(UTC).isoformat(timespec="seconds")
    item["spider_version"] = spider_version
    item["content_hash"] = content_hash(values)
    item["raw"] = raw if isinstance(raw, str) or raw is None else json.dumps(raw, ensure_ascii=False)
    return item
