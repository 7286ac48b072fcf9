"""Measured, not guessed: per-field accuracy of the clean stage on the labelled dev set."""

import json

import pytest

from pipelines.evaluation.clean import DEV_PATH, FIELDS, TARGETS, evaluate_clean, format_clean_report


@pytest.fixture(scope="module")
def report():
    return evaluate_clean().set_index("field")


def test_dev_set_is_large_labelled_and_trilingual():
    rows = [json.loads(line) for line in DEV_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 220
    assert {r["expected"]["language"] for r in rows} >= {"fr", "nl", "en"}
    assert all(set(FIELDS) <= set(r["expected"]) for r in rows)
    assert sum(any(r.get(k) for k in ("start", "rrule", "postcode", "attendance_mode")) for r in rows) >= 10


@pytest.mark.parametrize("field", sorted(TARGETS))
def test_accuracy_targets_where_the_text_states_the_value(report, field):
    assert report.loc[field, "n_stated"] >= 30
    assert report.loc[field, "accuracy"] >= TARGETS[field], format_clean_report(report.reset_index())


@pytest.mark.parametrize("field", ["weekday", "start_time", "postcode", "phone", "email", "status", "entry"])
def test_few_values_are_invented_where_the_text_says_nothing(report, field):
    assert report.loc[field, "false_positive_rate"] <= 0.10


def test_report_is_a_plain_table(report):
    text = format_clean_report(report.reset_index())
    assert text.splitlines()[0].startswith("field") and "weekday" in text and "%" in text
