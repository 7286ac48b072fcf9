"""How well the classify stage follows the labelling guide, on the labelled set's dev split.

`pipelines/classify/labelled.jsonl` holds invented listings (French, Dutch, English) with their
true format and facets. The dev split is never used for training, and no dev row has a
near-duplicate in train (`pipelines.classify.labelled_set check`). When the clean stage is
importable the rows go through it first (so attendance, entry and rhythm are measured too and the
rules see the facets they use), else they are classified as clean-like frames.

    groupdir evaluate classify              # dev: the held-out figures
    groupdir evaluate classify --split train  # train, the model cross-validated (5 folds by cluster)
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from pipelines.classify import classify_listings
from pipelines.classify.model import read_labelled, train_model
from schemas.classified import FORMATS, LIST_SEPARATOR
from schemas.clean import CleanListing

TEXT_FIELDS = ("title", "description", "organizer", "facilitator_text", "schedule_text", "location_text",
               "price_text", "contact_text", "categories")
CLEAN_FACETS = ("attendance", "entry", "rhythm")
THROUGHPUT_ROWS = 20_000
THROUGHPUT_REPEATS = 3
CV_FOLDS = 5
EVALUATION_DAY = dt.date(2026, 1, 5)
TARGETS = {"macro_f1": 0.90, "out_of_scope_recall": 0.95, "listings_per_second": 10_000}
SPLITS = ("dev", "train")


@dataclass
class ClassifyReport:
    split: str
    rows: int
    per_class: pd.DataFrame  # index FORMATS; precision, recall, f1, support
    macro_f1: float
    confusion: pd.DataFrame  # true format (rows) x predicted format (columns)
    facets: dict[str, float]  # accuracy / exact match / micro-F1 per facet
    needs_review_share: float
    decided_by_rule_share: float
    throughput_rows: int
    listings_per_second: float
    through_clean_stage: bool
    mistakes: list[dict] = field(default_factory=list)
    published_accuracy: float = float("nan")  # format accuracy of the rows not held for review
    hard_accuracy: float = float("nan")  # format accuracy on the hard (precedence) rows
    macro_f1_by_language: dict[str, float] = field(default_factory=dict)
    model: str = "trained on the train split"

    @property
    def out_of_scope_recall(self) -> float:
        return float(self.per_class.loc["out_of_scope", "recall"])

    @property
    def meets_targets(self) -> bool:
        return (self.macro_f1 >= TARGETS["macro_f1"] and self.out_of_scope_recall >= TARGETS["out_of_scope_recall"]
                and self.listings_per_second >= TARGETS["listings_per_second"])


def clean_like_frame(labelled: pd.DataFrame) -> pd.DataFrame:
    """Labelled rows as a `CleanListing`-shaped frame (derived fields unknown), without the clean stage."""
    frame = pd.DataFrame({
        "record_id": "labelled:" + labelled["id"].astype("str"),
        "source_id": "labelled",
        "listing_url": "file://labelled/" + labelled["id"].astype("str"),
        "fetched_at": "2026-01-05T03:00:00+00:00",
        "content_hash": labelled["id"].astype("str"),
        "language": labelled["language"],
        "rhythm": "unknown", "attendance": "unknown", "entry": "unknown", "status": "scheduled",
        "price_kind": "unknown", "timezone": "Europe/Brussels",
    })
    for name in TEXT_FIELDS:
        frame[name] = labelled[name] if name in labelled.columns else None
    for name in CleanListing.to_schema().columns:
        if name not in frame.columns:
            frame[name] = None
    return frame


def through_clean_stage(labelled: pd.DataFrame) -> pd.DataFrame | None:
    """The rows cleaned by `pipelines.clean` (input order), or None when it is unavailable or drops rows."""
    try:
        from pipelines.clean import clean_listings
    except ImportError:
        return None
    raw = pd.DataFrame({
        "source_id": "labelled", "external_id": labelled["id"].astype("str"),
        "listing_url": "file://labelled/" + labelled["id"].astype("str"),
        "fetched_at": "2026-01-05T03:00:00+00:00", "content_hash": labelled["id"].astype("str"),
        "language": labelled["language"],
        **{name: labelled[name] for name in TEXT_FIELDS if name in labelled.columns},
    })
    result = clean_listings(raw, today=EVALUATION_DAY)
    if len(result.clean) != len(labelled):
        return None
    return result.clean.reset_index(drop=True)


def _slug_sets(values: pd.Series) -> list[set[str]]:
    return [set(v) if isinstance(v, list | tuple | np.ndarray) else set(filter(None, str(v or "").split(LIST_SEPARATOR)))
            for v in values]


def multi_label_scores(truth: pd.Series, predicted: pd.Series) -> tuple[float, float]:
    """Exact-match share and micro-F1 of ';'-joined (or list) slug sets."""
    true_sets, predicted_sets = _slug_sets(truth), _slug_sets(predicted)
    exact = float(np.mean([t == p for t, p in zip(true_sets, predicted_sets, strict=True)])) if true_sets else 1.0
    hits = sum(len(t & p) for t, p in zip(true_sets, predicted_sets, strict=True))
    predicted_count = sum(len(p) for p in predicted_sets)
    true_count = sum(len(t) for t in true_sets)
    precision = hits / predicted_count if predicted_count else 1.0
    recall = hits / true_count if true_count else 1.0
    return exact, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def measured_throughput(frame: pd.DataFrame, rows: int = THROUGHPUT_ROWS, repeats: int = THROUGHPUT_REPEATS) -> tuple[int, float]:
    """Listings per second classifying `frame` replicated to `rows` (each copy's texts made distinct,
    so nothing can be reused between copies): the median of `repeats` runs after a warm-up run
    on a tenth of the rows (model fitted, regexes and memory pools ready)."""
    copies = -(-rows // len(frame))
    big = pd.concat([frame] * copies, ignore_index=True)
    copy_number = pd.Series(np.repeat(np.arange(copies), len(frame)), dtype="str")
    big["record_id"] = big["record_id"].astype("str") + "#" + copy_number
    big["organizer"] = big["organizer"].fillna("").astype("str") + " " + copy_number
    big["title"] = big["title"].astype("str") + " " + copy_number
    classify_listings(big.head(max(len(big) // 10, 1)))
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        classify_listings(big)
        seconds.append(time.perf_counter() - started)
    return len(big), len(big) / float(np.median(seconds))


def cross_validated(rows: pd.DataFrame, frame: pd.DataFrame, folds: int = CV_FOLDS) -> pd.DataFrame:
    """Each row classified by a model that never saw it or its near-duplicates (folds by cluster)."""
    from sklearn.model_selection import GroupKFold

    from pipelines.classify.labelled_set import near_duplicate_clusters

    clusters = near_duplicate_clusters(rows)
    parts = []
    for fitted, held_out in GroupKFold(n_splits=folds).split(rows, groups=clusters):
        model = train_model(rows.iloc[fitted])
        parts.append(classify_listings(frame.iloc[held_out], model=model).assign(_row=held_out))
    return pd.concat(parts).sort_values("_row").drop(columns="_row").reset_index(drop=True)


def evaluate_classify(split: str = "dev", *, throughput: bool = True) -> ClassifyReport:
    """Format and facet quality on `split` ("dev": held out; "train": model cross-validated)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    labelled = read_labelled()
    rows = labelled[labelled["split"] == split].reset_index(drop=True)
    cleaned = through_clean_stage(rows)
    frame = cleaned if cleaned is not None else clean_like_frame(rows)
    predicted = cross_validated(rows, frame) if split == "train" else classify_listings(frame)
    truth = rows["format"].to_numpy()
    guess = predicted["format"].to_numpy()
    precision, recall, f1, support = precision_recall_fscore_support(truth, guess, labels=list(FORMATS), zero_division=0)
    per_class = pd.DataFrame({"precision": precision, "recall": recall, "f1": f1, "support": support}, index=list(FORMATS))
    confusion = pd.DataFrame(confusion_matrix(truth, guess, labels=list(FORMATS)), index=list(FORMATS), columns=list(FORMATS))
    facets = {"facilitator_type accuracy": float(np.mean(predicted["facilitator_type"].to_numpy() == rows["facilitator_type"].to_numpy()))}
    for name in ("audience", "topics"):
        exact, micro = multi_label_scores(rows[name], predicted[name])
        facets[f"{name} exact match"], facets[f"{name} micro-F1"] = exact, micro
    if cleaned is not None:
        for name in CLEAN_FACETS:
            facets[f"{name} accuracy (clean stage)"] = float(np.mean(predicted[name].to_numpy() == rows[name].to_numpy()))
    correct = truth == guess
    published = ~predicted["needs_review"].to_numpy()
    hard = rows["hard"].astype(bool).to_numpy()
    by_language = {lang: float(f1_score(truth[mask], guess[mask], labels=list(FORMATS), average="macro", zero_division=0))
                   for lang in ("fr", "nl", "en") if (mask := (rows["language"] == lang).to_numpy()).any()}
    wrong = np.flatnonzero(~correct)
    mistakes = [{"id": rows.loc[i, "id"], "title": rows.loc[i, "title"], "true": truth[i], "predicted": guess[i],
                 "confidence": float(predicted.loc[i, "format_confidence"]), "evidence": predicted.loc[i, "format_evidence"]}
                for i in wrong]
    throughput_rows, per_second = measured_throughput(frame) if throughput else (0, float("nan"))
    return ClassifyReport(
        split=split, rows=len(rows), per_class=per_class,
        macro_f1=float(f1_score(truth, guess, labels=list(FORMATS), average="macro", zero_division=0)),
        confusion=confusion, facets=facets,
        needs_review_share=float(predicted["needs_review"].mean()),
        decided_by_rule_share=float(predicted["format_evidence"].str.startswith("rule ").mean()),
        throughput_rows=throughput_rows, listings_per_second=per_second,
        through_clean_stage=cleaned is not None, mistakes=mistakes,
        published_accuracy=float(correct[published].mean()) if published.any() else float("nan"),
        hard_accuracy=float(correct[hard].mean()) if hard.any() else float("nan"),
        macro_f1_by_language=by_language,
        model="cross-validated on train, 5 folds by near-duplicate cluster" if split == "train" else "trained on the train split",
    )


