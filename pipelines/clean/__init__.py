"""The clean stage: raw listings become plain text and fields people can filter on.

Each concern lives in its own module (text, language, schedule, place, price, contact, status);
this module assembles them, identifies records and quarantines what cannot be cleaned, so that a
bad row costs only itself and no listing disappears without a recorded reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd
import pandera.errors

from pipelines.clean.contact import listing_contacts
from pipelines.clean.language import listing_languages
from pipelines.clean.place import DEFAULT_TIMEZONES, listing_places
from pipelines.clean.price import listing_prices
from pipelines.clean.schedule import known_timezone, listing_schedules
from pipelines.clean.status import entries, statuses
from pipelines.clean.text import as_flags, clean_text_columns, unique_map
from pipelines.compact import compact, concatenated
from schemas.clean import ORIGIN_FIELDS, TEXT_COLUMNS, CleanListing
from schemas.quarantine import (
    combined_quarantine,
    empty_quarantine,
    quarantine_rows,
    reasons_from_schema_errors,
)
from schemas.raw import RAW_FIELDS

__all__ = ["CleanResult", "batch_record_ids", "clean_listings", "cleaned_chunk"]

DEFAULT_TIMEZONE = "Europe/Brussels"
WINDOWS_TIMEZONES = {
    "romance standard time": "Europe/Paris",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "gmt standard time": "Europe/London",
}
STAGE = "clean"


@dataclass
class CleanResult:
    clean: pd.DataFrame  # validated by CleanListing; one row per accepted input row, in input order
    quarantine: pd.DataFrame  # schemas.quarantine columns, stage "clean"

    @classmethod
    def combined(cls, results: list[CleanResult]) -> CleanResult:
        """One result for the chunks of one batch (`pipelines.chunks.listing_chunks`), in chunk order;
        chunks held dictionary-encoded (`cleaned_chunk`) stay so."""
        if len(results) == 1:
            return results[0]
        kept = [r.clean for r in results if len(r.clean)] or [results[0].clean]
        return cls(clean=concatenated(kept), quarantine=combined_quarantine(*(r.quarantine for r in results)))


def clean_listings(raw: pd.DataFrame, *, today: dt.date | None = None,
                   source_countries: Mapping[str, str] | None = None) -> CleanResult:
    """Clean every row it can, quarantine the others with their reason; never raises on input data.

    `source_countries` (source id → BE/FR/CH/LU, from the registry) places a bare four-digit
    postcode, which Belgium, Switzerland and Luxembourg all use, in the source's country."""
    today = today or dt.date.today()
    if raw is None or len(raw) == 0:
        return CleanResult(clean=_empty_clean(raw), quarantine=empty_quarantine())
    frame = _with_raw_columns(raw)
    try:
        return _clean_frame(frame, today, source_countries or {})
    except Exception as exc:  # noqa: BLE001 - a bug must cost the batch a quarantine, not the night
        reasons = pd.Series(f"clean stage error: {type(exc).__name__}: {exc}"[:500], index=frame.index)
        return CleanResult(clean=_empty_clean(raw), quarantine=quarantine_rows(frame, STAGE, reasons))


def _with_raw_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """Every raw field present (missing ones null) as text; pass-through columns kept untouched."""
    frame = raw.reset_index(drop=True).copy()
    for name in RAW_FIELDS:
        if name not in frame.columns:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="str")
        elif frame[name].dtype != "str":  # text already (the landing's validation gives text)
            frame[name] = frame[name].astype("object").map(_as_text, na_action="ignore").astype("str")
    return frame


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value if v is not None) or None
    if isinstance(value, float) and pd.isna(value):
        return None
    return str(value)


