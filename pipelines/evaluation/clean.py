"""How well the clean stage reads what listings say, measured on a labelled development set.

`tests/data/clean_dev.jsonl` holds invented listings (French, Dutch, English; free text and
structured feeds) with the true value of each filter field in `expected` (null where the text
does not state it). Accuracy counts only rows where the value is stated; the false-positive rate
counts rows where it is not, yet the stage produced one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from pipelines.clean import clean_listings
from pipelines.paths import REPO_ROOT

DEV_PATH = REPO_ROOT / "tests" / "data" / "clean_dev.jsonl"
EVALUATION_DAY = dt.date(2026, 12, 1)
"""Dates without a year in the dev set are read relative to this day."""
FIELDS = (
    "weekday", "week_of_month", "frequency", "start_time", "end_time", "start_date", "rhythm",
    "price_eur", "price_kind", "postcode", "city", "country", "region_code", "attendance",
    "phone", "email", "entry", "status", "language",
)
NOT_STATED = {"rhythm": "unknown", "price_kind": "unknown", "attendance": "unknown", "entry": "unknown", "status": "scheduled"}
"""Values meaning "the text says nothing" for fields that always hold a value."""
TARGETS = {"weekday": 0.95, "start_time": 0.95, "end_time": 0.95, "price_eur": 0.95, "postcode": 0.95, "country": 0.95}


def load_dev_set(path: Path | None = None) -> pd.DataFrame:
    """The dev rows: raw input columns plus `expected.<field>` columns."""
    rows = [json.loads(line) for line in Path(path or DEV_PATH).read_text(encoding="utf-8").splitlines() if line.strip()]
    frame = pd.json_normalize(rows, sep=".")
    return frame


def _normalised(value: object) -> object:
    """Comparable form: None for null or "not stated", floats rounded, integers as int."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return round(value, 2)
    if hasattr(value, "item"):
        return _normalised(value.item())
    return value


def dev_predictions(path: Path | None = None) -> pd.DataFrame:
    """One row per dev listing: `expected.<field>` next to the stage's `<field>` (null if quarantined)."""
    dev = load_dev_set(path)
    expected_columns = [c for c in dev.columns if c.startswith("expected.")]
    raw = dev.drop(columns=expected_columns)
    result = clean_listings(raw, today=EVALUATION_DAY)
    keys = raw["source_id"].astype("str") + ":" + raw["external_id"].astype("str")
    predicted = result.clean.set_index("record_id").reindex(keys.to_numpy())
    out = dev[expected_columns].copy()
    for field in FIELDS:
        out[field] = predicted[field].to_numpy() if field in predicted else None
    out.insert(0, "record_id", keys.to_numpy())
    out["title"] = raw["title"].to_numpy()
    return out


def evaluate_clean(path: Path | None = None) -> pd.DataFrame:
    """Per field: n_stated, accuracy where stated, coverage, false-positive rate where not stated."""
    pairs = dev_predictions(path)
    rows = []
    for field in FIELDS:
        if f"expected.{field}" not in pairs:
            continue
        quiet = NOT_STATED.get(field)
        truth = pairs[f"expected.{field}"].map(_normalised).map(lambda v, q=quiet: None if v == q else v)
        guess = pairs[field].map(_normalised).map(lambda v, q=quiet: None if v == q else v)
        stated, unstated = truth.notna(), truth.isna()
        correct = pd.Series([t == g for t, g in zip(truth, guess, strict=True)], index=truth.index)
        n_stated, n_unstated = int(stated.sum()), int(unstated.sum())
        rows.append({
            "field": field,
            "n_stated": n_stated,
            "accuracy": float(correct[stated].mean()) if n_stated else float("nan"),
            "coverage": float(guess[stated].notna().mean()) if n_stated else float("nan"),
            "n_not_stated": n_unstated,
            "false_positive_rate": float(guess[unstated].notna().mean()) if n_unstated else float("nan"),
            "target": TARGETS.get(field, float("nan")),
        })
    return pd.DataFrame(rows)


def format_clean_report(report: pd.DataFrame) -> str:
    """A plain-text table of `evaluate_clean`, one field a line, with a mark where a target is missed."""
    header = f"{'field':<14}{'stated':>7}{'accuracy':>10}{'coverage':>10}{'not st.':>9}{'false pos':>11}{'target':>8}"
    lines = [header, "-" * len(header)]
    for row in report.itertuples(index=False):
        missed = pd.notna(row.target) and not (row.accuracy >= row.target)
        lines.append(
            f"{row.field:<14}{row.n_stated:>7}{_pct(row.accuracy):>10}{_pct(row.coverage):>10}{row.n_not_stated:>9}"
            f"{_pct(row.false_positive_rate):>11}{_pct(row.target):>8}{'  MISSED' if missed else ''}"
        )
    return "\n".join(lines)


def _pct(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1%}"


DEMO_FIELDS = ("weekday", "start_time", "postcode", "country", "language")


def evaluate_demo_clean(warehouse: Path) -> pd.DataFrame:
    """Per field, how many of the last demo night's records the demo web's truth states it for,
    and the share the clean stage got right (postcodes compared without their L-/B-/CH- prefix)."""
    from pipelines.evaluation.demo import cleaned_demo_night, with_truth

    found = with_truth(cleaned_demo_night(warehouse), list(DEMO_FIELDS))
    rows = []
    for name in DEMO_FIELDS:
        truth = _comparable(found[f"{name}_truth"]).str.replace(r"^[A-Z]{1,2}-", "", regex=True)
        got = _comparable(found[name])
        stated = truth != ""
        rows.append({"field": name, "stated": int(stated.sum()),
                     "accuracy": float((truth[stated] == got[stated]).mean()) if stated.any() else float("nan")})
    return pd.DataFrame(rows).set_index("field")


def _comparable(values: pd.Series) -> pd.Series:
    """Values as text ("" when null; 1.0 and 1 alike), whatever dtype each side was read with."""
    def text(value: object) -> str:
        value = _normalised(value)
        if value is None:
            return ""
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

    return values.astype("object").map(text).astype("str")


def format_demo_clean_report(report: pd.DataFrame) -> str:
    lines = ["Clean stage on a demo night against the demo web's truth:", f"{'field':<12}{'stated':>8}{'accuracy':>10}"]
    lines += [f"{name:<12}{int(row['stated']):>8}{_pct(row['accuracy']):>10}" for name, row in report.iterrows()]
    return "\n".join(lines)
