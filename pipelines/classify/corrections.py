"""Analysts' corrections: applied after the classifier on every run, so a decision made once is
never overwritten by a later night's classification; also usable as new training examples."""

from __future__ import annotations

import pandas as pd

from pipelines.clean.text import among
from schemas.classified import (
    AUDIENCES,
    FACILITATOR_TYPES,
    FORMATS,
    LIST_SEPARATOR,
    TOPICS,
)
from schemas.clean import ATTENDANCES, ENTRIES, RHYTHMS

SINGLE_VALUED = {
    "format": FORMATS, "facilitator_type": FACILITATOR_TYPES, "attendance": ATTENDANCES,
    "entry": ENTRIES, "rhythm": RHYTHMS,
}
MULTI_VALUED = {"audience": AUDIENCES, "topics": TOPICS}
CORRECTION_COLUMNS = ("listing_id", "field", "value", "analyst", "decided_at", "note")
TRUE_WORDS = ("true", "yes", "1", "oui", "ja")
LABEL_FIELDS = ("format", "facilitator_type", "attendance", "entry", "rhythm", "audience", "topics")
TEXT_FIELDS = ("title", "description", "organizer", "facilitator_text", "schedule_text", "location_text",
               "price_text", "contact_text", "categories")


def latest_corrections(corrections: pd.DataFrame, key: str = "listing_id") -> pd.DataFrame:
    """The last decision per (key, field), valid values only (a bad row must not stop a night)."""
    if corrections is None or corrections.empty:
        return pd.DataFrame(columns=[key, *CORRECTION_COLUMNS[1:]])
    frame = corrections.rename(columns={"listing_id": key}) if key not in corrections.columns else corrections
    frame = frame.assign(
        _at=pd.to_datetime(frame["decided_at"], utc=True, format="mixed", errors="coerce"),
        _row=range(len(frame)),
        value=frame["value"].astype("str").str.strip(),
    )
    frame = frame[frame.apply(lambda r: valid_correction(r["field"], r["value"]), axis=1)]
    frame = frame.sort_values(["_at", "_row"], na_position="first", kind="stable")
    return frame.drop_duplicates([key, "field"], keep="last").drop(columns=["_at", "_row"])


def valid_correction(field: str, value: str) -> bool:
    if field in SINGLE_VALUED:
        return value in SINGLE_VALUED[field]
    if field in MULTI_VALUED:
        return value == "" or all(v in MULTI_VALUED[field] for v in value.split(LIST_SEPARATOR))
    return field == "approved" and value.lower() in (*TRUE_WORDS, "false", "no", "0", "non", "nee")


def apply_corrections(listings: pd.DataFrame, corrections: pd.DataFrame, *, key: str = "listing_id") -> pd.DataFrame:
    """`listings` with the latest correction per (key, field) applied.

    A format correction sets `format_confidence` to 1.0; every applied correction clears
    `needs_review` and adds "analyst:<name> <field>=<value>" to `format_evidence`; `approved` =
    false holds a listing for review again. Corrections of ids not in `listings` are ignored."""
    latest = latest_corrections(corrections, key)
    if listings.empty or latest.empty or key not in listings.columns:
        return listings  # nothing to apply: no copy of a night's listings (1.2 GB at a million)
    out = listings.copy()
    latest = latest[among(latest[key], out[key])]
    position = pd.Series(range(len(out)), index=out[key].to_numpy())
    for field, decisions in latest.groupby("field", sort=False):
        rows = position.loc[decisions[key].to_numpy()].to_numpy()
        values = decisions["value"].to_numpy()
        if field == "approved":
            approved = pd.Series(values).str.lower().isin(TRUE_WORDS).to_numpy()
            out.iloc[rows, out.columns.get_loc("needs_review")] = ~approved
            continue
        if field in MULTI_VALUED:
            values = [canonical_list(v, MULTI_VALUED[field]) for v in values]
        out.iloc[rows, out.columns.get_loc(field)] = values
        if field == "format":
            out.iloc[rows, out.columns.get_loc("format_confidence")] = 1.0
        out.iloc[rows, out.columns.get_loc("needs_review")] = False
    decided = latest.assign(_note=lambda f: "analyst:" + f["analyst"].astype("str") + " " + f["field"] + "=" + f["value"])
    notes_by_key = decided.groupby(key, sort=False)["_note"].agg(lambda notes: "; ".join(sorted(notes)))
    touched = among(out[key], notes_by_key.index)
    notes = out.loc[touched, key].map(notes_by_key)
    out.loc[touched, "format_evidence"] = out.loc[touched, "format_evidence"].fillna("").astype("str").str.rstrip("; ") + "; " + notes
    out["needs_review"] = out["needs_review"].astype(bool)
    return out


def canonical_list(value: str, allowed: tuple[str, ...]) -> str:
    """The slugs of `value` in the contract's order, so corrected and classified rows compare."""
    chosen = set(filter(None, value.split(LIST_SEPARATOR)))
    return LIST_SEPARATOR.join(s for s in allowed if s in chosen)


def corrections_as_training_examples(listings: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """Corrected listings in the labelled set's shape (split "train", hard), ready to append to
    `labelled.jsonl` so the model learns from what analysts fixed."""
    latest = latest_corrections(corrections)
    latest = latest[latest["field"].isin(LABEL_FIELDS)]
    corrected = apply_corrections(listings, latest)
    corrected = corrected[corrected["listing_id"].isin(latest["listing_id"])]
    columns = ["id", "split", "language", "hard", *TEXT_FIELDS, *LABEL_FIELDS, "source"]
    if corrected.empty:
        return pd.DataFrame(columns=columns)
    analysts = latest.groupby("listing_id")["analyst"].agg(lambda names: ";".join(sorted(set(map(str, names)))))
    examples = pd.DataFrame({
        "id": "correction:" + corrected["listing_id"].astype("str"),
        "split": "train",
        "language": corrected.get("language"),
        "hard": True,
    })
    for field in TEXT_FIELDS:
        examples[field] = corrected[field] if field in corrected.columns else None
    for field in LABEL_FIELDS:
        examples[field] = corrected[field]
    for field in MULTI_VALUED:
        examples[field] = corrected[field].fillna("").astype("str").map(lambda v: [s for s in v.split(LIST_SEPARATOR) if s])
    examples["source"] = "analyst:" + corrected["listing_id"].map(analysts)
    return examples[columns].reset_index(drop=True)
