"""Language: declared when usable, else detected offline (fr/nl/en/de only)."""

import pandas as pd
import pytest

from pipelines.clean.language import declared_languages, listing_languages


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("fr", "fr"), ("fr-BE", "fr"), ("nl_BE", "nl"), ("EN", "en"), ("Nederlands", "nl"), ("Français", "fr"),
     ("de-CH", "de"), ("es", None), ("xx-YY", None), ("", None), (None, None)],
)
def test_declared_languages(declared, expected):
    out = declared_languages(pd.Series([declared], dtype="str")).iloc[0]
    assert (None if pd.isna(out) else out) == expected


def test_listing_languages_declared_first_then_detected():
    frame = pd.DataFrame(
        {
            "language": ["nl-BE", None, None, None, "es"],
            "title": ["Groupe de parole", "Groupe de parole pour les proches", "Praatgroep voor nabestaanden",
                      "Support group for carers of a sick relative", "12"],
            "description": [None, "Un espace pour partager.", "Een warme plek om te praten.", None, None],
        },
        dtype="str",
    )
    language, origin = listing_languages(frame)
    assert language.tolist()[:4] == ["nl", "fr", "nl", "en"]
    assert pd.isna(language.iloc[4])
    assert origin.tolist() == ["declared", "detected", "detected", "detected", "unknown"]
