"""The stage's contract: schema, facets, empty input, threshold, evidence, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.classify import DEFAULT_THRESHOLD, classifier_version, classify_listings
from schemas.classified import AUDIENCES, FACILITATOR_TYPES, FORMATS, TOPICS, ClassifiedListing

LISTINGS = [
    {"language": "fr", "title": "Groupe de parole deuil",
     "description": "Pour les proches endeuillés : un espace ouvert, sans inscription. Animé·e par un·e psychologue.",
     "rhythm": "recurring", "entry": "open", "attendance": "in_person"},
    {"language": "nl", "title": "Zelfhulpgroep voor mantelzorgers van mensen met dementie",
     "description": "Lotgenoten steunen elkaar. Begeleid door vrijwilligers.", "rhythm": "recurring"},
    {"language": "en", "title": "Art therapy for teenagers with anxiety",
     "description": "Weekly art therapy for young people aged 13-17, led by a certified art therapist.",
     "facilitator_text": "Certified art therapist"},
    {"language": "fr", "title": "Conférence : Alzheimer", "description": "Une conférence grand public."},
    {"language": "en", "title": "Weekend for two", "description": "A nice time together."},  # nothing decisive
]


@pytest.fixture
def classified(make_frame):
    return classify_listings(make_frame(LISTINGS))


def test_output_is_valid_and_keeps_rows_columns_and_order(make_frame, classified):
    clean = make_frame(LISTINGS)
    ClassifiedListing.validate(classified)
    assert list(classified.index) == list(clean.index)
    assert list(classified["record_id"]) == list(clean["record_id"])
    assert set(clean.columns) <= set(classified.columns)
    assert set(classified["format"]) <= set(FORMATS)
    assert set(classified["facilitator_type"]) <= set(FACILITATOR_TYPES)
    for column, allowed in (("audience", AUDIENCES), ("topics", TOPICS)):
        for value in classified[column]:
            assert all(slug in allowed for slug in filter(None, value.split(";")))


def test_facets_from_text_and_from_the_clean_stage(classified):
    first, second, third = classified.iloc[0], classified.iloc[1], classified.iloc[2]
    assert (first["facilitator_type"], first["audience"], first["topics"]) == ("mental_health_professional", "relatives", "grief")
    assert (first["rhythm"], first["entry"], first["attendance"]) == ("recurring", "open", "in_person")
    assert (second["facilitator_type"], second["audience"], second["topics"]) == ("association_volunteer", "relatives", "dementia")
    assert (third["facilitator_type"], third["audience"], third["topics"]) == ("certified_creative_therapist", "young_people", "anxiety")
    assert (second["entry"], second["attendance"]) == ("unknown", "unknown")


def test_missing_clean_facets_are_unknown(make_frame):
    clean = make_frame(LISTINGS[:1]).drop(columns=["entry", "attendance"])
    clean["rhythm"] = None
    out = classify_listings(clean)
    assert (out.loc[0, "rhythm"], out.loc[0, "entry"], out.loc[0, "attendance"]) == ("unknown", "unknown", "unknown")


def test_empty_frame(make_frame):
    empty = make_frame(LISTINGS).iloc[0:0]
    out = classify_listings(empty)
    assert out.empty
    assert set(ClassifiedListing.to_schema().columns) <= set(out.columns)
    ClassifiedListing.validate(out)


def test_every_listing_has_evidence_naming_rule_or_model(classified):
    assert classified["format_evidence"].str.len().gt(0).all()
    assert classified["format_evidence"].str.contains(r"^rule \d|model", regex=True).all()
    undecided = classified.iloc[4]
    assert not undecided["format_evidence"].startswith("rule ")
    assert undecided["needs_review"]


@pytest.mark.parametrize("threshold", [0.0, 0.3, DEFAULT_THRESHOLD, 0.8, 1.0])
def test_needs_review_is_confidence_below_threshold(make_frame, threshold):
    out = classify_listings(make_frame(LISTINGS), threshold=threshold)
    assert (out["needs_review"] == (out["format_confidence"] < threshold)).all()
    assert out["format_confidence"].between(0, 1).all()
    if threshold == 0.0:
        assert not out["needs_review"].any()


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_outside_unit_interval_is_refused(make_frame, threshold):
    with pytest.raises(ValueError, match="threshold"):
        classify_listings(make_frame(LISTINGS), threshold=threshold)


def test_decisive_rules_are_confident_and_published(classified):
    assert not classified.iloc[:4]["needs_review"].any()
    assert (classified.iloc[:4]["format_confidence"] >= DEFAULT_THRESHOLD).all()


def test_same_input_same_output(make_frame):
    first = classify_listings(make_frame(LISTINGS))
    second = classify_listings(make_frame(LISTINGS))
    pd.testing.assert_frame_equal(first, second)


def test_a_row_does_not_depend_on_its_neighbours(make_frame):
    together = classify_listings(make_frame(LISTINGS)).set_index("record_id")
    order = np.random.default_rng(7).permutation(len(LISTINGS))
    shuffled = make_frame([LISTINGS[i] for i in order])
    shuffled["record_id"] = [f"test:{i}" for i in order]
    alone = classify_listings(shuffled).set_index("record_id").loc[together.index]
    columns = ["format", "format_confidence", "format_evidence", "facilitator_type", "audience", "topics", "needs_review"]
    pd.testing.assert_frame_equal(together[columns], alone[columns])


def test_non_default_index_is_kept(make_frame):
    clean = make_frame(LISTINGS).set_axis([10, 3, 7, 1, 99])
    out = classify_listings(clean)
    assert list(out.index) == [10, 3, 7, 1, 99]
    assert out.loc[7, "format"] == "art_therapy_psychodrama"


def test_classifier_version_names_taxonomy_and_labelled_set(classified):
    version = classifier_version()
    assert (classified["classifier_version"] == version).all()
    assert "+tax." in version and "+lab." in version
