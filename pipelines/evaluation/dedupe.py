"""How well deduplication finds the same group across sources, on hand-labelled pairs.

`tests/data/dedupe_records.jsonl` holds invented listings (each with the `entity` it truly
belongs to); `tests/data/dedupe_pairs.jsonl` labels record pairs as duplicate or not, hard
negatives included (same title in two cities, one association's groups on different days, AA
meetings in one building at different times).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.dedupe import DEFAULT_MATCH_PROBABILITY, dedupe_listings
from pipelines.paths import REPO_ROOT

DATA_DIR = REPO_ROOT / "tests" / "data"
RECORDS_PATH = DATA_DIR / "dedupe_records.jsonl"
PAIRS_PATH = DATA_DIR / "dedupe_pairs.jsonl"
ORIGIN_FIELDS = ("weekday", "start_time", "postcode", "city", "phone", "email")

CLASSIFIED_DEFAULTS: dict[str, object] = {
    "description": None, "facilitator_text": None, "schedule_text": None, "location_text": None,
    "price_text": None, "contact_text": None, "categories": None, "language": "fr",
    "week_of_month": None, "frequency": None, "end_time": None, "start_date": None, "end_date": None,
    "session_count": None, "rrule": None, "timezone": "Europe/Brussels", "street": None, "country": None,
    "region_code": None, "region": None, "latitude": None, "longitude": None, "price_eur": None,
    "price_kind": "unknown", "entry": "unknown", "status": "scheduled", "format": "support_group",
    "format_confidence": 0.8, "format_evidence": "", "facilitator_type": "unknown", "audience": "",
    "topics": "", "needs_review": False, "classifier_version": "labelled",
}


class PairwiseScores:
    """Precision, recall and F1 over record pairs, from `true_positives`, `found_pairs` (pairs
    put in one listing) and `true_pairs` (pairs of one true group), which a subclass provides."""

    true_positives: int
    found_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class DedupeReport(PairwiseScores):
    pairs: int
    duplicates: int
    true_positives: int
    false_positives: int
    false_negatives: int
    records: int
    clusters: int
    true_clusters: int
    threshold: float
    seconds: float
    mistakes: list[dict] = field(default_factory=list)

    @property
    def found_pairs(self) -> int:
        return self.true_positives + self.false_positives

    @property
    def true_pairs(self) -> int:
        return self.duplicates


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def classified_frame(rows: list[dict]) -> pd.DataFrame:
    """A valid `ClassifiedListing` frame from compact records (unset columns get neutral values);
    each record's `origin` becomes the `<field>_origin` of the fields it fills."""
    frame = pd.DataFrame([{**CLASSIFIED_DEFAULTS, **row} for row in rows])
    for column in ("title", "organizer", "postcode", "city", "online_url", "phone", "email", "website",
                   "start_time", "next_occurrence"):
        if column not in frame:
            frame[column] = None
    frame["weekday"] = pd.array(frame["weekday"], dtype="Int64")
    frame["rhythm"] = frame["weekday"].notna().map({True: "recurring", False: "unknown"})
    frame["attendance"] = frame["online_url"].notna().map({True: "online", False: "in_person"})
    frame["content_hash"] = [hashlib.sha256(json.dumps(r, sort_keys=True).encode()).hexdigest() for r in rows]
    origin = frame.pop("origin") if "origin" in frame else pd.Series("structured", index=frame.index)
    for column in ORIGIN_FIELDS:
        frame[f"{column}_origin"] = origin.where(frame[column].notna())
    return frame.drop(columns=["entity"], errors="ignore")


def labelled_records(path: Path = RECORDS_PATH) -> tuple[pd.DataFrame, pd.Series]:
    """The labelled listings as a classified frame, and each record's true entity."""
    rows = read_jsonl(path)
    truth = pd.Series({r["record_id"]: r["entity"] for r in rows}, name="entity")
    return classified_frame(rows), truth


def evaluate_dedupe(threshold: float = DEFAULT_MATCH_PROBABILITY) -> DedupeReport:
    """Pairwise precision/recall/F1 of one dedupe run over every labelled record at once."""
    listings, truth = labelled_records()
    labels = pd.DataFrame(read_jsonl(PAIRS_PATH))
    started = time.perf_counter()
    result = dedupe_listings(listings, threshold=threshold)
    seconds = time.perf_counter() - started
    listing_of = result.sources.set_index("record_id")["listing_id"]
    same = labels["record_id_a"].map(listing_of).to_numpy() == labels["record_id_b"].map(listing_of).to_numpy()
    expected = labels["duplicate"].astype(bool).to_numpy()
    wrong = labels[same != expected]
    return DedupeReport(
        pairs=len(labels), duplicates=int(expected.sum()),
        true_positives=int((same & expected).sum()), false_positives=int((same & ~expected).sum()),
        false_negatives=int((~same & expected).sum()), records=len(listings),
        clusters=int(listing_of.nunique()), true_clusters=int(truth.nunique()),
        threshold=threshold, seconds=seconds, mistakes=wrong.to_dict("records"),
    )


def format_dedupe_report(report: DedupeReport) -> str:
    lines = [
        f"Dedupe on {report.records} labelled records, {report.pairs} labelled pairs "
        f"({report.duplicates} duplicates), threshold {report.threshold:.2f}",
        f"  pairwise precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}",
        f"  TP {report.true_positives}  FP {report.false_positives}  FN {report.false_negatives}",
        f"  clusters {report.clusters} (truth {report.true_clusters})  in {report.seconds:.2f} s",
    ]
    for m in report.mistakes:
        kind = "missed" if m["duplicate"] else "wrongly merged"
        lines.append(f"  {kind}: {m['record_id_a']} / {m['record_id_b']}  ({m.get('note', '')})")
    return "\n".join(lines)


@dataclass
class DemoDedupeReport(PairwiseScores):
    records: int
    true_pairs: int
    found_pairs: int
    true_positives: int
    clusters: int
    true_clusters: int
    mixed_with_events: int  # listings holding both a group and a non-group event


def _pairs(*keys: pd.Series) -> int:
    """Record pairs sharing every key (n·(n−1)/2 summed over the groups)."""
    sizes = pd.DataFrame({f"k{i}": k.to_numpy() for i, k in enumerate(keys)}).value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def evaluate_demo_dedupe(warehouse: Path) -> DemoDedupeReport:
    """Pairwise scores of a demo night's `listing_sources` against the demo web's own truth
    (which group every published page describes)."""
    import duckdb

    from pipelines.evaluation.demo import with_truth

    with duckdb.connect(str(warehouse), read_only=True) as con:
        sources = con.execute("SELECT listing_id, source_id, listing_url FROM listing_sources").df()
    found = with_truth(sources, ["group", "non_group"])
    kinds = found.groupby("listing_id")["non_group_truth"].nunique()
    return DemoDedupeReport(
        records=len(found), true_pairs=_pairs(found["group_truth"]), found_pairs=_pairs(found["listing_id"]),
        true_positives=_pairs(found["group_truth"], found["listing_id"]), clusters=found["listing_id"].nunique(),
        true_clusters=found["group_truth"].nunique(), mixed_with_events=int((kinds > 1).sum()),
    )


def format_demo_dedupe_report(report: DemoDedupeReport) -> str:
    return "\n".join([
        f"Dedupe of a demo night against the demo web's truth: {report.records} records",
        f"  pairwise precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}",
        f"  pairs found {report.found_pairs}, true {report.true_pairs}, both {report.true_positives}",
        f"  listings {report.clusters} (truth {report.true_clusters}), "
        f"{report.mixed_with_events} mixing a group with a non-group event",
    ])
