"""Measured, not guessed: the labelled set is honest and the held-out quality meets the targets."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from pipelines.classify import classify_listings
from pipelines.classify.labelled_set import MINIMUM, coverage, leaking_dev_rows
from pipelines.classify.model import read_labelled
from pipelines.evaluation.classify import TARGETS, clean_like_frame, evaluate_classify, format_classify_report
from schemas.classified import AUDIENCES, FACILITATOR_TYPES, FORMATS, TOPICS
from schemas.clean import ATTENDANCES, ENTRIES, RHYTHMS


@pytest.fixture(scope="module")
def labelled():
    return read_labelled()


@pytest.fixture(scope="module")
def dev_report():
    return evaluate_classify("dev", throughput=False)


def test_labelled_set_size_coverage_and_hard_share(labelled):
    summary = coverage(labelled)
    assert summary["rows"] >= MINIMUM["rows"]
    assert summary["hard_share"] >= MINIMUM["hard_share"]
    assert summary["missing_cells"] == []  # every format x language in train and in dev
    assert summary["duplicate_ids"] == 0
    assert summary["dev"] >= 150


def test_labelled_values_follow_the_contract(labelled):
    assert set(labelled["split"]) == {"train", "dev"}
    assert set(labelled["format"]) == set(FORMATS)
    assert set(labelled["facilitator_type"]) <= set(FACILITATOR_TYPES)
    assert set(labelled["attendance"]) <= set(ATTENDANCES)
    assert set(labelled["entry"]) <= set(ENTRIES)
    assert set(labelled["rhythm"]) <= set(RHYTHMS)
    assert all(set(v) <= set(AUDIENCES) for v in labelled["audience"])
    assert all(set(v) <= set(TOPICS) for v in labelled["topics"])


def test_no_dev_row_has_a_near_duplicate_in_train(labelled):
    leaks = leaking_dev_rows(labelled)
    assert leaks.empty, leaks.to_string()


def test_dev_quality_meets_the_targets(dev_report):
    text = format_classify_report(dev_report)
    assert dev_report.rows >= 150
    assert dev_report.macro_f1 >= TARGETS["macro_f1"], text
    assert dev_report.out_of_scope_recall >= TARGETS["out_of_scope_recall"], text
    assert dev_report.published_accuracy >= 0.95, text
    assert all(value >= 0.85 for value in dev_report.macro_f1_by_language.values()), text


def test_dev_facets_are_measured_and_reasonable(dev_report):
    assert dev_report.facets["facilitator_type accuracy"] >= 0.85
    assert dev_report.facets["audience micro-F1"] >= 0.85
    assert dev_report.facets["topics micro-F1"] >= 0.85


def test_report_is_a_readable_table(dev_report):
    text = format_classify_report(dev_report)
    assert text.startswith("Classification on the dev split")
    assert "macro-F1" in text and "out_of_scope recall" in text and "confusion" in text and "facets:" in text


def test_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split"):
        evaluate_classify("test")


def test_throughput_smoke(labelled):
    """A guard against an order-of-magnitude regression (the measured figure is in the report)."""
    frame = clean_like_frame(labelled)
    big = pd.concat([frame] * 16, ignore_index=True)
    big["record_id"] = big["record_id"] + "#" + pd.Series(range(len(big))).astype("str")
    classify_listings(big.head(100))
    started = time.perf_counter()
    classify_listings(big)
    assert len(big) / (time.perf_counter() - started) >= 3_000
