"""The labelled pairs set and the measured quality of deduplication on it."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.evaluation.dedupe import (
    PAIRS_PATH,
    RECORDS_PATH,
    evaluate_dedupe,
    format_dedupe_report,
    read_jsonl,
)


@pytest.fixture(scope="module")
def report():
    return evaluate_dedupe()


def test_the_labelled_set_is_large_enough_and_consistent():
    records = pd.DataFrame(read_jsonl(RECORDS_PATH)).set_index("record_id")
    pairs = pd.DataFrame(read_jsonl(PAIRS_PATH))
    assert len(pairs) >= 150
    assert pairs["duplicate"].sum() >= 60 and (~pairs["duplicate"]).sum() >= 60
    assert pairs["record_id_a"].isin(records.index).all() and pairs["record_id_b"].isin(records.index).all()
    same_entity = records.loc[pairs["record_id_a"], "entity"].to_numpy() == records.loc[pairs["record_id_b"], "entity"].to_numpy()
    assert (same_entity == pairs["duplicate"].to_numpy()).all()
    assert (records["source_id"].groupby(records["entity"]).nunique() >= 2).sum() >= 40  # across sources


def test_pairwise_f1_reaches_the_target(report):
    assert report.f1 >= 0.95, format_dedupe_report(report)
    assert report.precision >= 0.95
    assert abs(report.clusters - report.true_clusters) <= 0.05 * report.true_clusters


def test_the_report_states_the_measured_figures(report):
    text = format_dedupe_report(report)
    assert f"F1 {report.f1:.3f}" in text
    assert f"clusters {report.clusters} (truth {report.true_clusters})" in text
