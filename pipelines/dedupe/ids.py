"""Stable listing ids across nights, aliases for retired ids, and analysts' link/split overrides.

A listing id is what people bookmark and what the warehouse keys history on: a group keeps its
id as long as any of its records survives, whatever the wording of its sources tonight.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from pipelines.clean.text import among

OVERRIDE_COLUMNS = ("action", "record_id_a", "record_id_b", "analyst", "decided_at", "note")
ALIAS_COLUMNS = ("alias_id", "listing_id", "reason")
MERGED_REASON = "merged"


def listing_id_for(record_id: str, salt: int = 0) -> str:
    """`gd_` + 12 hex of the founding record's sha1 (salted only to dodge an id already taken)."""
    text = record_id if salt == 0 else f"{record_id}#{salt}"
    return "gd_" + hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def empty_aliases() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in ALIAS_COLUMNS})


def latest_overrides(overrides: pd.DataFrame | None) -> pd.DataFrame:
    """One decision per unordered record pair (the most recent one), as (action, a, b)."""
    if overrides is None or overrides.empty:
        return pd.DataFrame({"action": pd.Series(dtype="str"), "a": pd.Series(dtype="str"), "b": pd.Series(dtype="str")})
    o = overrides.astype({"record_id_a": "str", "record_id_b": "str", "action": "str"})
    a = o[["record_id_a", "record_id_b"]].min(axis=1)
    b = o[["record_id_a", "record_id_b"]].max(axis=1)
    decided = pd.to_datetime(o["decided_at"], utc=True, errors="coerce", format="mixed") if "decided_at" in o else pd.NaT
    frame = pd.DataFrame({"action": o["action"].str.strip().str.lower(), "a": a, "b": b, "decided": decided})
    frame = frame[frame["action"].isin(["link", "split"]) & (frame["a"] != frame["b"])]
    frame = frame.sort_values("decided", kind="stable", na_position="first").drop_duplicates(["a", "b"], keep="last")
    return frame[["action", "a", "b"]].reset_index(drop=True)


