"""The classify stage: each clean listing gets a format, facets, a confidence and its evidence.

How a format is decided (docs/CLASSIFICATION.md has the details):
1. the guide's precedence rules (`taxonomy.yaml`) are checked in order; the first that applies
   with decisive strength (>= `rules.DECISIVE`) decides, with its strength as confidence, lowered
   when the model prefers another format;
2. otherwise the model decides, its probabilities nudged towards formats whose rules applied
   weakly, with a confidence capped under the default threshold (the guide's rule 9: review);
3. a listing whose confidence is below the threshold `needs_review` (held from the export).
Analysts' corrections (`apply_corrections`) are applied after this, on every run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from pipelines.classify.corrections import apply_corrections, corrections_as_training_examples
from pipelines.classify.model import FormatModel, format_model
from pipelines.classify.rules import (
    DECISIVE,
    RuleOutcome,
    Taxonomy,
    audiences,
    facilitator_types,
    first_decisive_rule,
    listing_texts,
    load_taxonomy,
    rule_outcomes,
    topics,
)
from pipelines.compact import compact, expanded
from schemas.classified import FORMATS, ClassifiedListing

__all__ = [
    "DEFAULT_THRESHOLD", "apply_corrections", "classified_chunk", "classifier_version", "classify_listings",
    "corrections_as_training_examples",
]

DEFAULT_THRESHOLD = 0.6
DISAGREEMENT_PENALTY = 0.5
"""A decisive rule loses this share of the model's preference for another format."""
WEAK_RULE_WEIGHT = 0.5
"""How much a rule that applied below decisive strength adds to its format's model probability."""
MODEL_ONLY_CEILING = 0.55
"""Confidence cap where no rule decided (guide §1 rule 9: the closest label, low confidence,
review): below the default threshold, so such listings wait for an analyst."""
CLASSIFIED_COLUMNS = (
    "format", "format_confidence", "format_evidence", "facilitator_type", "audience", "topics",
    "needs_review", "classifier_version",
)
FACETS_FROM_CLEAN = ("attendance", "entry", "rhythm")


def classifier_version(taxonomy: Taxonomy | None = None, model: FormatModel | None = None) -> str:
    """Taxonomy version and hashes of the taxonomy and labelled set: changes when either does."""
    taxonomy = taxonomy or load_taxonomy()
    model = model or format_model()
    return f"{taxonomy.version}+tax.{taxonomy.digest}+lab.{model.digest}"


