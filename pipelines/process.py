"""`groupdir process`: clean → classify → validate a file of raw listings, for analysts.

One output row per accepted input row (out-of-scope and needs-review rows included, so an
analyst sees why); every other input row is in the quarantine file with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.classify import classify_listings
from pipelines.clean import clean_listings
from pipelines.export import write_csv_atomic
from pipelines.landing import as_raw_frame, fill_offline_provenance, read_jsonl_records, validate_raw
from schemas.classified import ClassifiedListing
from schemas.quarantine import QUARANTINE_COLUMNS, combined_quarantine

OUTPUT_FIRST = (
    "id", "record_id", "title", "format", "format_confidence", "needs_review", "format_evidence",
    "facilitator_type", "attendance", "entry", "rhythm", "audience", "topics", "language",
)


@dataclass
class ProcessResult:
    output: Path
    quarantine_path: Path
    rows_in: int
    rows_out: int
    quarantined: int


def quarantine_path_for(output: Path) -> Path:
    return output.with_name(output.stem + ".quarantine.csv")


def process_frame(raw: pd.DataFrame, *, origin: str, threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classified rows (input order) and quarantine records for a frame of raw listings."""
    frame = fill_offline_provenance(as_raw_frame(raw), origin)
    valid, raw_q = validate_raw(frame)
    cleaned = clean_listings(valid)
    classified = classify_listings(cleaned.clean, threshold=threshold)
    quarantine = combined_quarantine(raw_q, cleaned.quarantine)
    return classified, quarantine


def output_columns(classified: pd.DataFrame) -> list[str]:
    """Decision columns first, then every cleaned column of the contract, then pass-through."""
    contract = [c for c in ClassifiedListing.to_schema().columns if c in classified.columns]
    first = [c for c in OUTPUT_FIRST if c in classified.columns]
    rest = [c for c in contract if c not in first]
    extra = [c for c in classified.columns if c not in first and c not in rest]
    return first + rest + extra


def process_file(input_path: Path, output: Path, *, threshold: float = 0.6) -> ProcessResult:
    raw, unreadable = read_jsonl_records(input_path)
    classified, quarantine = process_frame(raw, origin=Path(input_path).name, threshold=threshold) if not raw.empty else (pd.DataFrame(), pd.DataFrame())
    quarantine = combined_quarantine(unreadable, quarantine)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(classified[output_columns(classified)] if not classified.empty else classified, output)
    qpath = quarantine_path_for(output)
    write_csv_atomic(quarantine[list(QUARANTINE_COLUMNS)], qpath)
    return ProcessResult(output=output, quarantine_path=qpath, rows_in=len(raw) + len(unreadable),
                         rows_out=len(classified), quarantined=len(quarantine))
