"""Keeping the labelled set honest: near-duplicate clusters, a leakage-free train/dev split, and
a summary of its coverage (formats x languages, hard share).

Many listings are variants of each other (the same text upper-cased, with a typo, or with another
topic in the same sentence). A dev row whose variant is in train measures memory, not the
classifier, so whole clusters of near-duplicates go to one split:

    .venv/bin/python -m pipelines.classify.labelled_set check     # coverage and leakage
    .venv/bin/python -m pipelines.classify.labelled_set resplit   # reassign splits by cluster

`resplit` keeps the split of rows whose cluster is already on one side (so dev rows stay dev) and
only moves clusters that straddle both, so re-running it is harmless.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from pipelines.classify.model import LABELLED_PATH, read_labelled
from pipelines.classify.rules import folded
from schemas.classified import FORMATS

NEAR_DUPLICATE = 0.4
"""Cosine similarity (word 1-2-gram TF-IDF of title + description) above which two rows are variants."""
DEV_SHARE = 0.3
TARGET_LANGUAGES = ("fr", "nl", "en")
MINIMUM = {"rows": 420, "hard_share": 0.25}


def _similarity(labelled: pd.DataFrame) -> np.ndarray:
    text = (labelled["title"].fillna("") + " . " + labelled["description"].fillna("")).map(folded)
    vectors = TfidfVectorizer(ngram_range=(1, 2)).fit_transform(text)
    similarity = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similarity, 0.0)
    return similarity


def near_duplicate_clusters(labelled: pd.DataFrame, threshold: float = NEAR_DUPLICATE) -> pd.Series:
    """A cluster id per row (the smallest row id of its cluster): rows linked by similarity > threshold."""
    similarity = _similarity(labelled)
    parent = list(range(len(labelled)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(similarity > threshold)), strict=True):
        parent[root(int(i))] = root(int(j))
    roots = pd.Series([root(i) for i in range(len(labelled))], index=labelled.index)
    ids = labelled["id"].astype("str")
    return roots.map(ids.groupby(roots).min())


def leaking_dev_rows(labelled: pd.DataFrame, threshold: float = NEAR_DUPLICATE) -> pd.DataFrame:
    """Dev rows with a train row more similar than `threshold` (should be none)."""
    similarity = _similarity(labelled)
    train = np.flatnonzero(labelled["split"].to_numpy() == "train")
    dev = np.flatnonzero(labelled["split"].to_numpy() == "dev")
    if len(train) == 0 or len(dev) == 0:
        return labelled.iloc[0:0]
    closest = similarity[np.ix_(dev, train)]
    worst = closest.max(axis=1)
    leaking = worst > threshold
    out = labelled.iloc[dev[leaking]][["id", "format", "title"]].copy()
    out["train_twin"] = labelled["id"].to_numpy()[train[closest[leaking].argmax(axis=1)]]
    out["similarity"] = worst[leaking]
    return out


def _stable_hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def resplit(labelled: pd.DataFrame, dev_share: float = DEV_SHARE) -> pd.DataFrame:
    """Splits reassigned so that every near-duplicate cluster is on one side.

    A cluster already wholly on one side keeps it; a straddling cluster goes to dev when its
    (format, language) stratum has less than `dev_share` of its rows in dev, else to train
    (clusters visited in a hash order, so the result is deterministic)."""
    out = labelled.copy()
    out["_cluster"] = near_duplicate_clusters(out)
    sides = out.groupby("_cluster")["split"].agg(lambda s: set(s))
    settled = {c: next(iter(s)) for c, s in sides.items() if len(s) == 1}
    straddling = sorted((c for c, s in sides.items() if len(s) > 1), key=_stable_hash)
    first = out.groupby("_cluster").first()
    stratum = first["format"] + "/" + first["language"]
    size = out.groupby("_cluster").size()
    total = stratum.map(lambda s: int(size[stratum == s].sum()))
    dev_rows = {s: int(size[[c for c in settled if stratum[c] == s and settled[c] == "dev"]].sum()) for s in stratum.unique()}
    for cluster in straddling:
        s = stratum[cluster]
        side = "dev" if dev_rows[s] + size[cluster] / 2 <= dev_share * total[cluster] else "train"
        settled[cluster] = side
        if side == "dev":
            dev_rows[s] += int(size[cluster])
    out["split"] = out["_cluster"].map(settled)
    return out.drop(columns="_cluster")


def coverage(labelled: pd.DataFrame) -> dict:
    """What the guide and the issue ask of the set: size, formats x languages per split, hard share."""
    by_cell = labelled.groupby(["split", "format", "language"]).size()
    missing = [(split, f, lang) for split in ("train", "dev") for f in FORMATS for lang in TARGET_LANGUAGES
               if by_cell.get((split, f, lang), 0) == 0]
    return {
        "rows": len(labelled),
        "train": int((labelled["split"] == "train").sum()),
        "dev": int((labelled["split"] == "dev").sum()),
        "hard_share": float(labelled["hard"].mean()),
        "missing_cells": missing,
        "duplicate_ids": int(labelled["id"].duplicated().sum()),
    }


def write_labelled(labelled: pd.DataFrame, path: Path = LABELLED_PATH) -> None:
    """One JSON object per line, in id order, keys in the file's usual order."""
    rows = labelled.sort_values("id", kind="stable").to_dict(orient="records")
    lines = []
    for row in rows:
        clean = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for key in ("audience", "topics"):
            clean[key] = list(clean.get(key) or [])
        lines.append(json.dumps(clean, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    labelled = read_labelled()
    if argv[:1] == ["resplit"]:
        labelled = resplit(labelled)
        write_labelled(labelled)
    print(json.dumps(coverage(labelled), indent=1))
    print(pd.crosstab(labelled["format"], [labelled["split"], labelled["language"]]))
    leaks = leaking_dev_rows(labelled)
    print(f"dev rows with a near-duplicate in train: {len(leaks)}")
    if len(leaks):
        print(leaks.to_string(index=False))
    return 1 if len(leaks) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
