"""Source health, in the spirit of spidermon: is tonight's crawl of a source believable?

A site redesign rarely fails loudly: it answers 200 with no listings, or listings without
times. A degraded source keeps its previous listings (it never removes anything).
"""

from __future__ import annotations

import pandas as pd

from pipelines.compact import expanded

HISTORY_RUNS = 7
MIN_HISTORY = 3
DROP_RATIO = 0.5
"""Degraded when tonight's count falls under half the recent median."""
MAX_QUARANTINE_RATE = 0.5
MAX_HTTP_ERROR_RATE = 0.25
COVERAGE_DROP = 0.5


def assess_health(tonight: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """`tonight` (source_id, status, items, quarantined, pages, http_errors, coverage) with `status`
    turned to `degraded` and `health_notes` filled where a monitor fires.

    `history` holds earlier runs (run_id, source_id, status, items, coverage), newest first.
    """
    out = tonight.copy()
    notes = pd.Series([[] for _ in range(len(out))], index=out.index, dtype="object")
    ok_history = history[history["status"].isin(["ok", "degraded"])] if not history.empty else history
    for idx, row in out.iterrows():
        if row["status"] != "ok":
            continue
        past = ok_history[ok_history["source_id"] == row["source_id"]].head(HISTORY_RUNS) if not ok_history.empty else ok_history
        notes[idx] = _monitor_notes(row, past)
    out["health_notes"] = notes.map("; ".join)
    out.loc[(out["status"] == "ok") & (out["health_notes"] != ""), "status"] = "degraded"
    return out


def _monitor_notes(row: pd.Series, past: pd.DataFrame) -> list[str]:
    notes: list[str] = []
    total = int(row["items"]) + int(row["quarantined"])
    if total and int(row["quarantined"]) / total > MAX_QUARANTINE_RATE:
        notes.append(f"quarantine rate {int(row['quarantined']) / total:.0%} (> {MAX_QUARANTINE_RATE:.0%})")
    pages = int(row.get("pages", 0) or 0)
    if pages and int(row.get("http_errors", 0) or 0) / pages > MAX_HTTP_ERROR_RATE:
        notes.append(f"HTTP error rate {int(row['http_errors']) / pages:.0%} (> {MAX_HTTP_ERROR_RATE:.0%})")
    if len(past) >= MIN_HISTORY:
        median_items = float(past["items"].median())
        if median_items > 0 and int(row["items"]) < DROP_RATIO * median_items:
            notes.append(f"items {int(row['items'])} vs median {median_items:.0f} of last {len(past)} runs")
        if "coverage" in past and pd.notna(row.get("coverage")):
            median_cov = float(past["coverage"].median())
            if median_cov > 0 and float(row["coverage"]) < COVERAGE_DROP * median_cov:
                notes.append(f"field coverage {float(row['coverage']):.0%} vs median {median_cov:.0%}")
    return notes


KEY_FIELDS = ("weekday", "start_time", "postcode", "city", "price_kind", "language")


def key_field_coverage(clean: pd.DataFrame) -> pd.Series:
    """Per source, the share of key filter fields that are known (a redesign makes it collapse)."""
    if clean.empty:
        return pd.Series(dtype="float64")
    clean = expanded(clean[[f for f in (*KEY_FIELDS, "source_id") if f in clean]])  # as text: an encoded source_id groups in its own order
    known = pd.DataFrame({f: clean[f].notna() & (clean[f].astype("str") != "unknown") for f in KEY_FIELDS if f in clean})
    return known.mean(axis=1).groupby(clean["source_id"]).mean()


FILTER_FIELDS = ("weekday", "start_time", "postcode", "city", "country", "price_kind", "language", "attendance", "entry")
"""The fields the directory filters on: the ones whose unknowns the morning summary shows."""


def unknown_by_source(quality: pd.DataFrame, fields: tuple[str, ...] = FILTER_FIELDS) -> dict[str, dict[str, int]]:
    """Per source, how many of tonight's cleaned rows have no value for each field, from the
    warehouse's `quality` rows (source_id, field, rows, non_null)."""
    rows = quality[quality["field"].isin(fields)]
    unknown = (rows["rows"] - rows["non_null"]).astype("int64")
    table = rows.assign(unknown=unknown).pivot(index="source_id", columns="field", values="unknown")
    table = table.reindex(columns=[f for f in fields if f in table.columns]).fillna(0).astype("int64")
    return {str(source): {f: int(v) for f, v in row.items()} for source, row in table.iterrows()}
