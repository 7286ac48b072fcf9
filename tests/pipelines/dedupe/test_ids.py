"""Stable ids, aliases and override decisions, on membership tables (no linkage involved)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipelines.dedupe.ids import assign_listing_ids, latest_overrides, listing_id_for, resolved_aliases
from schemas.listing import LISTING_ID_PATTERN


def membership(clusters: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": list(clusters), "cluster": list(clusters.values())})


def previous(mapping: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": list(mapping), "listing_id": list(mapping.values())})


def aliases(mapping: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"alias_id": list(mapping), "listing_id": list(mapping.values()), "reason": "merged"})


@pytest.mark.parametrize("record_id", ["agenda-liege:tec-501", "vivre-deuil:12", "é:ü"])
def test_new_ids_come_from_the_founding_record(record_id):
    ids, _ = assign_listing_ids(membership({record_id: 0, "\u00ff\u00ff:1": 0}))
    assert ids.nunique() == 1
    assert ids.iloc[0] == listing_id_for(record_id)
    assert re.fullmatch(LISTING_ID_PATTERN, ids.iloc[0])


def test_a_cluster_keeps_its_id_when_a_record_joins_or_leaves():
    prev = previous({"a:1": "gd_00000000000a", "b:1": "gd_00000000000a", "c:1": "gd_00000000000a"})
    ids, new_aliases = assign_listing_ids(membership({"a:1": 0, "b:1": 0, "d:1": 0}), prev)
    assert set(ids) == {"gd_00000000000a"}
    assert new_aliases.empty


def test_a_three_way_merge_aliases_both_losers_to_the_biggest():
    prev = previous({"a:1": "gd_00000000000a", "b:1": "gd_00000000000b", "b:2": "gd_00000000000b", "c:1": "gd_00000000000c"})
    ids, new_aliases = assign_listing_ids(membership({"a:1": 0, "b:1": 0, "b:2": 0, "c:1": 0}), prev)
    assert set(ids) == {"gd_00000000000b"}
    assert new_aliases.set_index("alias_id")["listing_id"].to_dict() == {
        "gd_00000000000a": "gd_00000000000b", "gd_00000000000c": "gd_00000000000b"}


def test_records_known_by_an_alias_follow_it_to_the_current_id():
    prev = previous({"a:1": "gd_0000000000a0"})  # an old run's id, since merged into gd_...b
    ids, kept = assign_listing_ids(membership({"a:1": 0}), prev, aliases({"gd_0000000000a0": "gd_00000000000b"}))
    assert ids.iloc[0] == "gd_00000000000b"
    assert kept.set_index("alias_id")["listing_id"].to_dict() == {"gd_0000000000a0": "gd_00000000000b"}


def test_a_new_id_never_reuses_a_retired_id():
    """Bookmarks of a retired id must keep leading to the group it was merged into."""
    retired = listing_id_for("b:1")
    prev = previous({"a:1": "gd_00000000000b", "b:1": "gd_00000000000b"})
    ids, kept = assign_listing_ids(membership({"a:1": 0, "b:1": 1}), prev, aliases({retired: "gd_00000000000b"}))
    assert ids.iloc[0] == "gd_00000000000b"
    assert ids.iloc[1] not in {retired, "gd_00000000000b"} and re.fullmatch(LISTING_ID_PATTERN, ids.iloc[1])
    assert kept.set_index("alias_id")["listing_id"].to_dict() == {retired: "gd_00000000000b"}


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        ({"gd_00000000000a": "gd_00000000000b", "gd_00000000000b": "gd_00000000000c"},
         {"gd_00000000000a": "gd_00000000000c", "gd_00000000000b": "gd_00000000000c"}),
        ({"gd_00000000000a": "gd_00000000000b", "gd_00000000000b": "gd_00000000000a"}, {}),  # a cycle
    ],
)
def test_aliases_point_straight_at_the_final_id(chain, expected):
    assert resolved_aliases(aliases(chain)).set_index("alias_id")["listing_id"].to_dict() == expected


def test_the_latest_decision_about_a_pair_wins_whatever_the_order_of_its_records():
    decisions = pd.DataFrame([
        {"action": "link", "record_id_a": "b:1", "record_id_b": "a:1", "analyst": "x", "decided_at": "2026-11-02T00:00:00Z", "note": ""},
        {"action": "split", "record_id_a": "a:1", "record_id_b": "b:1", "analyst": "y", "decided_at": "2026-11-01T00:00:00Z", "note": ""},
        {"action": "ignore", "record_id_a": "a:1", "record_id_b": "c:1", "analyst": "y", "decided_at": "2026-11-03T00:00:00Z", "note": ""},
    ])
    assert latest_overrides(decisions).to_dict("records") == [{"action": "link", "a": "a:1", "b": "b:1"}]
