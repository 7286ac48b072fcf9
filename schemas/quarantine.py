"""`QuarantineRecord`: a row or page some stage refused, with why and where it came from."""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

QUARANTINE_COLUMNS = ("stage", "source_id", "record_id", "url", "reason", "payload")
STAGES = ("fetch", "crawl", "raw", "clean", "classify", "dedupe", "warehouse", "export")


class QuarantineRecord(pa.DataFrameModel):
    stage: Series[str] = pa.Field(isin=STAGES)
    source_id: Series[str] = pa.Field(nullable=True)
    record_id: Series[str] = pa.Field(nullable=True)
    url: Series[str] = pa.Field(nullable=True)
    reason: Series[str] = pa.Field(str_length={"min_value": 1})
    payload: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in QUARANTINE_COLUMNS})


def combined_quarantine(*frames: pd.DataFrame) -> pd.DataFrame:
    """Quarantine records of several producers in one frame (empty, with its columns, when none)."""
    kept = [f for f in frames if not f.empty]
    return pd.concat(kept, ignore_index=True) if kept else empty_quarantine()


def quarantine_rows(rows: pd.DataFrame, stage: str, reasons: pd.Series) -> pd.DataFrame:
    """Quarantine records for `rows` (any stage's frame), each with its reason and full payload."""
    if rows.empty:
        return empty_quarantine()
    payload = rows.apply(lambda r: json.dumps({k: _jsonable(v) for k, v in r.items()}, ensure_ascii=False), axis=1)
    out = pd.DataFrame(
        {
            "stage": stage,
            "source_id": rows.get("source_id", pd.Series(None, index=rows.index)),
            "record_id": rows.get("record_id", rows.get("id", pd.Series(None, index=rows.index))),
            "url": rows.get("listing_url", pd.Series(None, index=rows.index)),
            "reason": reasons.reindex(rows.index).fillna("invalid row"),
            "payload": payload,
        },
        index=rows.index,
    )
    return QuarantineRecord.validate(out.reset_index(drop=True))


def reasons_from_schema_errors(failure_cases: pd.DataFrame) -> pd.Series:
    """One readable reason per failing row index, from pandera's `SchemaErrors.failure_cases`."""
    rows = failure_cases.dropna(subset=["index"])
    if rows.empty:
        return pd.Series(dtype="str")
    def as_text(column: str, missing: str) -> pd.Series:
        # pandas' str dtype keeps nulls as NaN; a null failure case is itself the reason (a missing value)
        return rows[column].astype("object").where(rows[column].notna(), missing).map(str)

    text = as_text("column", "row") + ": " + as_text("check", "check") + " (got " + as_text("failure_case", "null") + ")"
    return text.groupby(rows["index"].astype("int64")).agg("; ".join)


def _jsonable(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, str | int | float | bool | list | dict) else str(value)