def edges_with_overrides(pairs: pd.DataFrame, decisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scored pairs as edges (a, b, p) with forced links added (p = 1) and split pairs removed,
    and the split pairs themselves (a, b) for the clustering to keep apart."""
    edges = pd.DataFrame({
        "a": pairs["record_id_l"].astype("str"), "b": pairs["record_id_r"].astype("str"),
        "p": pairs["match_probability"].astype("float64"),
    })
    in_order = (edges["a"] <= edges["b"]).fillna(True).to_numpy()
    edges["a"], edges["b"] = edges["a"].where(in_order, edges["b"]), edges["b"].where(in_order, edges["a"])
    links = decisions.loc[decisions["action"] == "link", ["a", "b"]].assign(p=1.0)
    splits = decisions.loc[decisions["action"] == "split", ["a", "b"]]
    edges = pd.concat([edges, links], ignore_index=True).sort_values("p", ascending=False, kind="stable")
    edges = edges.drop_duplicates(["a", "b"], keep="first")
    if len(splits):
        edges = edges[~pd.MultiIndex.from_frame(edges[["a", "b"]]).isin(pd.MultiIndex.from_frame(splits))]
    return edges.reset_index(drop=True), splits.reset_index(drop=True)


def resolved_aliases(aliases: pd.DataFrame) -> pd.DataFrame:
    """Aliases pointing straight at the final id (an alias never points to another alias);
    cycles, which only a hand edit can create, are broken by dropping their rows."""
    if aliases is None or aliases.empty:
        return empty_aliases()
    frame = aliases[list(ALIAS_COLUMNS)].astype("str").drop_duplicates("alias_id", keep="last")
    target = dict(zip(frame["alias_id"], frame["listing_id"], strict=True))
    final = {}
    for alias in target:
        seen, current = {alias}, target[alias]
        while current in target and current not in seen:
            seen.add(current)
            current = target[current]
        if current not in target:
            final[alias] = current
    frame = frame[frame["alias_id"].isin(final.keys())]
    return frame.assign(listing_id=frame["alias_id"].map(final)).reset_index(drop=True)


def assign_listing_ids(
    membership: pd.DataFrame,
    previous_sources: pd.DataFrame | None = None,
    previous_aliases: pd.DataFrame | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """The listing id of each record (`membership`: record_id, cluster) and the alias table.

    A cluster inherits the previous id held by most of its records; an id held in several
    clusters (a split) goes to the cluster with most of its records; a cluster inheriting
    several ids (a merge) keeps the one with most records (then the smallest) and the others
    become aliases of it; every other cluster gets the id of its founding (smallest) record_id.
    """
    old_aliases = resolved_aliases(previous_aliases)
    alias_target = dict(zip(old_aliases["alias_id"], old_aliases["listing_id"], strict=True))
    founders = membership.groupby("cluster")["record_id"].min()
    frame = membership.assign(founder=membership["cluster"].map(founders))
    previous = _previous_ids(previous_sources, alias_target)
    frame = frame.merge(previous, on="record_id", how="left")

    held = frame.dropna(subset=["previous_id"]).groupby(["previous_id", "cluster", "founder"]).size().rename("n").reset_index()
    heirs = held.sort_values(["previous_id", "n", "founder"], ascending=[True, False, True]).drop_duplicates("previous_id")
    kept = heirs.sort_values(["cluster", "n", "previous_id"], ascending=[True, False, True]).drop_duplicates("cluster")
    cluster_id = pd.Series(kept["previous_id"].to_numpy(), index=kept["cluster"].to_numpy(), dtype="str")

    retired = heirs[~among(heirs["previous_id"], kept["previous_id"])]
    new_aliases = pd.DataFrame({
        "alias_id": retired["previous_id"].to_numpy(),
        "listing_id": retired["cluster"].map(cluster_id).to_numpy(),
        "reason": MERGED_REASON,
    })

    taken = set(previous["previous_id"]) | set(alias_target) | set(alias_target.values())
    new_founders = founders[~founders.index.isin(cluster_id.index)]
    fresh = pd.Series([listing_id_for(f) for f in new_founders], index=new_founders.index, dtype="str")
    for cluster in fresh.index[among(fresh, taken)]:  # rare: the founder's id is still held or retired
        salt = 1
        while listing_id_for(new_founders[cluster], salt) in taken:
            salt += 1
        fresh[cluster] = listing_id_for(new_founders[cluster], salt)
    cluster_id = pd.concat([cluster_id, fresh])

    aliases = resolved_aliases(pd.concat([old_aliases, new_aliases], ignore_index=True))
    aliases = aliases[~among(aliases["alias_id"], cluster_id)].reset_index(drop=True)
    ids = membership["cluster"].map(cluster_id).astype("str")
    return ids.rename("listing_id"), aliases


def _previous_ids(previous_sources: pd.DataFrame | None, alias_target: dict[str, str]) -> pd.DataFrame:
    """record_id → the id its listing had last run, followed through the aliases."""
    if previous_sources is None or previous_sources.empty:
        return pd.DataFrame({"record_id": pd.Series(dtype="str"), "previous_id": pd.Series(dtype="str")})
    prev = previous_sources[["record_id", "listing_id"]].astype("str").drop_duplicates("record_id", keep="last")
    resolved = prev["listing_id"].map(lambda i: alias_target.get(i, i))
    return pd.DataFrame({"record_id": prev["record_id"], "previous_id": resolved.astype("str")})


def record_match_probability(cluster: pd.Series, edges: pd.DataFrame) -> pd.Series:
    """Per record, its strongest kept edge inside its own cluster (NaN for a record alone);
    `cluster` is in record order and `edges` carry both ends' positions (`ia`, `ib`)."""
    labels = cluster.to_numpy()
    ia, ib, p = edges["ia"].to_numpy(), edges["ib"].to_numpy(), edges["p"].to_numpy(dtype="float64")
    inside = labels[ia] == labels[ib]
    best = np.full(len(labels), np.nan)
    np.fmax.at(best, np.r_[ia[inside], ib[inside]], np.r_[p[inside], p[inside]])
    return pd.Series(best, index=cluster.index, dtype="float64")