def evaluate_demo_web(warehouse: Path) -> dict:
    """Agreement with the demo web's truth (formats written by the demo web's generator,
    independently of the labelled set) for the raw listings the last night landed in `warehouse`."""
    from pipelines.evaluation.demo import cleaned_demo_night, with_truth

    matched = with_truth(classify_listings(cleaned_demo_night(warehouse)), ["format"]).rename(columns={"format_truth": "_truth"})
    correct = (matched["format"] == matched["_truth"]).to_numpy()
    published = ~matched["needs_review"].to_numpy()
    not_groups = (matched["_truth"] == "out_of_scope").to_numpy()
    return {
        "listings": len(matched),
        "accuracy": float(correct.mean()),
        "macro_f1": float(f1_score(matched["_truth"], matched["format"], labels=list(FORMATS), average="macro", zero_division=0)),
        "out_of_scope_recall": float(correct[not_groups].mean()) if not_groups.any() else float("nan"),
        "non_groups_published_as_groups": int((not_groups & ~correct & published).sum()),
        "needs_review_share": float((~published).mean()),
        "published_accuracy": float(correct[published].mean()) if published.any() else float("nan"),
        "mistakes": matched.loc[~correct, ["record_id", "title", "_truth", "format", "format_confidence", "format_evidence"]],
    }