def record_ids(frame: pd.DataFrame) -> pd.Series:
    """`source_id:external_id`, else `source_id:sha1(listing_url)[:16]`; the row's `id` when there is no source."""
    url_hash = frame["listing_url"].astype("object").map(
        lambda u: hashlib.sha1(u.encode("utf-8"), usedforsecurity=False).hexdigest()[:16], na_action="ignore"
    )
    local = frame["external_id"].astype("str").str.strip().replace("", pd.NA)
    local = local.where(local.notna(), url_hash.astype("str"))
    ids = (frame["source_id"].astype("str") + ":" + local).astype("str")
    if "id" in frame.columns:
        own = frame["id"].astype("object").map(_as_text, na_action="ignore").astype("str")
        ids = ids.where(frame["source_id"].notna(), own)
    return ids


IDENTITY_FIELDS = ("source_id", "external_id", "listing_url", "id")


def _with_file_source(frame: pd.DataFrame) -> pd.DataFrame:
    """A row with an `id` but no source (a file of listings) belongs to the source "file"."""
    return frame.assign(source_id=frame["source_id"].where(frame["source_id"].notna() | ~_has(frame, "id"), "file"))


def batch_record_ids(raw: pd.DataFrame) -> pd.Series:
    """The record id clean gives each raw row (its repeats within a batch are quarantined), by position."""
    present = [c for c in IDENTITY_FIELDS if c in raw.columns]
    return record_ids(_with_file_source(_with_raw_columns(raw[present])))


def _clean_frame(frame: pd.DataFrame, today: dt.date, source_countries: Mapping[str, str]) -> CleanResult:
    reasons = pd.Series(pd.NA, index=frame.index, dtype="object")
    frame = _with_file_source(frame)
    frame["record_id"] = record_ids(frame)
    original = frame  # quarantine payloads show what came in, not what cleaning left of it
    frame = clean_text_columns(frame, (*TEXT_COLUMNS, "categories"))

    reasons = _first_reason(reasons, frame["record_id"].isna(), "no source_id, external_id, listing_url or id to identify the listing")
    reasons = _first_reason(reasons, frame["title"].isna(), "no title after cleaning")
    bad_url = ~frame["listing_url"].astype("str").str.match(r"^(?:https?://[^\s/]+\.[^\s]*|https?://localhost|https?://127\.|file://\S+)", case=False).fillna(False).astype(bool)
    reasons = _first_reason(reasons, bad_url, "invalid listing_url (need http(s):// or file://)")
    duplicate = frame["record_id"].notna() & frame["record_id"].duplicated(keep="first")
    first_row = frame.groupby("record_id", sort=False).cumcount()
    reasons = _first_reason(
        reasons, duplicate & reasons.isna(),
        "duplicate record_id " + frame["record_id"].astype("str") + " in one batch (kept its first row; this is repeat " + first_row.astype("str") + ")",
    )
    rejected = reasons.notna()
    good = frame.loc[~rejected]
    cleaned = _derived_fields(good, today, source_countries) if len(good) else _empty_clean(frame)
    accepted, invalid = _validated(cleaned)
    quarantine = [quarantine_rows(original.loc[rejected], STAGE, reasons[rejected])] if rejected.any() else []
    if len(invalid):
        quarantine.append(invalid)
    clean = _ordered_columns(accepted.reset_index(drop=True))
    return CleanResult(
        clean=clean,
        quarantine=pd.concat(quarantine, ignore_index=True) if quarantine else empty_quarantine(),
    )


def _has(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].notna()


def _first_reason(reasons: pd.Series, condition: pd.Series, reason: str | pd.Series) -> pd.Series:
    """`reasons` with `reason` set where `condition` holds and no earlier reason was recorded."""
    return reasons.mask(as_flags(condition) & reasons.isna(), reason)


def timezones(raw_timezone: pd.Series, country: pd.Series) -> pd.Series:
    """The source's IANA zone (Windows names mapped), else the country's, else Europe/Brussels."""
    text = raw_timezone.astype("str").str.strip()
    windows = text.str.lower().map(WINDOWS_TIMEZONES)
    text = windows.where(windows.notna(), text).astype("str")
    valid = as_flags(unique_map(text, known_timezone))
    fallback = country.map(DEFAULT_TIMEZONES).fillna(DEFAULT_TIMEZONE)
    return text.where(valid, fallback).astype("str")


