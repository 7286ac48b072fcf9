"""Probabilistic record linkage (splink 5 on DuckDB) and clustering of the scored pairs.

The model is a Fellegi-Sunter model with m/u probabilities fixed in code (see `LEVELS` and
docs/DEDUPE.md): a night's batch is too small and too skewed for EM to converge on the same
answer every night, and fixed parameters make a listing's fate reproducible.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.comparison_library import CustomComparison

DEFAULT_MATCH_PROBABILITY = 0.8
PRIOR_MATCH_PROBABILITY = 2e-4
"""Probability that two records drawn at random name the same group (λ of the model)."""

MAX_BLOCK_SIZE = 60
"""A blocking key shared by more records than this (a federation's central phone number, a
city with one postcode in a synthetic set) says nothing and would make pairs quadratic."""

STOPWORDS = frozenset(
    ["a", "au", "aux", "avec", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour", "par", "sur", "un", "une", "de", "het", "een", "en", "van", "voor", "met", "in", "op", "the", "of", "for", "and", "in", "with", "on", "to", "der", "die", "das", "und", "fur", "mit"]
)
GENERIC_TITLE_WORDS = frozenset(
    ["groupe", "groupes", "groep", "groepen", "group", "groups", "atelier", "ateliers", "workshop", "cercle", "cirkel",
     "circle", "parole", "entraide", "soutien", "support", "praatgroep", "lotgenotengroep", "zelfhulpgroep", "espace",
     "rencontre", "rencontres", "reunion", "meeting", "personnes", "mensen", "people"]
)
"""Words every group title uses: sharing them says nothing about being the same group, so the
title tokens compared leave them out (the association's two groups in one room stay two)."""
ABBREVIATIONS = {"aa": "alcooliques anonymes", "na": "narcotiques anonymes", "sep": "sclerose plaques"}
LEGAL_FORMS = r"\b(?:asbl|a s b l|vzw|v z w|aisbl|ivzw|sa|sarl|association|assoc|vereniging|ev|e v)\b"

BLOCKING_KEYS: dict[str, tuple[str, ...]] = {
    "bk_title_place": ("title_key", "place_key"),
    "bk_organizer_day": ("organizer_norm", "weekday"),
    "bk_slot_place": ("weekday", "start_time", "place_key"),
    "bk_online": ("online_url",),
    "bk_email_day": ("email", "weekday"),
    "bk_phone_day": ("phone", "weekday"),
    "bk_title_organizer": ("title_key", "organizer_norm"),
}
"""Each pair of records that could be one group shares at least one of these keys."""

LINK_COLUMNS = (
    "record_id", "title_norm", "title_tokens", "organizer_norm", "weekday", "start_minutes",
    "postcode", "city_norm", "online_url", "phone", "email", "website_norm", "website_domain",
)

_TOK_L, _TOK_R = "string_split(title_tokens_l, ' ')", "string_split(title_tokens_r, ' ')"
_TOKEN_JACCARD = (
    f"len(list_intersect({_TOK_L}, {_TOK_R})) / len(list_distinct(list_concat({_TOK_L}, {_TOK_R})))"
)
_WHO_AGREE = (
    "(CASE WHEN jaro_winkler_similarity(organizer_norm_l, organizer_norm_r) >= 0.9 THEN 1 ELSE 0 END"
    " + CASE WHEN phone_l = phone_r THEN 1 ELSE 0 END"
    " + CASE WHEN email_l = email_r THEN 1 ELSE 0 END"
    " + CASE WHEN website_domain_l = website_domain_r THEN 1 ELSE 0 END)"
)
_WHO_NULL = " AND ".join(
    f"({c}_l IS NULL OR {c}_r IS NULL)" for c in ("organizer_norm", "phone", "email", "website_domain")
)

LEVELS: dict[str, list[tuple[str, str, float | None, float | None]]] = {
    # comparison: [(label, SQL condition, m, u)], most specific first; m/u None = null level
    "title": [
        ("null", "title_norm_l IS NULL OR title_norm_r IS NULL", None, None),
        ("exact", "title_norm_l = title_norm_r", 0.3, 0.001),
        ("jaro-winkler >= 0.92", "jaro_winkler_similarity(title_norm_l, title_norm_r) >= 0.92", 0.15, 0.002),
        ("tokens of one contain the other", f"list_has_all({_TOK_L}, {_TOK_R}) OR list_has_all({_TOK_R}, {_TOK_L})", 0.15, 0.004),
        ("token jaccard >= 0.5", f"{_TOKEN_JACCARD} >= 0.5", 0.15, 0.01),
        ("a shared token or jaro-winkler >= 0.8",
         f"{_TOKEN_JACCARD} > 0 OR jaro_winkler_similarity(title_norm_l, title_norm_r) >= 0.8", 0.12, 0.08),
        ("else", "ELSE", 0.004, 0.9025),
    ],
    "who": [  # organizer, phone, e-mail and website say the same thing (the association): one comparison
        ("null", _WHO_NULL, None, None),
        ("two or more of organizer/phone/email/website agree", f"{_WHO_AGREE} >= 2", 0.7, 0.007),
        ("one agrees", f"{_WHO_AGREE} = 1", 0.25, 0.02),
        ("else", "ELSE", 0.05, 0.973),
    ],
    "weekday": [
        ("null", "weekday_l IS NULL OR weekday_r IS NULL", None, None),
        ("exact", "weekday_l = weekday_r", 0.985, 0.15),
        ("else", "ELSE", 0.0002, 0.85),
    ],
    "start_time": [
        ("null", "start_minutes_l IS NULL OR start_minutes_r IS NULL", None, None),
        ("exact", "start_minutes_l = start_minutes_r", 0.9, 0.1),
        ("within 30 minutes", "abs(start_minutes_l - start_minutes_r) <= 30", 0.0998, 0.1),
        ("else", "ELSE", 0.0002, 0.8),
    ],
    "place": [
        ("null", "(postcode_l IS NULL AND city_norm_l IS NULL) OR (postcode_r IS NULL AND city_norm_r IS NULL)", None, None),
        ("postcode", "postcode_l = postcode_r", 0.85, 0.02),
        ("city, a postcode missing", "city_norm_l = city_norm_r AND (postcode_l IS NULL OR postcode_r IS NULL)", 0.1, 0.03),
        ("else", "ELSE", 0.0003, 0.95),
    ],
    "online_url": [
        ("null", "online_url_l IS NULL OR online_url_r IS NULL", None, None),
        ("exact", "online_url_l = online_url_r", 0.9, 0.0001),
        ("else", "ELSE", 0.1, 0.9999),
    ],
}

logging.getLogger("splink").setLevel(logging.WARNING)


def folded(text: pd.Series) -> pd.Series:
    """Lower-case ASCII words separated by single spaces (NA when nothing is left), so that
    accents, case and punctuation never decide a match."""
    s = text.astype("str").str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
    s = s.str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()
    return s.where(s.str.len() > 0).astype("str")


def title_token_sets(title_norm: pd.Series) -> pd.Series:
    """Sorted distinct content words of each title (abbreviations expanded), space-joined."""
    def tokens(text: object) -> str | None:
        if not isinstance(text, str):
            return None
        words = " ".join(ABBREVIATIONS.get(w, w) for w in text.split()).split()
        kept = sorted({w for w in words if w not in STOPWORDS and w not in GENERIC_TITLE_WORDS and len(w) > 1})
        return " ".join(kept) or None

    return pd.Series([tokens(t) for t in title_norm], index=title_norm.index, dtype="str")


def title_keys(title_norm: pd.Series) -> pd.Series:
    """The first two content words of a title, in order: a blocking key that survives suffixes."""
    def key(text: object) -> str | None:
        if not isinstance(text, str):
            return None
        words = [ABBREVIATIONS.get(w, w).split()[0] for w in text.split() if w not in STOPWORDS and len(w) > 1]
        return " ".join(words[:2]) or None

    return pd.Series([key(t) for t in title_norm], index=title_norm.index, dtype="str")


def url_without_scheme(url: pd.Series) -> pd.Series:
    """A URL compared as people mean it: no scheme, no `www.`, no trailing slash, lower case."""
    s = url.astype("str").str.lower().str.replace(r"^https?://(?:www\.)?", "", regex=True).str.rstrip("/")
    return s.where(s.str.len() > 0).astype("str")


def _optional(listings: pd.DataFrame, column: str) -> pd.Series:
    return listings[column] if column in listings else pd.Series(pd.NA, index=listings.index, dtype="str")


def linkage_frame(listings: pd.DataFrame) -> pd.DataFrame:
    """The normalised columns the model compares, and one column per blocking key."""
    title_norm = folded(listings["title"])
    organizer = folded(_optional(listings, "organizer"))
    website = url_without_scheme(_optional(listings, "website"))
    start = _optional(listings, "start_time").astype("str")
    frame = pd.DataFrame(
        {
            "record_id": listings["record_id"].astype("str"),
            "title_norm": title_norm,
            "title_tokens": title_token_sets(title_norm),
            "title_key": title_keys(title_norm),
            "organizer_norm": folded(organizer.str.replace(LEGAL_FORMS, " ", regex=True)),
            "weekday": pd.to_numeric(_optional(listings, "weekday"), errors="coerce").astype("Int64"),
            "start_time": start,
            "start_minutes": (pd.to_numeric(start.str.slice(0, 2), errors="coerce") * 60
                              + pd.to_numeric(start.str.slice(3, 5), errors="coerce")).astype("Int64"),
            "postcode": _optional(listings, "postcode").astype("str").str.upper().str.replace(r"\s+", "", regex=True),
            "city_norm": folded(_optional(listings, "city")),
            "online_url": url_without_scheme(_optional(listings, "online_url")),
            "phone": _optional(listings, "phone").astype("str"),
            "email": _optional(listings, "email").astype("str").str.lower(),
            "website_norm": website,
            "website_domain": website.str.replace(r"/.*$", "", regex=True),
        },
        index=listings.index,
    )
    frame["place_key"] = frame["postcode"].fillna(frame["city_norm"])
    for name, parts in BLOCKING_KEYS.items():
        frame[name] = bounded_block_key(frame, parts)
    return frame.reset_index(drop=True)


def bounded_block_key(frame: pd.DataFrame, parts: Iterable[str]) -> pd.Series:
    """The parts joined into one key (NA if any is missing), NA again for oversized blocks."""
    columns = [frame[p].astype("str") for p in parts]
    key = columns[0]
    for column in columns[1:]:
        key = key + "|" + column
    sizes = key.map(key.value_counts())
    return key.where((sizes > 1) & (sizes <= MAX_BLOCK_SIZE))


def has_candidate_pairs(frame: pd.DataFrame) -> bool:
    """Whether any blocking key is shared by two records (splink is not worth starting otherwise)."""
    return len(frame) >= 2 and bool(frame[list(BLOCKING_KEYS)].notna().any().any())


def comparisons() -> list[CustomComparison]:
    def level(label: str, sql: str, m: float | None, u: float | None) -> dict:
        if m is None:
            return {"sql_condition": sql, "label_for_charts": label, "is_null_level": True}
        return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}

    return [
        CustomComparison(output_column_name=name, comparison_levels=[level(*lv) for lv in levels])
        for name, levels in LEVELS.items()
    ]


