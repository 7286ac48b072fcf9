"""Synthetic raw listings shaped like the demo web, deterministic from a seed.

Texts come from the repository's own labelled listings (all formats, three languages); the
generator varies where and when they meet, how they are written, and re-announces ~10% of the
groups on a second source with small variations, as regional agendas do.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.raw import RAW_FIELDS

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_FILES = (REPO / "pipelines" / "classify" / "labelled.jsonl", REPO / "tests" / "data" / "clean_dev.jsonl")
TEXT_COLUMNS = ("title", "description", "organizer", "facilitator_text", "language", "categories")

PLACES = [
    ("4000", "Liège", "BE"), ("1000", "Bruxelles", "BE"), ("1050", "Ixelles", "BE"), ("5000", "Namur", "BE"),
    ("2000", "Antwerpen", "BE"), ("9000", "Gent", "BE"), ("3000", "Leuven", "BE"), ("8000", "Brugge", "BE"),
    ("6000", "Charleroi", "BE"), ("7000", "Mons", "BE"), ("1300", "Wavre", "BE"), ("6700", "Arlon", "BE"),
    ("69003", "Lyon", "FR"), ("59000", "Lille", "FR"), ("75011", "Paris", "FR"), ("67000", "Strasbourg", "FR"),
    ("1201", "Genève", "CH"), ("1003", "Lausanne", "CH"), ("L-1724", "Luxembourg", "LU"), ("L-4002", "Esch-sur-Alzette", "LU"),
]
STREETS = ["Rue de la Paix", "Avenue des Alliés", "Kerkstraat", "Stationsstraat", "Rue Haute", "Chaussée de Louvain", "Main Street"]
SCHEDULES = [
    "tous les 1ers mardis du mois de 19h30 à 21h", "le mercredi de 14 à 16h", "chaque jeudi, 18h-20h",
    "un lundi sur deux de 10h à 12h", "le dernier vendredi du mois à 20h", "cycle de 8 séances le mardi à 19h",
    "elke tweede donderdag van 20u tot 22u", "iedere maandag 19u30-21u30", "om de twee weken op woensdag, 14u",
    "every last Friday, 6:30-8pm", "Tuesdays 7pm to 8:30pm", "every other Saturday 10am-noon",
    "du vendredi 18h au dimanche 16h", "samedi 14 mars 2027 de 9h30 à 17h", "", None,
]
PRICES = ["gratuit", "participation libre", "5 €", "10 EUR par séance", "gratis", "lidgeld 15 euro/jaar", "free", "€ 7,50", "", None]


def load_templates(files: tuple[Path, ...] = TEMPLATE_FILES) -> pd.DataFrame:
    """Text columns of the labelled sets (whatever is present), one row per listing."""
    rows = []
    for path in files:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                record = record.get("raw", record) if isinstance(record.get("raw"), dict) else record
                rows.append({c: record.get(c) for c in TEXT_COLUMNS})
    if not rows:
        raise FileNotFoundError(f"no template listings in {[str(p) for p in files]}")
    frame = pd.DataFrame(rows)
    return frame[frame["title"].notna()].reset_index(drop=True)


def synthetic_raw(n: int, seed: int = 42, templates: pd.DataFrame | None = None, n_sources: int = 60) -> pd.DataFrame:
    """`n` raw listings (RAW_FIELDS as text), ~10% of them second announcements of another row."""
    rng = np.random.default_rng(seed)
    base = load_templates() if templates is None else templates
    picks = rng.integers(0, len(base), n)
    frame = base.iloc[picks].reset_index(drop=True)
    place = rng.integers(0, len(PLACES), n)
    postcode = np.array([p[0] for p in PLACES])[place]
    city = np.array([p[1] for p in PLACES])[place]
    country = np.array([p[2] for p in PLACES])[place]
    street_no = rng.integers(1, 200, n)
    streets = np.array(STREETS)[rng.integers(0, len(STREETS), n)]
    source = rng.integers(0, n_sources, n)
    ids = np.arange(n)
    out = pd.DataFrame(index=frame.index)
    out["source_id"] = pd.Series(source).map(lambda s: f"synthetic-{s:03d}")
    out["external_id"] = pd.Series(ids).astype("str")
    out["listing_url"] = "https://" + out["source_id"] + ".example/groupe/" + out["external_id"]
    for column in TEXT_COLUMNS:
        out[column] = frame[column]
    out["title"] = frame["title"].astype("str") + np.where(rng.random(n) < 0.5, " – " + city, "")
    out["schedule_text"] = pd.Series(np.array(SCHEDULES, dtype=object)[rng.integers(0, len(SCHEDULES), n)])
    out["location_text"] = pd.Series(streets) + " " + pd.Series(street_no).astype("str") + ", " + pd.Series(postcode) + " " + pd.Series(city)
    out["price_text"] = pd.Series(np.array(PRICES, dtype=object)[rng.integers(0, len(PRICES), n)])
    # Phone numbers belong to associations and their groups, not to each announcement: drawn from
    # a pool of one number per 20 listings (a per-row number would make every contact text unique).
    phone_pool = rng.integers(10_000_000, 99_999_999, max(1, n // 20))
    phone_digits = phone_pool[rng.integers(0, len(phone_pool), n)]
    out["contact_text"] = "Tél. 04 " + pd.Series(phone_digits).astype("str").str.replace(r"(\d{3})(\d{2})(\d{2})(\d)", r"\1 \2 \3 \4", regex=True) + " — info@" + out["source_id"] + ".example"
    out["country"] = pd.Series(country)
    # Second announcements: a row copied to another source with small variations.
    dup = rng.random(n) < 0.10
    dup_idx = np.flatnonzero(dup)
    if len(dup_idx):
        originals = rng.integers(0, n, len(dup_idx))
        for column in ("title", "description", "organizer", "schedule_text", "location_text", "price_text", "contact_text", "country", "language"):
            out.loc[dup_idx, column] = out[column].to_numpy()[originals]
        out.loc[dup_idx, "title"] = out.loc[dup_idx, "title"].str.upper().where(rng.random(len(dup_idx)) < 0.3, out.loc[dup_idx, "title"])
        out.loc[dup_idx, "source_id"] = "synthetic-agenda"
        out.loc[dup_idx, "listing_url"] = "https://agenda.example/e/" + out.loc[dup_idx, "external_id"]
    out["fetched_at"] = "2026-12-01T03:00:00+00:00"
    out["spider_version"] = "synthetic"
    for column in RAW_FIELDS:
        if column not in out:
            out[column] = None
    hashed = out[[c for c in RAW_FIELDS if c not in ("content_hash", "raw", "fetched_at", "spider_version")]]
    # pandas' str dtype keeps nulls as NaN: spell them out before joining
    joined = hashed.astype("object").where(hashed.notna(), "").astype("str").agg("\x1f".join, axis=1)
    out["content_hash"] = joined.map(lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest())
    out["raw"] = None
    return out[list(RAW_FIELDS)].astype("str").where(out[list(RAW_FIELDS)].notna(), None)
