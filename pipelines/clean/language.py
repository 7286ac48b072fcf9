"""Listing language: the one the source declares, else detected offline with lingua.

One detector per process with only fr/nl/en/de loaded (all languages would cost ~900 MB), run in
bulk on the distinct texts of the rows that declare nothing usable.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from schemas.clean import LANGUAGES

_DETECTED = {Language.FRENCH: "fr", Language.DUTCH: "nl", Language.ENGLISH: "en", Language.GERMAN: "de"}
_NAMES = {
    "francais": "fr", "français": "fr", "french": "fr", "frans": "fr", "französisch": "fr",
    "nederlands": "nl", "dutch": "nl", "néerlandais": "nl", "neerlandais": "nl", "vlaams": "nl", "flemish": "nl",
    "english": "en", "anglais": "en", "engels": "en", "englisch": "en",
    "deutsch": "de", "german": "de", "allemand": "de", "duits": "de",
}
DETECTION_CHARS = 400
"""Enough text for a confident guess; longer only costs time."""


@cache
def language_detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_DETECTED).build()


def declared_languages(declared: pd.Series) -> pd.Series:
    """ISO 639-1 code for declarations such as "fr", "fr-BE", "nl_BE", "Nederlands"; null otherwise."""
    text = declared.astype("str").str.strip().str.lower()
    code = text.str.extract(r"^([a-z]{2})(?:[-_][a-z]{2,4})?$", expand=False)
    code = code.where(code.isin(LANGUAGES))
    return code.fillna(text.map(_NAMES)).astype("str")


def detected_languages(texts: pd.Series) -> pd.Series:
    """Detected language of each text (null when lingua cannot decide or the text is empty)."""
    text = texts.astype("str").str.slice(0, DETECTION_CHARS)
    has_text = text.str.contains(r"[^\W\d_]{3}", regex=True).fillna(False).astype(bool)
    result = pd.Series(pd.NA, index=texts.index, dtype="str")
    if not has_text.any():
        return result
    unique = list(pd.unique(text[has_text]))
    found = language_detector().detect_languages_in_parallel_of(unique)
    mapping = {value: _DETECTED.get(language) for value, language in zip(unique, found, strict=True)}
    return result.mask(has_text, text[has_text].map(mapping)).astype("str")


def listing_languages(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Language per row and its origin ("declared", "detected" or "unknown")."""
    declared = declared_languages(frame["language"])
    missing = declared.isna()
    language = declared.copy()
    if missing.any():
        rows = frame.loc[missing]
        text = rows["title"].fillna("").astype("str") + ". " + rows["description"].fillna("").astype("str")
        language = language.mask(missing, detected_languages(text))
    origin = pd.Series("unknown", index=frame.index, dtype="str")
    origin = origin.mask(declared.notna(), "declared").mask(missing & language.notna(), "detected")
    return language.astype("str"), origin