def format_demo_classify_report(summary: dict) -> str:
    lines = ["Classification of a demo night against the demo web's truth:"]
    lines += [f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}"
              for name, value in summary.items() if name != "mistakes"]
    mistakes = summary["mistakes"]
    if len(mistakes):
        lines.append(mistakes.to_string(index=False, max_colwidth=90))
    return "\n".join(lines)


def format_classify_report(report: ClassifyReport) -> str:
    short = {f: f[:12] for f in FORMATS}
    lines = [
        f"Classification on the {report.split} split: {report.rows} listings"
        f" ({'through the clean stage' if report.through_clean_stage else 'clean-like frames'}; model {report.model})",
        "",
        f"{'format':<26}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}",
    ]
    for name, row in report.per_class.iterrows():
        lines.append(f"{name:<26}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}{int(row['support']):>5}")
    lines += [
        f"macro-F1 {report.macro_f1:.3f} (target {TARGETS['macro_f1']}); out_of_scope recall "
        f"{report.out_of_scope_recall:.3f} (target {TARGETS['out_of_scope_recall']})",
        "macro-F1 by language: " + ", ".join(f"{lang} {value:.3f}" for lang, value in report.macro_f1_by_language.items()),
        f"accuracy on hard (precedence) rows: {report.hard_accuracy:.3f}",
        f"decided by a precedence rule: {report.decided_by_rule_share:.0%}; held for review: {report.needs_review_share:.0%};"
        f" accuracy of the rest (published): {report.published_accuracy:.3f}",
        "",
        "confusion (rows true, columns predicted):",
        " " * 14 + "".join(f"{short[f]:>13}" for f in FORMATS),
    ]
    for name, row in report.confusion.iterrows():
        lines.append(f"{short[name]:<14}" + "".join(f"{int(v):>13}" for v in row))
    lines += ["", "facets:"] + [f"  {name:<36}{value:.3f}" for name, value in report.facets.items()]
    if report.throughput_rows:
        lines += ["", f"throughput: {report.listings_per_second:,.0f} listings/s ({report.throughput_rows:,} rows,"
                      f" median of {THROUGHPUT_REPEATS} runs; target {TARGETS['listings_per_second']:,})"]
    if report.mistakes:
        lines += ["", "mistakes:"] + [
            f"  {m['id']} {m['true']} -> {m['predicted']} ({m['confidence']:.2f}) {m['title']!r}: {m['evidence']}"
            for m in report.mistakes
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(format_classify_report(evaluate_classify(sys.argv[1] if len(sys.argv) > 1 else "dev")))
