"""Source health monitors: a believable crawl stays `ok`; a redesign (count or coverage collapse),
a flood of quarantined records or HTTP errors turns the source `degraded` with a note saying why."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.health import assess_health, key_field_coverage, unknown_by_source

HISTORY = pd.DataFrame({
    "run_id": ["2026-12-03", "2026-12-02", "2026-12-01", "2026-11-30"],
    "source_id": ["asso"] * 4, "status": ["ok", "ok", "degraded", "ok"],
    "items": [40, 42, 38, 41], "coverage": [0.9, 0.88, 0.91, 0.9],
})
TONIGHT = {"source_id": "asso", "status": "ok", "items": 41, "quarantined": 1, "pages": 10, "http_errors": 0, "coverage": 0.9}


@pytest.mark.parametrize(
    ("changes", "history", "status", "note"),
    [
        ({}, HISTORY, "ok", ""),
        ({"items": 12}, HISTORY, "degraded", "items 12 vs median 40 of last 4 runs"),
        ({"coverage": 0.3}, HISTORY, "degraded", "field coverage 30% vs median 90%"),
        ({"items": 10, "quarantined": 30}, HISTORY, "degraded", "quarantine rate 75%"),
        ({"http_errors": 4}, HISTORY, "degraded", "HTTP error rate 40%"),
        ({"items": 12}, HISTORY.head(2), "ok", ""),  # too little history to judge a drop
        ({"status": "failed", "items": 0}, HISTORY, "failed", ""),  # a failure stays a failure
    ],
    ids=["believable", "count drop", "coverage collapse", "quarantine flood", "http errors", "new source", "failed"],
)
def test_monitors(changes, history, status, note):
    out = assess_health(pd.DataFrame([{**TONIGHT, **changes}]), history).iloc[0]
    assert out["status"] == status
    assert (note in out["health_notes"]) if note else out["health_notes"] == ""


def test_coverage_is_the_share_of_known_key_fields_per_source():
    clean = pd.DataFrame({
        "source_id": ["a", "a", "b"], "weekday": [1, None, 2], "start_time": ["19:30", None, "20:00"],
        "postcode": ["4000", None, "1000"], "city": ["Liège", None, "Bruxelles"],
        "price_kind": ["free", "unknown", "fixed"], "language": ["fr", "fr", "nl"],
    })
    coverage = key_field_coverage(clean)
    assert coverage["b"] == 1.0
    assert coverage["a"] == pytest.approx((1.0 + 1 / 6) / 2)


def test_unknowns_per_source_and_field_come_from_the_quality_rows():
    quality = pd.DataFrame({
        "source_id": ["a", "a", "a", "b", "b"], "field": ["*", "weekday", "postcode", "weekday", "postcode"],
        "rows": [10, 10, 10, 4, 4], "non_null": [10, 7, 10, 0, 4],
    })
    assert unknown_by_source(quality, ("weekday", "postcode")) == {"a": {"weekday": 3, "postcode": 0},
                                                                   "b": {"weekday": 4, "postcode": 0}}
