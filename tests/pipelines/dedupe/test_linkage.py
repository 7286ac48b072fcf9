"""The linkage model: normalisation, bounded blocking, and the hard cases it must get right."""

from __future__ import annotations

import pandas as pd
import pytest

import pipelines.dedupe.linkage as linkage
from pipelines.dedupe import dedupe_listings
from pipelines.dedupe.linkage import folded, linkage_frame, title_keys, title_token_sets


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Groupe de parole – Deuil (Liège)", "groupe de parole deuil liege"), ("  ÉCOUTE & Partage!! ", "ecoute partage"),
     ("---", None), (None, None)],
)
def test_folded_text_ignores_case_accents_and_punctuation(text, expected):
    got = folded(pd.Series([text], dtype="str")).iloc[0]
    assert (got if isinstance(got, str) else None) == expected


@pytest.mark.parametrize(
    ("title", "tokens", "key"),
    [
        ("groupe de parole pour personnes endeuillees", "endeuillees", "groupe parole"),
        ("aa groupe espoir", "alcooliques anonymes espoir", "alcooliques groupe"),
        ("praatgroep voor de naasten", "naasten", "praatgroep naasten"),
    ],
)
def test_title_tokens_drop_stopwords_and_generic_words_and_expand_abbreviations(title, tokens, key):
    series = pd.Series([title], dtype="str")
    assert title_token_sets(series).iloc[0] == tokens
    assert title_keys(series).iloc[0] == key


def test_oversized_blocks_are_not_used(monkeypatch, record, frame, grief):
    """A key shared by more records than MAX_BLOCK_SIZE would make pairs quadratic."""
    monkeypatch.setattr(linkage, "MAX_BLOCK_SIZE", 3)
    rows = [record(f"agenda:{i}", f"Groupe {i}", grief, phone="+3242000999", organizer=None, email=None) for i in range(4)]
    keys = linkage_frame(frame(*rows, record("asso:x", "Autre", grief, phone="+3242000555")))
    assert keys["bk_phone_day"].isna().all()
    assert keys["bk_slot_place"].isna().all()  # 5 records share the weekday, time and postcode


CASES = {
    # name: (changes for record a, changes for record b, same listing?)
    "same title, different city": (
        {}, {"postcode": "5000", "city": "Namur", "organizer": "Vivre son Deuil Namur asbl", "phone": "+3281000777"}, False),
    "same association, different weekday": ({}, {"weekday": 4}, False),
    "AA meetings in one building, different times": (
        {"title": "Groupe Espoir", "organizer": "Alcooliques Anonymes", "start_time": "10:00"},
        {"title": "Groupe Espoir", "organizer": "Alcooliques Anonymes", "start_time": "20:00"}, False),
    "two groups in one venue": (
        {}, {"title": "Atelier d'écriture", "organizer": "Plume et Parole", "phone": None, "email": None, "website": None}, False),
    "reworded title": ({"title": "Groupe de parole"}, {"title": "Groupe de parole pour personnes endeuillées"}, True),
    "19h30 and 19:30 are one time once cleaned": ({"start_time": "19:30"}, {"start_time": "19:30", "title": "Deuil : groupe de parole"}, True),
    "one source has no time": ({}, {"start_time": None, "title": "Groupe de parole – Deuil (Liège)"}, True),
    "one source has no organizer nor e-mail": ({}, {"organizer": None, "email": None, "title": "Parole et deuil"}, True),
    "same online link": (
        {"postcode": None, "city": None, "online_url": "https://meet.example/deuil-mardi"},
        {"postcode": None, "city": None, "online_url": "https://meet.example/deuil-mardi/", "title": "Deuil en ligne"}, True),
}


@pytest.mark.parametrize(("a", "b", "same"), CASES.values(), ids=CASES.keys())
def test_hard_cases(record, frame, grief, a, b, same):
    title = "Groupe de parole deuil"
    rows = frame(record("asso:a", a.pop("title", title), grief, **a), record("agenda:b", b.pop("title", title), grief, **b))
    ids = dedupe_listings(rows).sources["listing_id"]
    assert (ids.nunique() == 1) is same
