"""Builders for small classified frames: weekly groups announced by several sources."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

# This folder would otherwise shadow the `pipelines.dedupe` package when pytest puts `tests/` on
# sys.path (plain `pytest`); a regular package on sys.path wins over that namespace folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from pipelines.evaluation.dedupe import classified_frame  # noqa: E402

GRIEF_LIEGE = {
    "organizer": "Vivre son Deuil Liège asbl", "weekday": 1, "start_time": "19:30", "postcode": "4000",
    "city": "Liège", "phone": "+3242000901", "email": "contact@deuil-liege.example",
    "website": "https://deuil-liege.example", "next_occurrence": "2026-12-01T19:30:00+01:00",
}
STRESS_NAMUR = {
    "organizer": "Mieux-Être Namur", "weekday": 3, "start_time": "18:00", "postcode": "5000", "city": "Namur",
    "phone": "+3281000902", "email": "namur@mieux-etre.example", "next_occurrence": "2026-12-03T18:00:00+01:00",
}


def make_record(record_id: str, title: str, base: dict, **changes) -> dict:
    """One compact listing: `base` fields of a group, `changes` as a source words them."""
    source, external = record_id.split(":")
    return {"record_id": record_id, "source_id": source, "title": title,
            "listing_url": f"https://{source}.example/{external}",
            "fetched_at": "2026-11-30T03:00:00+00:00", "origin": "parsed", **base, **changes}


@pytest.fixture
def record() -> Callable[..., dict]:
    return make_record


@pytest.fixture
def frame() -> Callable[..., pd.DataFrame]:
    def _frame(*rows: dict) -> pd.DataFrame:
        return classified_frame(list(rows))
    return _frame


@pytest.fixture
def grief() -> dict:
    return dict(GRIEF_LIEGE)


@pytest.fixture
def stress() -> dict:
    return dict(STRESS_NAMUR)