def settings() -> SettingsCreator:
    """Backend-neutral splink settings: the same dictionary runs on `SparkAPI` past one machine."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        probability_two_random_records_match=PRIOR_MATCH_PROBABILITY,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=[block_on(name) for name in BLOCKING_KEYS],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"record_id_l": pd.Series(dtype="str"), "record_id_r": pd.Series(dtype="str"),
                         "match_probability": pd.Series(dtype="float64")})


def scored_pairs(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Blocked pairs scoring at least `threshold` (record_id_l, record_id_r, match_probability)."""
    if not has_candidate_pairs(frame):
        return empty_pairs()
    columns = list(LINK_COLUMNS) + list(BLOCKING_KEYS)
    with duckdb.connect() as con:
        linker = Linker(DuckDBAPI(con).register(frame[columns]), settings(), log_level=None)
        predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        pairs = predictions.as_pandas_dataframe()[["record_id_l", "record_id_r", "match_probability"]]
    return pairs.astype({"record_id_l": "str", "record_id_r": "str", "match_probability": "float64"})


def constrained_clusters(
    record_ids: pd.Series, edges: pd.DataFrame, cannot_link: pd.DataFrame
) -> pd.Series:
    """Cluster number per record: connected components of `edges` (a, b, p), except that no
    cluster may hold both records of a `cannot_link` row (a, b); such components are rebuilt
    from their strongest edges down, skipping every edge that would join a forbidden pair, so
    the weakest links are the ones that go."""
    ids = pd.Index(record_ids.astype("str"))
    n = len(ids)
    a, b = ids.get_indexer(edges["a"]), ids.get_indexer(edges["b"])
    keep = (a >= 0) & (b >= 0)
    graph = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype("int64")
    ca, cb = ids.get_indexer(cannot_link["a"]), ids.get_indexer(cannot_link["b"])
    valid = (ca >= 0) & (cb >= 0)
    conflicted = {int(labels[x]) for x, y in zip(ca[valid], cb[valid], strict=True) if labels[x] == labels[y]}
    next_label = int(labels.max()) + 1 if n else 0
    for component in sorted(conflicted):
        members = np.flatnonzero(labels == component)
        comp_edges = edges.loc[keep].assign(ia=a[keep], ib=b[keep])
        comp_edges = comp_edges[np.isin(comp_edges["ia"], members)].sort_values(["p", "a", "b"], ascending=[False, True, True])
        forbidden = {(int(x), int(y)) for x, y in zip(ca[valid], cb[valid], strict=True)} | {
            (int(y), int(x)) for x, y in zip(ca[valid], cb[valid], strict=True)}
        groups = {int(m): {int(m)} for m in members}
        for x, y in zip(comp_edges["ia"], comp_edges["ib"], strict=True):
            gx, gy = groups[int(x)], groups[int(y)]
            if gx is gy or any((u, v) in forbidden for u in gx for v in gy):
                continue
            gx |= gy
            for member in gy:
                groups[member] = gx
        for group in {id(g): g for g in groups.values()}.values():
            labels[sorted(group)] = next_label
            next_label += 1
    return pd.Series(labels, index=record_ids.index, name="cluster")