def classify_listings(clean: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD,
                      model: FormatModel | None = None) -> pd.DataFrame:
    """`clean` (same rows, same order, every column kept) plus the classification columns.

    `threshold`: a listing whose format confidence is below it `needs_review`. `model`: another
    trained model (cross-validation); the shipped one by default."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], not {threshold}")
    taxonomy, model = load_taxonomy(), model or format_model()
    out = clean.copy(deep=False)  # copy-on-write: `clean` never changes, its columns are not duplicated
    for facet in FACETS_FROM_CLEAN:
        out[facet] = out[facet].fillna("unknown").astype("str") if facet in out.columns else "unknown"
    if out.empty:
        return _empty_classified(out, classifier_version(taxonomy, model))
    texts = listing_texts(out, taxonomy)
    # The model and the rules read the same texts independently; both spend their time in
    # pyarrow/scipy kernels that release the GIL, so the model runs in a second thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        modelled = pool.submit(model.probabilities, texts)
        outcome = rule_outcomes(out, texts, taxonomy)
        facilitators, audience, topic = facilitator_types(texts, taxonomy), audiences(texts, taxonomy), topics(texts, taxonomy)
        probabilities = modelled.result()
    formats, confidence, evidence = decide_formats(outcome, probabilities, taxonomy)
    by_model = ~pd.Series(evidence).str.startswith("rule ").to_numpy()
    if by_model.any():  # say which words moved the model where it decided
        words = model.telling_features(texts, np.flatnonzero(by_model), formats[by_model])
        evidence[by_model] = evidence[by_model] + np.where(words != "", " (" + words + ")", "")
    out["format"] = formats
    out["format_confidence"] = np.round(confidence, 3)
    out["format_evidence"] = evidence
    out["facilitator_type"] = facilitators.to_numpy()
    out["audience"] = audience.to_numpy()
    out["topics"] = topic.to_numpy()
    out["needs_review"] = out["format_confidence"] < threshold
    out["classifier_version"] = classifier_version(taxonomy, model)
    return ClassifiedListing.validate(out)


def _note(values: np.ndarray, template: str) -> np.ndarray:
    return np.array([template.format(v) for v in values], dtype=object)


def decide_formats(outcome: RuleOutcome, probabilities: np.ndarray, taxonomy: Taxonomy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Format, confidence and evidence per row from the rules' strengths and the model.

    - The first rule (precedence order) that applies decisively decides; its strength is the
      confidence, lowered by `DISAGREEMENT_PENALTY` x how much more the model likes another format.
    - Otherwise the model decides, its probabilities nudged towards formats whose rules applied
      weakly; the blended probability, capped at `MODEL_ONLY_CEILING`, is the confidence (so
      with the default threshold these listings go to review, as the guide's rule 9 says)."""
    n = probabilities.shape[0]
    rules = taxonomy.rules
    rule_format = np.array([FORMATS.index(r.format) for r in rules])
    decisive = first_decisive_rule(outcome)
    decided = decisive >= 0
    model_top = probabilities.argmax(axis=1)
    model_p = probabilities.max(axis=1)
    rows = np.arange(n)

    weak = np.zeros_like(probabilities)
    for j, column in enumerate(rule_format):
        weak[:, column] = np.maximum(weak[:, column], np.where(outcome.strength[:, j] < DECISIVE, outcome.strength[:, j], 0))
    blended = probabilities + WEAK_RULE_WEIGHT * weak
    blended = blended / blended.sum(axis=1, keepdims=True).clip(min=1e-9)
    blended_top = blended.argmax(axis=1)

    chosen_rule = np.where(decided, decisive, 0)
    by_rule = rule_format[chosen_rule]
    rule_strength = outcome.strength[rows, chosen_rule]
    preference = np.clip(model_p - probabilities[rows, by_rule], 0, None)
    formats_index = np.where(decided, by_rule, blended_top)
    confidence = np.where(decided, rule_strength - DISAGREEMENT_PENALTY * preference,
                          np.minimum(blended.max(axis=1), MODEL_ONLY_CEILING))
    confidence = np.clip(confidence, 0.0, 1.0)

    format_names = np.array(FORMATS, dtype=object)
    agrees = model_top == formats_index
    model_note = np.where(agrees, _note(model_p, "model {:.2f}"),
                          "model prefers " + format_names[model_top] + _note(model_p, " {:.2f}"))
    evidence = np.full(n, "", dtype=object)
    overruled = np.full(n, "", dtype=object)
    for j, rule in enumerate(rules):
        phrases = outcome.evidence[j].fillna("").astype("str").to_numpy(dtype=object)
        here = decided & (decisive == j)
        evidence[here] = f"rule {rule.id} {rule.format}: " + phrases[here]
        # a later rule that also applied decisively lost on precedence: say so, once
        lost = decided & (decisive < j) & (outcome.strength[:, j] >= DECISIVE) & (overruled == "") & (rule_format[j] != formats_index)
        overruled[lost] = f" (over rule {rule.id} {rule.format}: " + phrases[lost] + ")"
        weak_here = ~decided & (outcome.strength[:, j] > 0) & (rule_format[j] == blended_top)
        evidence[weak_here] = (evidence[weak_here] + f"weak rule {rule.id} {rule.format}: " + phrases[weak_here]
                               + _note(outcome.strength[weak_here, j], " ({:.2f}); "))
    joined = np.where(decided, evidence + overruled + "; " + model_note, evidence + model_note)
    return format_names[formats_index].astype(str), confidence, joined.astype(str)


def _empty_classified(frame: pd.DataFrame, version: str) -> pd.DataFrame:
    out = frame.copy()
    for column in CLASSIFIED_COLUMNS:
        dtype = "bool" if column == "needs_review" else "float" if column == "format_confidence" else "str"
        out[column] = pd.Series(dtype=dtype, index=out.index)
    if set(ClassifiedListing.to_schema().columns) <= set(out.columns):
        return ClassifiedListing.validate(out)
    return out


def classified_chunk(chunk: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """`classify_listings` of one chunk (given as text or encoded), dictionary-encoded: the
    night's classified chunks wait for dedupe at a quarter of their size (at a million rows,
    0.4 GB instead of 1.5 GB), and pass from a worker process in a fraction of the time."""
    return compact(classify_listings(expanded(chunk), threshold=threshold))
