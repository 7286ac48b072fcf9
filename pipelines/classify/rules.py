"""The labelling guide's precedence rules and facet cues, applied to whole columns at once.

Everything here is vectorised with pyarrow's RE2 kernels called directly: pandas falls back to
Python's `re` row by row for patterns with `\\b` (ten times slower), and after accent folding the
text is ASCII, where RE2's word boundary is the one we want.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from schemas.classified import AUDIENCES, FACILITATOR_TYPES, LIST_SEPARATOR, TOPICS

TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")
CUE_LANGUAGES = ("fr", "nl", "en")
DECISIVE = 0.7
"""A rule whose strength reaches this decides the format on its own (the guide's precedence)."""
MODEL_TEXT_FIELDS = ("title", "description", "categories", "facilitator_text", "schedule_text", "price_text", "organizer")
"""Fields that describe the activity (not the address or contact), in this order. The first three
say what it is about (`Texts.about`: audience and topics); all but the organizer are what the
rules read (`Texts.text`: an association called "Cercles de parole" also runs workshops); the
model reads them all (`Texts.full`)."""
RULE_TEXT_FIELDS = MODEL_TEXT_FIELDS.index("organizer")
INCLUSIVE_ENDINGS = "e|s|es|le|les|ne|nes|rice|rices|trice|trices|euse|euses|x"


@dataclass(frozen=True)
class Tier:
    """Phrases of one weight in one scope and language, as one alternation."""

    scope: str  # "title" or "text"
    language: str  # "any" or a cue language
    weight: float
    pattern: str


@dataclass(frozen=True)
class Rule:
    id: int
    format: str
    when: tuple[tuple[str, ...], ...]  # any conjunction of cue groups
    unless: tuple[str, ...] = ()  # cue groups that stop the rule where they match decisively


@dataclass(frozen=True)
class Taxonomy:
    version: str
    digest: str
    labels: dict
    repairs_before_folding: tuple[tuple[str, str], ...]
    repairs: tuple[tuple[str, str], ...]
    rules: tuple[Rule, ...]
    facet_cues: dict[str, dict[str, dict[str, float]]]
    cue_groups: dict[str, tuple[Tier, ...]]
    facilitator_cues: dict[str, dict[str, str]]  # slug -> language -> pattern (in the facilitator field)
    facilitator_text_cues: dict[str, dict[str, str]]  # slug -> language -> pattern (anywhere in the text)
    audience_cues: dict[str, dict[str, str]]
    topic_cues: dict[str, str]


def folded(text: str) -> str:
    """Lower-case without accents (for patterns and single strings; columns use `normalised`)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _alternation(phrases: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{folded(p)})" for p in phrases) + ")"


def _tiers(scoped: dict[str, dict[str, dict[str, float]]]) -> tuple[Tier, ...]:
    tiers = []
    for scope, by_language in scoped.items():
        for language, phrases in by_language.items():
            for weight in sorted({float(w) for w in phrases.values()}, reverse=True):
                chosen = [p for p, w in phrases.items() if float(w) == weight]
                tiers.append(Tier(scope, language, weight, _alternation(chosen)))
    return tuple(tiers)


def _by_language(cues: dict[str, list[str]]) -> dict[str, str]:
    return {language: _alternation(phrases) for language, phrases in cues.items()}


def _facilitator_in_text(cues: dict, lead_in: dict) -> dict[str, str]:
    """Per language: the slug's nouns next to a phrase saying they run the group ("animé par une
    psychologue", "a psychologist leads"), or its `anywhere` phrases."""
    out = {}
    for language in CUE_LANGUAGES:
        nouns = [*cues["who"].get("any", []), *cues["who"].get(language, [])]
        parts = []
        if nouns:
            noun = _alternation(nouns)
            before, after = _alternation(lead_in["before"][language]), _alternation(lead_in["after"][language])
            parts += [rf"\b{before}(?:\s+[^\s.;:!?]+){{0,3}}?\s+{noun}", rf"{noun}(?:\s+[^\s.;:!?]+){{0,2}}?\s+{after}\b"]
        anywhere = [*cues.get("anywhere", {}).get("any", []), *cues.get("anywhere", {}).get(language, [])]
        if anywhere:
            parts.append(_alternation(anywhere))
        if parts:
            out[language] = "|".join(f"(?:{p})" for p in parts)
    return out


@cache
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """The taxonomy file, compiled into alternations; cached per path (it ships with the code)."""
    raw_bytes = path.read_bytes()
    data = yaml.safe_load(raw_bytes)
    return Taxonomy(
        version=str(data["version"]),
        digest=hashlib.sha256(raw_bytes).hexdigest()[:8],
        labels=data["labels"],
        repairs_before_folding=tuple((p, r) for p, r in data.get("repairs_before_folding", {}).items()),
        repairs=tuple((folded(p), r) for p, r in data.get("repairs", {}).items()),
        rules=tuple(Rule(r["id"], r["format"], tuple(tuple(c) for c in r["when"]), tuple(r.get("unless", ())))
                    for r in data["rules"]),
        facet_cues=data.get("facet_cues", {}),
        cue_groups={name: _tiers(scoped) for name, scoped in data["cues"].items()},
        facilitator_cues={slug: _by_language(c["who"]) for slug, c in data["facilitator_type"].items()},
        facilitator_text_cues={slug: _facilitator_in_text(c, data["facilitator_lead_in"])
                               for slug, c in data["facilitator_type"].items()},
        audience_cues={slug: _by_language(c) for slug, c in data["audience"].items()},
        topic_cues={slug: _alternation(phrases) for slug, phrases in data["topics"].items()},
    )


# --- normalisation -------------------------------------------------------------------------


def normalised(text: pd.Series | pa.Array, taxonomy: Taxonomy | None = None) -> pa.Array:
    """Lower-case, accents folded, inclusive writing reduced, negations marked, typos repaired.

    "Animé·e par un·e psychologue.s" and "thérapeute(s)" read as "anime par un psychologue" and
    "therapeute", so one cue phrase covers every spelling a site may use."""
    taxonomy = taxonomy or load_taxonomy()
    out = pc.utf8_lower(text if isinstance(text, pa.Array) else _arrow(text))
    out = _replaced(out, taxonomy.repairs_before_folding)
    out = pc.replace_substring_regex(pc.utf8_normalize(out, "NFKD"), r"\p{Mn}", "")
    inclusive = (rf"([a-z])[·•‧⋅.](?:{INCLUSIVE_ENDINGS})\b", r"\1")
    out = _replaced(out, (("[’‘`´ʼ]", "'"), ("œ", "oe"), ("æ", "ae"), inclusive, inclusive,  # "-el·le·s": twice
                          (rf"\((?:{INCLUSIVE_ENDINGS})\)(?:e?s\b)?", "")))
    return _replaced(out, taxonomy.repairs)


def _replaced(column: pa.Array, replacements: tuple[tuple[str, str], ...]) -> pa.Array:
    """`column` with each (pattern, replacement) applied in turn, only on the rows any pattern
    matches (one search pass, then the few rows that need it are rewritten)."""
    if not replacements or len(column) == 0:
        return column
    needs = pc.match_substring_regex(column, "|".join(f"(?:{p})" for p, _ in replacements))
    needs = pc.fill_null(needs, False)
    if not pc.any(needs).as_py():
        return column
    subset = column.filter(needs)
    for pattern, replacement in replacements:
        subset = pc.replace_substring_regex(subset, pattern, replacement)
    return pc.replace_with_mask(column, needs, subset)


def normalised_text(text: str) -> str:
    """One string as `normalised` reads it (for tests and analysts' tools)."""
    return normalised(pa.array([text], type=pa.string()))[0].as_py()


@dataclass
class Texts:
    """The normalised views of a frame that cues are matched against."""

    index: pd.Index
    title: pa.Array
    text: pa.Array  # what the rules read: the fields that describe the activity, not the organizer
    facilitator: pa.Array
    about: pa.Array  # title, description and categories: what the activity is about
    languages: dict[str, np.ndarray]  # cue language -> rows whose cues apply
    full: pa.Array | None = None  # every field, the organizer too (the model's view)
    facets: pa.Array | None = None  # "rhythm_recurring entry_open ...": the clean stage's facets as words

    def subset(self, rows: np.ndarray) -> Texts:
        """The same views for some rows (positions)."""
        take = pa.array(rows)
        return Texts(index=self.index[rows], title=self.title.take(take), text=self.text.take(take),
                     facilitator=self.facilitator.take(take), about=self.about.take(take),
                     full=None if self.full is None else self.full.take(take),
                     languages={lang: flags[rows] for lang, flags in self.languages.items()},
                     facets=None if self.facets is None else self.facets.take(take))


FIELD_MARK = "\x1f"
"""Separates the fields while the joined text is normalised (one pass instead of one per field)."""


def listing_texts(frame: pd.DataFrame, taxonomy: Taxonomy | None = None) -> Texts:
    taxonomy = taxonomy or load_taxonomy()
    parts = [pc.replace_substring(_arrow(_field(frame, name)), FIELD_MARK, " ") for name in MODEL_TEXT_FIELDS]
    joined = normalised(pc.binary_join_element_wise(*parts, f" {FIELD_MARK} "), taxonomy)
    fields = pc.split_pattern(joined, FIELD_MARK)
    title = pc.utf8_trim_whitespace(pc.list_element(fields, 0))
    facilitator = pc.utf8_trim_whitespace(pc.list_element(fields, MODEL_TEXT_FIELDS.index("facilitator_text")))
    language = _field(frame, "language").str.lower().str.slice(0, 2)
    undecided = ~language.isin(CUE_LANGUAGES).to_numpy()
    languages = {lang: (language == lang).to_numpy() | undecided for lang in CUE_LANGUAGES}
    return Texts(
        index=frame.index,
        title=title,
        text=pc.binary_join_element_wise(*[pc.list_element(fields, i) for i in range(RULE_TEXT_FIELDS)], "."),
        facilitator=facilitator,
        about=pc.binary_join_element_wise(*[pc.list_element(fields, i) for i in range(3)], "."),
        full=pc.replace_substring(joined, FIELD_MARK, "."),
        languages=languages,
        facets=_facet_words(frame),
    )


FACET_WORDS = ("rhythm", "entry", "attendance")
"""The clean stage's facets the model sees as words ("rhythm_recurring"); `unknown` is no word,
so a listing whose schedule could not be parsed is not pushed towards any format."""


def _facet_words(frame: pd.DataFrame) -> pa.Array:
    words = []
    for name in FACET_WORDS:
        value = _arrow(_field(frame, name))
        known = pc.and_(pc.not_equal(value, ""), pc.not_equal(value, "unknown"))
        words.append(pc.if_else(known, pc.binary_join_element_wise(f"{name}_", value, ""), ""))
    return pc.binary_join_element_wise(*words, " ")


def _field(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series("", index=frame.index, dtype="str")
    return frame[name].astype("str").fillna("")


def _arrow(values: pd.Series) -> pa.Array:
    """A string column as a pyarrow array, missing values as ""."""
    try:
        array = pa.array(values, from_pandas=True, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array(values.astype("str").to_numpy(dtype=object), from_pandas=True, type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.fill_null(array, "")


# --- cue groups and rules ---------------------------------------------------------------------


def _contains(column: pa.Array, pattern: str, rows: np.ndarray | None = None) -> np.ndarray:
    """Rows of `column` matching `pattern` (only where `rows` is true, when given).

    Only the selected rows are searched: most cue tiers apply to one language or to the few rows
    a group's combined pattern already found, so this is where the stage's time goes."""
    if rows is None:
        return pc.match_substring_regex(column, pattern).to_numpy(zero_copy_only=False)
    hits = np.zeros(len(column), dtype=bool)
    where = np.flatnonzero(rows)
    if len(where) == 0:
        return hits
    if len(where) == len(column):
        return pc.match_substring_regex(column, pattern).to_numpy(zero_copy_only=False)
    subset = column.take(pa.array(where))
    hits[where] = pc.match_substring_regex(subset, pattern).to_numpy(zero_copy_only=False)
    return hits


def _extracted(column: pa.Array, pattern: str, rows: np.ndarray) -> np.ndarray:
    """The text each of `rows` matched (its first match)."""
    found = pc.extract_regex(column.filter(pa.array(rows)), f"(?P<m>{pattern})")
    return found.field("m").to_numpy(zero_copy_only=False)


def _language_rows(texts: Texts, language: str) -> np.ndarray | None:
    return None if language == "any" else texts.languages[language]


def cue_strength(texts: Texts, tiers: tuple[Tier, ...]) -> tuple[np.ndarray, pd.Series]:
    """Per row: the highest weight of a matching phrase (0 when none), and the phrase itself."""
    strength = np.zeros(len(texts.title))
    evidence = np.full(len(texts.title), None, dtype=object)
    candidates = {}
    for scope in {t.scope for t in tiers}:  # one pass per scope finds the rows worth a closer look
        column = texts.title if scope == "title" else texts.text
        candidates[scope] = _contains(column, "|".join(t.pattern for t in tiers if t.scope == scope))
    for tier in sorted(tiers, key=lambda t: -t.weight):
        column = texts.title if tier.scope == "title" else texts.text
        rows = _language_rows(texts, tier.language)
        open_rows = candidates[tier.scope] & (strength < tier.weight)
        if rows is not None:
            open_rows &= rows
        hits = _contains(column, tier.pattern, open_rows)
        if not hits.any():
            continue
        strength[hits] = tier.weight
        where = " in title" if tier.scope == "title" else ""
        evidence[hits] = [f"'{phrase}'{where}" for phrase in _extracted(column, tier.pattern, hits)]
    return strength, pd.Series(evidence, index=texts.index, dtype="object")


def facet_strength(frame: pd.DataFrame, facet_cues: dict[str, dict[str, float]]) -> tuple[np.ndarray, pd.Series]:
    """A cue group's strength from structured fields: the clean stage's facets (rhythm =
    multi_day) or, for a key starting with "~", a regular expression over the field's raw value
    (categories made of Meeting Guide type codes)."""
    strength = np.zeros(len(frame))
    evidence = pd.Series(pd.NA, index=frame.index, dtype="object")
    for column, values in facet_cues.items():
        if column not in frame.columns:
            continue
        raw = frame[column].astype("str")
        for value, weight in values.items():
            if value.startswith("~"):
                matched = _contains(_arrow(frame[column]), value[1:])
            else:
                matched = (raw == value).fillna(False).to_numpy(dtype=bool)
            hits = matched & (strength < weight)
            strength[hits] = weight
            evidence[hits] = (column + "=" + raw[hits]).to_numpy()
    return strength, evidence


@dataclass
class RuleOutcome:
    strength: np.ndarray  # rows x rules, in precedence order
    evidence: list[pd.Series]  # per rule: the phrases that made it apply


def rule_outcomes(frame: pd.DataFrame, texts: Texts, taxonomy: Taxonomy | None = None) -> RuleOutcome:
    """How strongly each precedence rule applies to each row, with its evidence."""
    taxonomy = taxonomy or load_taxonomy()
    groups: dict[str, tuple[np.ndarray, pd.Series]] = {}
    for name, tiers in taxonomy.cue_groups.items():
        strength, evidence = cue_strength(texts, tiers)
        if name in taxonomy.facet_cues:
            from_facets, facet_evidence = facet_strength(frame, taxonomy.facet_cues[name])
            better = from_facets > strength
            strength = np.maximum(strength, from_facets)
            evidence = evidence.where(~better, facet_evidence)
        groups[name] = (strength, evidence)
    strengths, evidences = [], []
    for rule in taxonomy.rules:
        best = np.zeros(len(frame))
        best_evidence = pd.Series("", index=frame.index, dtype="object")
        for conjunction in rule.when:
            weakest = np.min([groups[g][0] for g in conjunction], axis=0)
            phrases = groups[conjunction[0]][1].fillna("").astype("str")
            for g in conjunction[1:]:
                phrases = phrases + " + " + groups[g][1].fillna("").astype("str")
            better = weakest > best
            best = np.where(better, weakest, best)
            best_evidence = best_evidence.where(~better, phrases)
        for group in rule.unless:
            blocked = groups[group][0] >= DECISIVE
            best = np.where(blocked, 0.0, best)
        strengths.append(best)
        evidences.append(best_evidence)
    return RuleOutcome(strength=np.column_stack(strengths) if strengths else np.zeros((len(frame), 0)), evidence=evidences)


def first_decisive_rule(outcome: RuleOutcome, decisive: float = DECISIVE) -> np.ndarray:
    """Index of the first rule (precedence order) that applies with decisive strength, else -1."""
    applies = outcome.strength >= decisive
    first = applies.argmax(axis=1)
    return np.where(applies.any(axis=1), first, -1)


# --- facets -----------------------------------------------------------------------------------


def _matches(texts: Texts, column: pa.Array, cues: dict[str, str], candidates: np.ndarray | None = None) -> np.ndarray:
    hits = np.zeros(len(column), dtype=bool)
    for language, pattern in cues.items():
        rows = _language_rows(texts, language)
        if candidates is not None:
            rows = candidates if rows is None else rows & candidates
        hits |= _contains(column, pattern, rows)
    return hits


def _candidates(column: pa.Array, cue_sets: list[dict[str, str]] | list[str]) -> np.ndarray:
    """Rows matching any of the cues at all (one pass), so each slug is only tried on those."""
    patterns = [p for cues in cue_sets for p in (cues.values() if isinstance(cues, dict) else [cues])]
    return _contains(column, "|".join(patterns)) if patterns else np.zeros(len(column), dtype=bool)


def facilitator_types(texts: Texts, taxonomy: Taxonomy | None = None) -> pd.Series:
    """Who runs the group: what the facilitator field says first, else what the rest of the text
    says about who leads it; the first slug in the taxonomy's order wins in each."""
    taxonomy = taxonomy or load_taxonomy()
    from_text = pd.Series(pd.NA, index=texts.index, dtype="object")
    from_field = from_text.copy()
    slugs = [s for s in taxonomy.facilitator_cues if s in FACILITATOR_TYPES]
    in_field = _candidates(texts.facilitator, [taxonomy.facilitator_cues[s] for s in slugs])
    in_text = _candidates(texts.text, [taxonomy.facilitator_text_cues[s] for s in slugs])
    for slug in reversed(slugs):
        from_field[_matches(texts, texts.facilitator, taxonomy.facilitator_cues[slug], in_field)] = slug
        from_text[_matches(texts, texts.text, taxonomy.facilitator_text_cues[slug], in_text)] = slug
    return from_field.fillna(from_text).fillna("unknown").astype("str")


def _joined(flags: dict[str, np.ndarray], order: tuple[str, ...], index: pd.Index) -> pd.Series:
    """';'-joined slugs in the contract's order ("" when none)."""
    out = pd.Series("", index=index, dtype="str")
    for slug in order:
        if slug in flags:
            out = out + np.where(flags[slug], slug + LIST_SEPARATOR, "")
    return out.str.rstrip(LIST_SEPARATOR).astype("str")


def audiences(texts: Texts, taxonomy: Taxonomy | None = None) -> pd.Series:
    taxonomy = taxonomy or load_taxonomy()
    candidates = _candidates(texts.about, list(taxonomy.audience_cues.values()))
    flags = {slug: _matches(texts, texts.about, cues, candidates) for slug, cues in taxonomy.audience_cues.items()}
    return _joined(flags, AUDIENCES, texts.index)


def topics(texts: Texts, taxonomy: Taxonomy | None = None) -> pd.Series:
    taxonomy = taxonomy or load_taxonomy()
    candidates = _candidates(texts.about, list(taxonomy.topic_cues.values()))
    flags = {slug: _contains(texts.about, pattern, candidates) for slug, pattern in taxonomy.topic_cues.items()}
    return _joined(flags, TOPICS, texts.index)
