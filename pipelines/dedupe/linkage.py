"""Probabilistic record linkage (splink 5 on DuckDB) and clustering of the scored pairs.

The model is a Fellegi-Sunter model with m/u probabilities fixed in code (see `LEVELS` and
docs/DEDUPE.md): a night's batch is too small and too skewed for EM to converge on the same
answer every night, and fixed parameters make a listing's fate reproducible.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.comparison_library import CustomComparison

from pipelines.clean.text import per_distinct, unique_map, unique_rows_map
from pipelines.engine import bounded_duckdb

DEFAULT_MATCH_PROBABILITY = 0.8
PRIOR_MATCH_PROBABILITY = 2e-4
"""Probability that two records drawn at random name the same group (λ of the model)."""

MAX_BLOCK_SIZE = 60
"""A blocking key shared by more records than this (a federation's central phone number, a
city with one postcode in a synthetic set) says nothing and would make pairs quadratic."""

TITLE_WORDS = yaml.safe_load((Path(__file__).with_name("title_words.yaml")).read_text(encoding="utf-8"))
STOPWORDS = frozenset(" ".join(TITLE_WORDS["stopwords"].values()).split())
GENERIC_TITLE_WORDS = frozenset(" ".join(TITLE_WORDS["generic"].values()).split())
ATTENDANCE_WORDS = frozenset(TITLE_WORDS["attendance"].split())
ABBREVIATIONS: dict[str, str] = TITLE_WORDS["abbreviations"]
_ABBREVIATION = r"\b(" + "|".join(ABBREVIATIONS) + r")\b"
NAMES: dict[str, list[str]] = TITLE_WORDS["names"]
_NAME_OF = {phrase: name for name, phrases in NAMES.items() for phrase in phrases}
_NAME = r"\b(" + "|".join(_NAME_OF) + r")\b"
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
    "postcode", "city_norm", "online_url", "phone", "email", "website_norm", "website_domain", "topics",
)

_TOK_L, _TOK_R = "string_split(title_tokens_l, ' ')", "string_split(title_tokens_r, ' ')"
_WORDS_MATCH = (
    "x = y OR (least(len(x), len(y)) >= 4 AND (contains(x, y) OR contains(y, x)))"
    " OR (len(x) >= 5 AND len(y) >= 5 AND left(x, 5) = left(y, 5))"
)
"""Two title words match when equal, when one holds the other (Dutch compounds: rouw ⊂ rouwcafe,
partner ⊂ partnerverlies) or when they share their first five letters (dépressive/depression,
joueurs/joueuses, alcoholics/alcoholisten)."""
_MATCHED_L = f"len(list_filter({_TOK_L}, lambda x: len(list_filter({_TOK_R}, lambda y: {_WORDS_MATCH})) > 0))"
_MATCHED_R = f"len(list_filter({_TOK_R}, lambda y: len(list_filter({_TOK_L}, lambda x: {_WORDS_MATCH})) > 0))"
_TITLE_CONTAINED = (
    f"(({_MATCHED_L} = len({_TOK_L}) AND (len({_TOK_L}) >= 2 OR len({_TOK_R}) <= 2))"
    f" OR ({_MATCHED_R} = len({_TOK_R}) AND (len({_TOK_R}) >= 2 OR len({_TOK_L}) <= 2)))"
)
"""One title's words all match the other's; a one-word title counts only against a short one
("Rouwcafé" is contained in "Praatcafé rouw", not in "Meerdaags kamp voor jongeren in rouw")."""
_TITLE_COVERAGE = f"(({_MATCHED_L} + {_MATCHED_R}) / (len({_TOK_L}) + len({_TOK_R})))"
TITLES_ALIKE = (
    f"title_norm_l = title_norm_r OR title_tokens_l IS NULL OR title_tokens_r IS NULL OR {_TITLE_COVERAGE} >= 0.5"
)
"""Whether two titles of one source could name one group: half of all their content words match.
Containment is not enough here: "Online lotgenotengroep bij rouw" is contained in every grief
title of a grief association. A title without content words ("Groupe de parole") could be any."""
_WHO_AGREE = (
    "(CASE WHEN jaro_winkler_similarity(organizer_norm_l, organizer_norm_r) >= 0.9 THEN 1 ELSE 0 END"
    " + CASE WHEN phone_l = phone_r THEN 1 ELSE 0 END"
    " + CASE WHEN email_l = email_r THEN 1 ELSE 0 END"
    " + CASE WHEN website_domain_l = website_domain_r THEN 1 ELSE 0 END)"
)
_WHO_NULL = " AND ".join(
    f"({c}_l IS NULL OR {c}_r IS NULL)" for c in ("organizer_norm", "phone", "email", "website_domain")
)

CONFLICTS_SQL = f"""
    WITH pairs AS (
        SELECT l.record_id AS a, r.record_id AS b, l.source_id AS source_id_l, r.source_id AS source_id_r,
               l.title_norm AS title_norm_l, r.title_norm AS title_norm_r,
               l.title_tokens AS title_tokens_l, r.title_tokens AS title_tokens_r,
               l.out_of_scope AS out_of_scope_l, r.out_of_scope AS out_of_scope_r
        FROM members l JOIN members r ON l.component = r.component AND l.record_id < r.record_id
    )
    SELECT a, b FROM pairs
    WHERE ((source_id_l = source_id_r AND NOT ({TITLES_ALIKE})) OR out_of_scope_l <> out_of_scope_r)
      AND NOT EXISTS (SELECT 1 FROM analysts WHERE analysts.a = pairs.a AND analysts.b = pairs.b)
    ORDER BY a, b
