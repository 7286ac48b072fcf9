"""The linkage model: normalisation, bounded blocking, and the hard cases it must get right."""

from __future__ import annotations

import pandas as pd
import pytest

import pipelines.dedupe.linkage as linkage
from pipelines.dedupe import dedupe_listings
from pipelines.dedupe.linkage import folded, linkage_frame, normalised_titles, title_keys, title_token_sets


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Groupe de parole – Deuil (Liège)", "groupe de parole deuil liege"), ("  ÉCOUTE & Partage!! ", "ecoute partage"),
     ("---", None), (None, None)],
)
def test_folded_text_ignores_case_accents_and_punctuation(text, expected):
    got = folded(pd.Series([text], dtype="str")).iloc[0]
    assert (got if isinstance(got, str) else None) == expected


@pytest.mark.parametrize(
    ("title", "city", "tokens", "key"),
    [
        ("Groupe de parole pour personnes endeuillées", None, "endeuillees", "groupe parole"),
        ("AA groupe Espoir", None, "alcoholicsanonymous espoir", "alcoholicsanonymous groupe"),
        ("Alcoholics Anonymous – English-speaking meeting", None, "alcoholicsanonymous english speaking",
         "alcoholicsanonymous english"),
        ("Anonieme Alcoholisten – groep Zondagavond", None, "alcoholicsanonymous zondagavond",
         "alcoholicsanonymous groep"),
        ("Praatgroep voor de naasten", None, "naasten", "praatgroep naasten"),
        # Dutch "na" (after) is not Narcotics Anonymous; only the capitals NA are
        ("Ouders na het overlijden van een kind", None, "kind ouders overlijden", "ouders overlijden"),
        ("NA Bruxelles Renaissance", None, "bruxelles narcoticsanonymous renaissance", "narcoticsanonymous bruxelles"),
        # the record's own city and how it meets say nothing about which group it is
        ("Rouwcafé Antwerpen (online)", "Antwerpen", "rouwcafe", "rouwcafe antwerpen"),
    ],
)
def test_title_tokens_keep_the_words_that_tell_groups_apart(title, city, tokens, key):
    title_norm = normalised_titles(pd.Series([title], dtype="str"))
    assert title_token_sets(title_norm, folded(pd.Series([city], dtype="str"))).iloc[0] == tokens
    assert title_keys(title_norm).iloc[0] == key


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
    "AA meeting announced in French and in English": (
        {"title": "Luxembourg English Speaking AA", "organizer": None, "phone": None, "email": None, "website": None},
        {"title": "Alcoholics Anonymous – English-speaking meeting in Luxembourg City",
         "organizer": "Ligue de santé mentale", "phone": "+35222000111", "email": "contact@ligue.example"}, True),
    "a Dutch compound and its parts": (
        {"title": "Praatcafé rouw", "organizer": "Rouwzorg", "phone": "+3290002345", "email": None, "website": None},
        {"title": "Rouwcafé", "organizer": "Zelfhulp Antwerpen", "phone": "+3230005678", "email": None}, True),
    "a one-word title is not contained in a long one": (
        {"title": "Rouwcafé", "organizer": "Rouwzorg", "phone": "+3290002345", "email": None, "website": None,
         "topics": "grief"},
        {"title": "Meerdaags kamp voor jongeren in rouw", "organizer": "Jeugd en Rouw", "phone": "+3290009999",
         "email": None, "topics": "grief"}, False),
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


SAME_ROOM = {"weekday": 1, "start_time": "20:00", "postcode": "4000", "city": "Liège"}


@pytest.mark.parametrize(
    ("title_a", "title_b", "format_b", "same"),
    [
        # one association, one room, one hour, two groups: a site lists one group under one title
        ("Groupe d'entraide pour personnes endeuillées", "Groupe d'entraide pour joueurs (jeux d'argent)", None, False),
        ("Groupe thérapeutique pour troubles anxieux (TCC)", "Groupe thérapeutique troubles alimentaires", None, False),
        ("Lotgenotengroep bij rouw", "Vorming voor ouders: hoe help ik mijn kind bij rouw?", None, False),
        # the same group listed twice by its own site, worded a little differently
        ("Groupe de parole deuil", "Deuil : groupe de parole du mardi", None, True),
        # a talk in the group's room at the group's hour is not the group
        ("Groupe de parole deuil", "Groupe de parole deuil", "out_of_scope", False),
    ],
)
def test_one_source_never_merges_unlike_titles_nor_a_group_with_an_event(record, frame, grief, title_a, title_b,
                                                                         format_b, same):
    """The two records are also both reachable through a third source's listing, so only the
    constraint (not a missing link) can keep them apart."""
    base = {**grief, **SAME_ROOM}
    rows = [record("asso:a", title_a, base), record("asso:b", title_b, base, **({"format": format_b} if format_b else {})),
            record("agenda:c", "Groupe de parole", base, organizer=None, phone=None, email=None, website=None)]
    ids = dedupe_listings(frame(*rows)).sources.set_index("record_id")["listing_id"]
    assert (ids["asso:a"] == ids["asso:b"]) is same


def test_an_analysts_link_overrides_the_one_source_rule(record, frame, grief):
    base = {**grief, **SAME_ROOM}
    rows = frame(record("asso:a", "Groupe deuil", base), record("asso:b", "Café des joueurs", base))
    decision = pd.DataFrame([{"action": "link", "record_id_a": "asso:b", "record_id_b": "asso:a", "analyst": "a1",
                              "decided_at": "2026-11-01T10:00:00+00:00", "note": "same group renamed"}])
    ids = dedupe_listings(rows, overrides=decision).sources["listing_id"]
    assert ids.nunique() == 1
