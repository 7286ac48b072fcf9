"""Analysts' corrections win on every run and become training examples."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.classify import apply_corrections, classify_listings, corrections_as_training_examples
from pipelines.classify.model import read_labelled, train_model
from schemas.classified import ClassifiedListing

LISTINGS = [
    {"language": "fr", "title": "Groupe de parole deuil", "description": "Un espace ouvert aux personnes endeuillées."},
    {"language": "nl", "title": "Workshop zelfvertrouwen", "description": "Werken aan je zelfvertrouwen."},
    {"language": "en", "title": "Tea and chat", "description": "Come along for a cuppa."},
]


def correction(listing_id, field, value, analyst="ann", decided_at="2026-01-02T10:00:00+00:00"):
    return {"listing_id": listing_id, "field": field, "value": value, "analyst": analyst, "decided_at": decided_at, "note": ""}


@pytest.fixture
def classified(make_frame):
    out = classify_listings(make_frame(LISTINGS))
    out["listing_id"] = ["L1", "L2", "L3"]
    return out


def test_format_and_facets_are_overridden(classified):
    corrections = pd.DataFrame([
        correction("L3", "format", "talking_group"),
        correction("L3", "topics", "loneliness;grief"),
        correction("L2", "facilitator_type", "coach"),
    ])
    out = apply_corrections(classified, corrections).set_index("listing_id")
    assert out.loc["L3", "format"] == "talking_group"
    assert out.loc["L3", "format_confidence"] == 1.0
    assert not out.loc["L3", "needs_review"]
    assert out.loc["L3", "topics"] == "grief;loneliness"  # the contract's order
    assert "analyst:ann format=talking_group" in out.loc["L3", "format_evidence"]
    assert out.loc["L2", "facilitator_type"] == "coach"
    assert out.loc["L1", "format"] == classified.set_index("listing_id").loc["L1", "format"]
    ClassifiedListing.validate(out.reset_index())


def test_latest_decision_wins_and_invalid_or_unknown_rows_are_ignored(classified):
    corrections = pd.DataFrame([
        correction("L1", "format", "support_group", "bob", "2026-01-03T00:00:00+00:00"),
        correction("L1", "format", "workshop", "ann", "2026-01-01T00:00:00+00:00"),
        correction("L2", "format", "not_a_format"),
        correction("L2", "audience", "aliens"),
        correction("L9", "format", "retreat"),
    ])
    out = apply_corrections(classified, corrections).set_index("listing_id")
    assert out.loc["L1", "format"] == "support_group"
    before = classified.set_index("listing_id")
    assert out.loc["L2", "format"] == before.loc["L2", "format"]
    assert out.loc["L2", "audience"] == before.loc["L2", "audience"]
    assert len(out) == 3


def test_approved_false_holds_for_review_and_true_releases(classified):
    corrections = pd.DataFrame([correction("L1", "approved", "false"), correction("L3", "approved", "yes")])
    out = apply_corrections(classified, corrections).set_index("listing_id")
    assert out.loc["L1", "needs_review"] and not out.loc["L3", "needs_review"]


@pytest.mark.parametrize("corrections", [pd.DataFrame(), None, pd.DataFrame(columns=["listing_id", "field", "value", "analyst", "decided_at", "note"])])
def test_no_corrections_changes_nothing(classified, corrections):
    pd.testing.assert_frame_equal(apply_corrections(classified, corrections), classified)


def test_corrections_survive_a_new_classification_run(make_frame, classified):
    corrections = pd.DataFrame([correction("L3", "format", "talking_group")])
    first = apply_corrections(classified, corrections)
    tonight = classify_listings(make_frame(LISTINGS)).assign(listing_id=["L1", "L2", "L3"])
    second = apply_corrections(tonight, corrections)
    assert tonight.loc[2, "format"] != "talking_group"  # the classifier alone still thinks otherwise
    assert first.loc[2, "format"] == second.loc[2, "format"] == "talking_group"


def test_corrections_become_training_examples(classified):
    corrections = pd.DataFrame([correction("L3", "format", "talking_group"), correction("L3", "audience", "men")])
    examples = corrections_as_training_examples(classified, corrections)
    assert len(examples) == 1
    row = examples.iloc[0]
    assert (row["id"], row["split"], row["format"], row["audience"]) == ("correction:L3", "train", "talking_group", ["men"])
    assert row["title"] == "Tea and chat" and row["source"] == "analyst:ann"
    labelled = read_labelled()
    assert set(labelled.columns) - {"source"} <= set(examples.columns)
    combined = pd.concat([labelled[labelled["split"] == "train"], examples], ignore_index=True)
    model = train_model(combined)
    assert model.trained_rows == len(combined)


def test_no_label_corrections_no_examples(classified):
    examples = corrections_as_training_examples(classified, pd.DataFrame([correction("L1", "approved", "true")]))
    assert examples.empty