"""  # noqa: S608 (the only text put in is TITLES_ALIKE, a constant of this module)
"""Cannot-link pairs among the records of one component (`members`), analysts' links excepted."""

LEVELS: dict[str, list[tuple[str, str, float | None, float | None]]] = {
    # comparison: [(label, SQL condition, m, u)], most specific first; m/u None = null level
    "title": [
        ("null", "title_norm_l IS NULL OR title_norm_r IS NULL", None, None),
        ("exact", "title_norm_l = title_norm_r", 0.3, 0.001),
        ("jaro-winkler >= 0.92", "jaro_winkler_similarity(title_norm_l, title_norm_r) >= 0.92", 0.15, 0.002),
        ("the words of one all match words of the other", _TITLE_CONTAINED, 0.15, 0.004),
        ("half of all words match", f"{_TITLE_COVERAGE} >= 0.5", 0.15, 0.01),
        ("a word matches or jaro-winkler >= 0.8",
         f"{_TITLE_COVERAGE} > 0 OR jaro_winkler_similarity(title_norm_l, title_norm_r) >= 0.8", 0.12, 0.08),
        ("else", "ELSE", 0.004, 0.9025),
    ],
    "who": [  # organizer, phone, e-mail and website say the same thing (the association): one comparison
        ("null", _WHO_NULL, None, None),
        ("two or more of organizer/phone/email/website agree", f"{_WHO_AGREE} >= 2", 0.7, 0.007),
        ("one agrees", f"{_WHO_AGREE} = 1", 0.25, 0.02),
        ("else", "ELSE", 0.3, 0.973),
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
    "topics": [  # the classifier's topic slugs: the same in every language the title is written in
        ("null", "topics_l IS NULL OR topics_r IS NULL", None, None),
        ("a shared topic", "list_has_any(string_split(topics_l, ';'), string_split(topics_r, ';'))", 0.85, 0.2),
        ("else", "ELSE", 0.15, 0.8),
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
    return per_distinct(text.astype("str"), _folded)


def _folded(text: pd.Series) -> pd.Series:
    s = text.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True).str.lower()
    s = s.str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()
    return s.where(s.str.len() > 0).astype("str")


def normalised_titles(title: pd.Series) -> pd.Series:
    """Folded titles with abbreviations and fellowship names as one language-neutral word
    ("AA", "Alcoholics Anonymous" and "Anonieme Alcoholisten" all read `alcoholicsanonymous`)."""
    def normalised(titles: pd.Series) -> pd.Series:
        expanded = titles.str.replace(_ABBREVIATION, lambda m: ABBREVIATIONS[m.group(1)], regex=True)
        return folded(expanded).str.replace(_NAME, lambda m: _NAME_OF[m.group(1)], regex=True)

    return per_distinct(title.astype("str"), normalised)


def title_token_sets(title_norm: pd.Series, city_norm: pd.Series | None = None) -> pd.Series:
    """Sorted distinct content words of each title, space-joined: no stop words, no words every
    group title uses, no attendance words, and not the record's own city ("Rouwcafé Antwerpen"
    and "Praatcafé rouw" name one group when both meet in Antwerpen)."""
    cities = city_norm if city_norm is not None else pd.Series(pd.NA, index=title_norm.index, dtype="str")

    def tokens(text: object, city: object) -> str | None:
        if not isinstance(text, str):
            return None
        dropped = STOPWORDS | GENERIC_TITLE_WORDS | ATTENDANCE_WORDS | set(city.split() if isinstance(city, str) else ())
        kept = sorted({w for w in text.split() if w not in dropped and len(w) > 1})
        return " ".join(kept) or None

    return unique_rows_map(pd.DataFrame({"t": title_norm, "c": cities}), tokens).astype("str")


def title_keys(title_norm: pd.Series) -> pd.Series:
    """The first two content words of a title, in order: a blocking key that survives suffixes."""
    def key(text: object) -> str | None:
        if not isinstance(text, str):
            return None
        words = [w for w in text.split() if w not in STOPWORDS and len(w) > 1]
        return " ".join(words[:2]) or None

    return unique_map(title_norm, key).astype("str")


def url_without_scheme(url: pd.Series) -> pd.Series:
    """A URL compared as people mean it: no scheme, no `www.`, no trailing slash, lower case."""
    def bare(urls: pd.Series) -> pd.Series:
        s = urls.str.lower().str.replace(r"^https?://(?:www\.)?", "", regex=True).str.rstrip("/")
        return s.where(s.str.len() > 0).astype("str")

    return per_distinct(url.astype("str"), bare)


def _optional(listings: pd.DataFrame, column: str) -> pd.Series:
    return listings[column] if column in listings else pd.Series(pd.NA, index=listings.index, dtype="str")


def linkage_frame(listings: pd.DataFrame) -> pd.DataFrame:
    """The normalised columns the model compares, and one column per blocking key."""
    title_norm = normalised_titles(listings["title"])
    city_norm = folded(_optional(listings, "city"))
    organizer = folded(_optional(listings, "organizer"))
    website = url_without_scheme(_optional(listings, "website"))
    start = _optional(listings, "start_time").astype("str")
    frame = pd.DataFrame(
        {
            "record_id": listings["record_id"].astype("str"),
            "title_norm": title_norm,
            "title_tokens": title_token_sets(title_norm, city_norm),
            "title_key": title_keys(title_norm),
            "organizer_norm": per_distinct(organizer, lambda names: folded(names.str.replace(LEGAL_FORMS, " ", regex=True))),
            "weekday": pd.to_numeric(_optional(listings, "weekday"), errors="coerce").astype("Int64"),
            "start_time": start,
            "start_minutes": (pd.to_numeric(start.str.slice(0, 2), errors="coerce") * 60
                              + pd.to_numeric(start.str.slice(3, 5), errors="coerce")).astype("Int64"),
            "postcode": _optional(listings, "postcode").astype("str").str.upper().str.replace(r"\s+", "", regex=True),
            "city_norm": city_norm,
            "online_url": url_without_scheme(_optional(listings, "online_url")),
            "phone": _optional(listings, "phone").astype("str"),
            "email": _optional(listings, "email").astype("str").str.lower(),
            "website_norm": website,
            "website_domain": website.str.replace(r"/.*$", "", regex=True),
            "topics": _optional(listings, "topics").astype("str").replace("", pd.NA),
        },
        index=listings.index,
    )
    frame["source_id"] = _optional(listings, "source_id").astype("str")
    frame["out_of_scope"] = _optional(listings, "format").astype("str").eq("out_of_scope").fillna(False).astype(bool)
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
    codes, _ = pd.factorize(key)
    sizes = np.bincount(codes[codes >= 0], minlength=1)[codes]  # a missing key (-1) is masked below
    return key.where((codes >= 0) & (sizes > 1) & (sizes <= MAX_BLOCK_SIZE))


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
    with bounded_duckdb() as con:
        linker = Linker(DuckDBAPI(con).register(frame[columns]), settings(), log_level=None)
        predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
        # only the three columns leave DuckDB: splink's prediction table also carries every
        # comparison's values, levels and Bayes factors, which nothing here reads
        pairs = predictions.as_duckdbpyrelation().project("record_id_l, record_id_r, match_probability").df()
    return pairs.astype({"record_id_l": "str", "record_id_r": "str", "match_probability": "float64"})


def edges_among(ids: pd.Index, edges: pd.DataFrame) -> pd.DataFrame:
    """The edges (a, b, p) between tonight's records, with both ends' row positions (`ia`, `ib`):
    looked up once, as every later step works on positions (an analyst's link may name a record
    that is gone, and is left out)."""
    ia, ib = ids.get_indexer(edges["a"]), ids.get_indexer(edges["b"])
    keep = (ia >= 0) & (ib >= 0)
    return edges.loc[keep].assign(ia=ia[keep], ib=ib[keep]).reset_index(drop=True)


def components(n: int, edges: pd.DataFrame) -> np.ndarray:
    """Connected-component number of each of `n` records (scipy), `edges` from `edges_among`."""
    graph = coo_matrix((np.ones(len(edges)), (edges["ia"].to_numpy(), edges["ib"].to_numpy())), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype("int64")


def conflicting_pairs(frame: pd.DataFrame, labels: np.ndarray, allowed: pd.DataFrame) -> pd.DataFrame:
    """Pairs (a, b) that no cluster may hold, however they are linked (directly or through other
    records; `labels`: each record's connected component), unless an analyst linked them (`allowed`):
    - two listings of one source whose titles are unlike (`TITLES_ALIKE`): a site lists one group
      under one title, so its grief group and its gamblers' group in one room at one hour stay two;
    - a group and a non-group event (`out_of_scope`): a talk must never lend its page to a group,
      nor a group its format to a talk."""
    grouped = np.bincount(labels)[labels] > 1
    members = frame.loc[grouped, ["record_id", "source_id", "title_norm", "title_tokens", "out_of_scope"]]
    members = members.assign(component=labels[grouped])
    analysts = allowed[["a", "b"]].astype("str")
    with bounded_duckdb() as con:
        con.register("members", members)
        con.register("analysts", analysts)
        found = con.sql(CONFLICTS_SQL).df()
    return found.astype("str") if len(found) else pd.DataFrame({"a": pd.Series(dtype="str"), "b": pd.Series(dtype="str")})


def constrained_clusters(
    record_ids: pd.Series, edges: pd.DataFrame, labels: np.ndarray, cannot_link: pd.DataFrame
) -> pd.Series:
    """Cluster number per record: connected components (`labels`) of `edges` (a, b, p with
    positions, from `edges_among`), except that no cluster may hold both records of a
    `cannot_link` row (a, b); such components are rebuilt from their strongest edges down,
    skipping every edge that would join a forbidden pair, so the weakest links are the ones that go."""
    ids = pd.Index(record_ids.astype("str"))
    labels = labels.copy()
    ca, cb = ids.get_indexer(cannot_link["a"]), ids.get_indexer(cannot_link["b"])
    valid = (ca >= 0) & (cb >= 0)
    ca, cb = ca[valid], cb[valid]
    conflicted = np.unique(labels[ca][labels[ca] == labels[cb]])
    next_label = int(labels.max()) + 1 if len(ids) else 0
    forbidden = {(int(x), int(y)) for x, y in zip(ca, cb, strict=True)} | {(int(y), int(x)) for x, y in zip(ca, cb, strict=True)}
    for members, comp_edges in _by_component(labels, conflicted, edges):
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


def _by_component(labels: np.ndarray, components: np.ndarray, edges: pd.DataFrame):
    """(record positions ascending, edges strongest first) of each of `components` (sorted),
    in one pass over the records and one over the edges rather than one per component."""
    positions = np.flatnonzero(np.isin(labels, components))
    positions = positions[np.argsort(labels[positions], kind="stable")]
    edge_component = labels[edges["ia"].to_numpy()]
    inside = np.isin(edge_component, components)
    edges = edges[inside].assign(component=edge_component[inside])
    edges = edges.sort_values(["component", "p", "a", "b"], ascending=[True, False, True, True])
    record_bounds = np.searchsorted(labels[positions], components), np.searchsorted(labels[positions], components, "right")
    edge_bounds = np.searchsorted(edges["component"].to_numpy(), components), np.searchsorted(edges["component"].to_numpy(), components, "right")
    for k in range(len(components)):
        yield positions[record_bounds[0][k]:record_bounds[1][k]], edges.iloc[edge_bounds[0][k]:edge_bounds[1][k]]
