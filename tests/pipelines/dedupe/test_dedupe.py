"""`dedupe_listings`: one listing per group, no record lost, ids stable night after night."""

from __future__ import annotations

import pandas as pd
import pytest

import pipelines.dedupe.linkage as linkage
from pipelines.chunks import row_chunks
from pipelines.compact import compact, concatenated
from pipelines.dedupe import dedupe_listings
from pipelines.dedupe.ids import listing_id_for
from pipelines.evaluation.dedupe import labelled_records


def sources_of(result) -> dict[str, str]:
    return dict(zip(result.sources["record_id"], result.sources["listing_id"], strict=True))


def previous(mapping: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": list(mapping), "listing_id": list(mapping.values())})


def override(action: str, a: str, b: str, decided_at: str = "2026-11-01T10:00:00+00:00") -> dict:
    return {"action": action, "record_id_a": a, "record_id_b": b, "analyst": "analyst-1",
            "decided_at": decided_at, "note": "checked by phone"}


@pytest.fixture
def grief_sources(record, grief):
    """One grief group announced by its association, a city agenda and a federation."""
    return [
        record("vivre-deuil:g1", "Groupe de parole pour personnes endeuillées", grief, origin="structured"),
        record("agenda-liege:g2", "Groupe de parole deuil", grief, organizer="Vivre son deuil", email=None),
        record("federation:g3", "Groupe de parole – Deuil (Liège)", grief, start_time=None),
    ]


def test_every_record_is_in_sources_exactly_once_and_counts_add_up():
    listings, truth = labelled_records()
    result = dedupe_listings(listings)
    assert sorted(result.sources["record_id"]) == sorted(listings["record_id"])
    assert result.listings["source_count"].sum() == len(listings)
    assert set(result.listings["listing_id"]) == set(result.sources["listing_id"])
    assert result.clusters_merged == (result.listings["source_count"] >= 2).sum()
    assert result.records_merged == result.listings.loc[result.listings["source_count"] >= 2, "source_count"].sum()
    assert result.clusters_merged >= 0.9 * (truth.value_counts() >= 2).sum()


@pytest.mark.parametrize("chunk_rows", [40, 1_000])
def test_a_night_held_compact_dedupes_exactly_as_the_plain_night(chunk_rows):
    """The flow hands dedupe the classified chunks dictionary-encoded (`pipelines.compact`)."""
    listings, _ = labelled_records()
    ids = listings["record_id"].tolist()
    options = {
        "previous_sources": previous({ids[0]: "gd_000000000001", ids[5]: "gd_000000000002"}),
        "overrides": pd.DataFrame([override("link", ids[1], ids[7]), override("split", ids[2], ids[3])]),
    }
    compact_night = concatenated([compact(c) for c in row_chunks(listings, chunk_rows)])
    assert sum(isinstance(t, pd.CategoricalDtype) for t in compact_night.dtypes) >= 10
    plain, small = dedupe_listings(listings, **options), dedupe_listings(compact_night, **options)
    for part in ("listings", "sources", "aliases"):
        pd.testing.assert_frame_equal(getattr(small, part), getattr(plain, part))  # dtypes too: plain text out
    assert (small.clusters_merged, small.records_merged) == (plain.clusters_merged, plain.records_merged)


def test_tec_occurrences_of_one_weekly_group_become_one_listing(record, frame, stress):
    weeks = ["2026-12-03T18:00:00+01:00", "2026-12-10T18:00:00+01:00", "2026-12-17T18:00:00+01:00"]
    rows = [record(f"agenda-namur:tec-{i}", "Atelier gestion du stress", stress, next_occurrence=when)
            for i, when in zip((503, 501, 502), reversed(weeks), strict=True)]
    other = record("agenda-namur:tec-900", "Café deuil", stress, weekday=4, organizer="Maison du Deuil", phone=None, email=None)
    result = dedupe_listings(frame(*rows, other))
    assert len(result.listings) == 2
    group = result.listings.set_index("title").loc["Atelier gestion du stress"]
    assert group["source_count"] == 3
    assert group["next_occurrence"] == weeks[0]
    assert (result.clusters_merged, result.records_merged) == (1, 3)


def test_ids_stay_the_same_when_sources_reword_their_listings(record, frame, grief, stress, grief_sources):
    night1 = dedupe_listings(frame(*grief_sources, record("asso:s1", "Atelier gestion du stress", stress)))
    reworded = [
        record("vivre-deuil:g1", "Groupe de parole deuil – Liège", grief, origin="structured"),
        record("agenda-liege:g2", "Parole et deuil : groupe mensuel", grief, organizer="Vivre son deuil asbl"),
        record("federation:g3", "Groupe de parole deuil", grief),
        record("agenda-gent:g4", "Rouwgroep (FR) Vivre son deuil", grief),
        record("asso:s1", "Gérer son stress : atelier", stress),
    ]
    night2 = dedupe_listings(frame(*reworded), previous_sources=night1.sources)
    before, after = sources_of(night1), sources_of(night2)
    assert after["vivre-deuil:g1"] == before["vivre-deuil:g1"] == after["agenda-gent:g4"]
    assert after["asso:s1"] == before["asso:s1"]
    assert len(night2.aliases) == 0


@pytest.mark.parametrize(
    ("previous_ids", "survivor", "retired"),
    [
        ({"vivre-deuil:g1": "gd_00000000000b", "agenda-liege:g2": "gd_00000000000b", "federation:g3": "gd_00000000000a"},
         "gd_00000000000b", "gd_00000000000a"),  # the id with most records wins
        ({"vivre-deuil:g1": "gd_00000000000b", "agenda-liege:g2": "gd_00000000000a"},
         "gd_00000000000a", "gd_00000000000b"),  # a tie goes to the smallest id
    ],
)
def test_a_merge_keeps_one_id_and_aliases_the_other(frame, grief_sources, previous_ids, survivor, retired):
    old_aliases = pd.DataFrame({"alias_id": ["gd_0000000000c1"], "listing_id": [retired], "reason": ["merged"]})
    result = dedupe_listings(frame(*grief_sources), previous_sources=previous(previous_ids), previous_aliases=old_aliases)
    assert set(sources_of(result).values()) == {survivor}
    aliases = result.aliases.set_index("alias_id")["listing_id"].to_dict()
    assert aliases == {retired: survivor, "gd_0000000000c1": survivor}  # transitive: no alias of an alias


def test_a_split_keeps_the_id_for_the_larger_part_and_gives_the_other_a_new_one(record, frame, stress, grief_sources):
    stress_rows = [record("asso:s1", "Atelier gestion du stress", stress), record("agenda:s2", "Atelier : gérer son stress", stress)]
    wrongly_merged = {r: "gd_0000000000aa" for r in ["vivre-deuil:g1", "agenda-liege:g2", "federation:g3", "asso:s1", "agenda:s2"]}
    result = dedupe_listings(frame(*grief_sources, *stress_rows), previous_sources=previous(wrongly_merged))
    ids = sources_of(result)
    assert ids["vivre-deuil:g1"] == ids["federation:g3"] == "gd_0000000000aa"
    assert ids["asso:s1"] == ids["agenda:s2"] == listing_id_for("agenda:s2")
    assert result.aliases.empty


def test_a_new_id_never_reuses_an_id_still_held_by_another_listing(record, frame, stress, grief_sources):
    """The split-off record founded the old cluster, so its plain hash is taken."""
    stress_row = record("aaa:s1", "Atelier gestion du stress", stress)
    taken = listing_id_for("aaa:s1")
    prev = {r: taken for r in ["aaa:s1", "vivre-deuil:g1", "agenda-liege:g2", "federation:g3"]}
    ids = sources_of(dedupe_listings(frame(*grief_sources, stress_row), previous_sources=previous(prev)))
    assert ids["vivre-deuil:g1"] == taken
    assert ids["aaa:s1"] != taken


@pytest.mark.parametrize(
    ("decisions", "together", "apart"),
    [
        ([override("link", "vivre-deuil:g1", "asso:s1")], [("vivre-deuil:g1", "asso:s1")], []),
        ([override("split", "agenda-liege:g2", "vivre-deuil:g1")], [], [("vivre-deuil:g1", "agenda-liege:g2")]),
        ([override("split", "vivre-deuil:g1", "federation:g3")], [], [("vivre-deuil:g1", "federation:g3")]),
        # the latest decision about a pair wins
        ([override("split", "vivre-deuil:g1", "agenda-liege:g2", "2026-10-01T00:00:00Z"),
          override("link", "vivre-deuil:g1", "agenda-liege:g2", "2026-11-15T00:00:00Z")],
         [("vivre-deuil:g1", "agenda-liege:g2")], []),
    ],
)
def test_analyst_overrides_are_honoured(record, frame, stress, grief_sources, decisions, together, apart):
    rows = frame(*grief_sources, record("asso:s1", "Atelier gestion du stress", stress))
    ids = sources_of(dedupe_listings(rows, overrides=pd.DataFrame(decisions)))
    for a, b in together:
        assert ids[a] == ids[b]
    for a, b in apart:
        assert ids[a] != ids[b]


def test_a_split_separates_the_pair_and_keeps_the_strongest_links(frame, grief_sources):
    """g1–g2–g3 are all linked; splitting g1 from g3 must not leave g3 reachable through g2."""
    split = pd.DataFrame([override("split", "vivre-deuil:g1", "federation:g3")])
    result = dedupe_listings(frame(*grief_sources), overrides=split)
    ids = sources_of(result)
    assert ids["vivre-deuil:g1"] != ids["federation:g3"]
    assert len(result.listings) == 2
    assert result.sources["match_probability"].notna().sum() == 2


def test_survivorship_prefers_structured_then_complete_then_recent(record, frame, grief):
    structured = record("vivre-deuil:g1", "Groupe de parole pour personnes endeuillées", grief, origin="structured",
                        city="Liège", website=None, fetched_at="2026-11-01T03:00:00+00:00",
                        format="talking_group", format_confidence=0.95, needs_review=False,
                        next_occurrence="2026-12-08T19:30:00+01:00", description="Un espace pour parler du deuil.")
    parsed = record("agenda-liege:g2", "Groupe de parole deuil", grief, city="Liege", description="Groupe mensuel.",
                    fetched_at="2026-11-29T03:00:00+00:00", format="support_group", format_confidence=0.55,
                    needs_review=True, next_occurrence="2026-12-01T19:30:00+01:00")
    result = dedupe_listings(frame(structured, parsed))
    row = result.listings.iloc[0]
    assert row["city"] == "Liège" and row["city_origin"] == "structured"  # structured beats parsed
    assert row["website"] == grief["website"]  # only one source has it
    assert row["description"] == "Groupe mensuel."  # same origin: the more complete record
    assert row["next_occurrence"] == "2026-12-01T19:30:00+01:00"  # the earliest upcoming session
    assert (row["format"], bool(row["needs_review"])) == ("talking_group", False)  # most confident record
    assert row["fetched_at"] == "2026-11-29T03:00:00+00:00"
    assert row["record_id"] == "agenda-liege:g2" and row["title"] == "Groupe de parole deuil"
    assert row["source_urls"] == "https://agenda-liege.example/g2 https://vivre-deuil.example/g1"
    assert row["source_count"] == 2


def test_needs_review_follows_the_most_confident_record(record, frame, grief):
    a = record("a:1", "Groupe de parole deuil", grief, format_confidence=0.4, needs_review=False)
    b = record("b:1", "Groupe de parole deuil", grief, format_confidence=0.5, needs_review=True)
    assert bool(dedupe_listings(frame(a, b)).listings.iloc[0]["needs_review"]) is True


@pytest.mark.parametrize("rows", [1, 2])
def test_tiny_or_unblocked_inputs_are_singletons_without_splink(monkeypatch, record, frame, grief, stress, rows):
    def no_splink(*args, **kwargs):
        raise AssertionError("splink must not start")

    monkeypatch.setattr(linkage, "Linker", no_splink)
    candidates = [record("a:1", "Groupe de parole deuil", grief),
                  record("b:1", "Atelier stress", stress, phone=None, email=None, organizer="Autre asbl")]
    result = dedupe_listings(frame(*candidates[:rows]))
    assert len(result.listings) == rows == len(result.sources)
    assert result.sources["match_probability"].isna().all()
    assert result.sources["listing_id"].tolist() == [listing_id_for(r["record_id"]) for r in candidates[:rows]]


def test_an_empty_night_gives_empty_valid_frames():
    listings, _ = labelled_records()
    result = dedupe_listings(listings.iloc[0:0])
    assert (len(result.listings), len(result.sources), len(result.aliases)) == (0, 0, 0)
    assert (result.clusters_merged, result.records_merged) == (0, 0)