def _derived_fields(frame: pd.DataFrame, today: dt.date, source_countries: Mapping[str, str]) -> pd.DataFrame:
    """The cleaned frame plus every derived column of `CleanListing` and the origin columns."""
    out = frame.copy()
    out["language"], out["language_origin"] = listing_languages(frame)
    place = listing_places(frame, frame["source_id"].map(source_countries))
    out["timezone"] = timezones(frame["timezone"], place["country"])
    schedule = listing_schedules(frame, out["timezone"], today)
    price = listing_prices(frame["price_text"], frame["description"], place["country"])
    contact = listing_contacts(frame, place["country"])
    cue_text = frame[["title", "schedule_text", "price_text", "contact_text"]].assign(
        description=frame["description"].str.slice(0, 3000)
    )
    entry, entry_origin = entries(frame["categories"], cue_text)
    headline = frame["title"].fillna("") + " . " + frame["schedule_text"].fillna("")
    status, status_origin = statuses(frame["event_status"], headline, frame["description"])
    derived = pd.concat([schedule, place, price, contact], axis=1)
    derived["entry"], derived["entry_origin"] = entry, entry_origin
    derived["status"], derived["status_origin"] = status, status_origin
    overwritten = [c for c in derived.columns if c in out.columns]
    out = out.drop(columns=overwritten).join(derived)
    for field in ORIGIN_FIELDS:
        out[f"{field}_origin"] = out.get(f"{field}_origin", pd.Series("unknown", index=out.index)).fillna("unknown").astype("str")
    return out


def _validated(cleaned: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows passing `CleanListing`, and quarantine records with pandera's reasons for the others."""
    if cleaned.empty:
        return cleaned, empty_quarantine()
    try:
        return CleanListing.validate(cleaned, lazy=True), empty_quarantine()
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases.astype({"failure_case": "object", "check": "object", "column": "object"})
        cases["failure_case"] = cases["failure_case"].where(cases["failure_case"].notna(), "null")
        reasons = reasons_from_schema_errors(cases)
        if reasons.empty:
            text = pd.Series(f"clean contract: {err}"[:500], index=cleaned.index)
            return cleaned.iloc[0:0], quarantine_rows(cleaned, STAGE, text)
        bad = cleaned.index.isin(reasons.index)
        rest = cleaned.loc[~bad]
        accepted = CleanListing.validate(rest, lazy=True) if len(rest) else rest
        return accepted, quarantine_rows(cleaned.loc[bad], STAGE, "clean contract: " + reasons)


def _ordered_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract columns first, then origins, then raw and pass-through columns as they came."""
    contract = list(CleanListing.to_schema().columns) + [f"{f}_origin" for f in ORIGIN_FIELDS]
    first = [c for c in contract if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def _empty_clean(raw: pd.DataFrame | None) -> pd.DataFrame:
    """A frame with every contract column and no rows (pass-through columns kept)."""
    columns = list(CleanListing.to_schema().columns) + [f"{f}_origin" for f in ORIGIN_FIELDS]
    extra = [c for c in (raw.columns if raw is not None else []) if c not in columns]
    return pd.DataFrame(columns=columns + extra)


def cleaned_chunk(raw: pd.DataFrame, *, today: dt.date | None = None,
                  source_countries: Mapping[str, str] | None = None) -> CleanResult:
    """`clean_listings` of one chunk (`pipelines.chunks`), its rows dictionary-encoded
    (`pipelines.compact`) while they wait for classify: a quarter of their size, and quicker to
    hand from a worker process."""
    result = clean_listings(raw, today=today, source_countries=source_countries)
    return replace(result, clean=compact(result.clean))
