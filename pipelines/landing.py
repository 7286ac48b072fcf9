"""Raw landing: read what spiders (or an analyst's file) produced and check the raw contract.

Nothing is interpreted here; a line or row that breaks the contract is quarantined with why.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.errors

from schemas.quarantine import empty_quarantine, quarantine_rows, reasons_from_schema_errors
from schemas.raw import RAW_FIELDS, RawListing

PASS_THROUGH = ("id",)
"""Extra input columns carried through every stage (an analyst's own row id)."""


def read_jsonl_records(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of a JSON Lines file, and quarantine records for lines that are not JSON objects (a
    leading BOM, as spreadsheet tools write, is read past; invalid UTF-8 bytes become U+FFFD)."""
    records: list[dict] = []
    bad: list[dict] = []
    with Path(path).open(encoding="utf-8-sig", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                bad.append(_bad_line(path, number, f"line {number} is not valid JSON: {exc}", line))
                continue
            if not isinstance(value, dict):
                bad.append(_bad_line(path, number, f"line {number} is a JSON {type(value).__name__}, not an object", line))
                continue
            records.append(value)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    quarantine = pd.DataFrame(bad) if bad else empty_quarantine()
    return frame, quarantine


def read_landing(paths: Iterable[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All rows of several landing files (one per source), with their unreadable lines."""
    frames, quarantines = [], []
    for path in paths:
        frame, quarantine = read_jsonl_records(path)
        frames.append(frame)
        quarantines.append(quarantine)
    frames = [f for f in frames if not f.empty]
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return raw, pd.concat(quarantines, ignore_index=True)


def as_raw_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every raw field present (missing ones null) as text, plus pass-through columns."""
    out = pd.DataFrame(index=frame.index)
    for name in (*RAW_FIELDS, *PASS_THROUGH):
        if name in frame.columns:
            out[name] = frame[name].map(_as_text).astype("str")
        elif name in RAW_FIELDS:
            out[name] = pd.Series(pd.NA, index=frame.index, dtype="str")
    return out


def fill_offline_provenance(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Provenance for rows that did not come from a spider (a file given to `groupdir process`)."""
    from spiders.items import content_hash

    out = frame.copy()
    defaults = {
        "source_id": "file",
        "fetched_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "spider_version": "file",
    }
    for column, value in defaults.items():
        out[column] = out[column].fillna(value)
    missing_url = out["listing_url"].isna()
    ids = out["id"] if "id" in out.columns else pd.Series(out.index.astype("str"), index=out.index)
    out.loc[missing_url, "listing_url"] = "file://" + origin + "#" + ids[missing_url].astype("str")
    missing_hash = out["content_hash"].isna()
    if missing_hash.any():
        out.loc[missing_hash, "content_hash"] = out.loc[missing_hash].apply(lambda r: content_hash(r.to_dict()), axis=1)
    return out


def validate_raw(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows meeting the raw contract, and quarantine records (stage `raw`) for the others."""
    if frame.empty:
        return frame, empty_quarantine()
    frame = frame.reset_index(drop=True)
    try:
        return RawListing.validate(frame, lazy=True), empty_quarantine()
    except pandera.errors.SchemaErrors as err:
        reasons = reasons_from_schema_errors(err.failure_cases)
        if reasons.empty:  # a frame-level failure (e.g. a missing column): every row is suspect
            raise
        bad = frame.index.isin(reasons.index)
        valid = RawListing.validate(frame[~bad].reset_index(drop=True))
        return valid, quarantine_rows(frame[bad], "raw", reasons)


def _as_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value if v is not None) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _bad_line(path: Path, number: int, reason: str, line: str) -> dict:
    return {"stage": "raw", "source_id": None, "record_id": None, "url": f"{Path(path).name}:{number}", "reason": reason, "payload": line[:100_000]}
