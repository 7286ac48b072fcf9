"""What a nightly run writes into the warehouse, and the analysts' decision logs it reads back.

Every function takes the read-write connection of `Warehouse.writing()`. Values always travel
as query parameters; identifiers come only from the constants below. Re-running a night (same
run_id) replaces what that night wrote, so it leaves the same tables as running it once.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.compact import expanded
from schemas.classified import AUDIENCES, FACILITATOR_TYPES, FORMATS, TOPICS, slug_list_pattern
from schemas.clean import ATTENDANCES, ENTRIES, ORIGIN_FIELDS, ORIGINS, RHYTHMS, CleanListing
from schemas.listing import LISTING_ID_PATTERN, CanonicalListing
from schemas.quarantine import QUARANTINE_COLUMNS
from schemas.raw import RAW_FIELDS

RENAMED = {"status": "event_status", "status_origin": "event_status_origin"}
"""`listings.status` is the listing's life (active/cancelled/removed); the announced status moves aside."""
ORIGIN_COLUMNS = tuple(RENAMED.get(f"{f}_origin", f"{f}_origin") for f in ORIGIN_FIELDS)
CONTENT_COLUMNS = tuple(RENAMED.get(c, c) for c in CanonicalListing.to_schema().columns) + ORIGIN_COLUMNS
"""Every listing column a night supplies (CanonicalListing + `<field>_origin`), warehouse names."""
UNHASHED_COLUMNS = frozenset({"listing_id", "next_occurrence", "fetched_at", "content_hash", "classifier_version", *ORIGIN_COLUMNS})
"""Bookkeeping and provenance: they move without the published listing changing."""
HASHED_COLUMNS = tuple(c for c in CONTENT_COLUMNS if c not in UNHASHED_COLUMNS)
STATE_TABLES = ("listings", "listing_sources", "listing_aliases")
"""What apply_staged_listings changes in place; `rerun.<table>` keeps them as the latest night found them."""
SOURCE_COLUMNS = ("source_id", "name", "organisation", "country", "languages", "adapter", "start_urls", "enabled", "contact", "profile")
SOURCE_RUN_COLUMNS = (
    "source_id", "status", "started_at", "finished_at", "pages", "wire_bytes", "http_errors", "seconds", "items",
    "quarantined", "coverage", "error", "health_notes",
)
QUALITY_FIELDS = tuple(c for c in CleanListing.to_schema().columns if c not in ("record_id", "source_id"))
ROW_FIELD = "*"
"""The quality row about whole records: failures = every quarantined row of the source."""
UNKNOWN = "unknown"
CORRECTABLE = {
    "format": FORMATS, "facilitator_type": FACILITATOR_TYPES, "attendance": ATTENDANCES, "entry": ENTRIES,
    "rhythm": RHYTHMS, "audience": AUDIENCES, "topics": TOPICS, "approved": None,
}
"""Fields an analyst may correct, with their allowed values (lists for audience/topics)."""
SNAPSHOT_TABLES = ("listings", "listing_sources", "listing_aliases", "listing_history", "sources")
RUN_SNAPSHOT_TABLES = ("runs", "source_runs", "raw_listings", "quarantine", "quality")
ORDER_KEYS = {
    "listings": "listing_id", "listing_sources": "record_id", "listing_aliases": "alias_id",
    "listing_history": "listing_id, valid_from", "sources": "source_id", "runs": "run_id",
    "source_runs": "source_id", "raw_listings": "source_id, listing_url", "quarantine": "stage, source_id, record_id",
    "quality": "source_id, field",
}


@dataclass
class ChangeSummary:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    unchanged: int = 0


def q(identifier: str) -> str:
    """A quoted identifier (only ever called on the constants above)."""
    return '"' + identifier.replace('"', '""') + '"'


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> Iterator[str]:
    """`frame` visible to SQL as `name` for the duration of the block."""
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: Collection[str],
                  constants: dict[str, Any], *, replace: bool = False) -> None:
    """Insert (or upsert by primary key) the `columns` `frame` has, others null, plus constant columns."""
    present = [c for c in columns if c in frame.columns]
    if len(frame) == 0 or not present:
        return
    select = [f"{q(c)}" for c in present] + [f"${name} AS {q(name)}" for name in constants]
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    with registered(con, "incoming_frame", frame[present]):
        con.execute(f"{verb} INTO {table} BY NAME SELECT {', '.join(select)} FROM incoming_frame", constants)  # noqa: S608


def _replace_run_rows(con: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pd.DataFrame,
                      columns: Collection[str], **constants: Any) -> int:
    """Replace `table`'s rows of `run_id` by `frame`: re-running a night never doubles its rows."""
    con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])  # noqa: S608
    _insert_frame(con, table, frame, columns, {"run_id": run_id, **constants})
    return len(frame)


# --- registry and runs -------------------------------------------------------------------------


def upsert_sources(con: duckdb.DuckDBPyConnection, sources: pd.DataFrame) -> None:
    """The registry as configured tonight (a source dropped from the file keeps its row)."""
    frame = sources.drop_duplicates("source_id", keep="last")
    present = [c for c in SOURCE_COLUMNS if c in frame.columns]
    with registered(con, "incoming_sources", frame[present]):
        con.execute(f"INSERT OR REPLACE INTO sources BY NAME SELECT {', '.join(map(q, present))} FROM incoming_sources")  # noqa: S608


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, *, started_at: datetime, profile: str) -> None:
    con.execute(
        "INSERT OR REPLACE INTO runs (run_id, started_at, finished_at, status, profile, summary) "
        "VALUES (?, ?, NULL, 'running', ?, NULL)",
        [run_id, started_at, profile],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, *, finished_at: datetime, status: str, summary: dict) -> None:
    found = con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ? RETURNING run_id",
        [finished_at, status, json.dumps(summary, default=str, sort_keys=True), run_id],
    ).fetchall()
    if not found:
        raise KeyError(f"run {run_id!r} was never started (call start_run first)")


def _as_json_text(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list) else value


def record_source_runs(con: duckdb.DuckDBPyConnection, run_id: str, source_runs: pd.DataFrame) -> None:
    _replace_run_rows(con, "source_runs", run_id, source_runs.drop_duplicates("source_id", keep="last"), SOURCE_RUN_COLUMNS)


def _run_started_at(con: duckdb.DuckDBPyConnection, run_id: str) -> datetime | None:
    row = next(iter(con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchall()), None)
    return row[0] if row else None


def land_raw(con: duckdb.DuckDBPyConnection, run_id: str, raw: pd.DataFrame, *, landed_at: datetime | None = None) -> int:
    """Land the night's raw records; `landed_at` defaults to the run's start, so a re-run is identical."""
    landed = landed_at or _run_started_at(con, run_id) or datetime.now(UTC)
    return _replace_run_rows(con, "raw_listings", run_id, raw, RAW_FIELDS, landed_at=landed)


def load_quarantine(con: duckdb.DuckDBPyConnection, run_id: str, quarantine: pd.DataFrame) -> int:
    """Keep every refused row, even one whose producer forgot its stage or reason."""
    return _replace_run_rows(con, "quarantine", run_id, quarantine_frame(quarantine), QUARANTINE_COLUMNS)


def quarantine_frame(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows as text: payloads read back from JSON Lines as objects become JSON again."""
    out = pd.DataFrame({c: quarantine.get(c) for c in QUARANTINE_COLUMNS}, index=quarantine.index)
    out["payload"] = out["payload"].map(_as_json_text)
    return out.astype("str").assign(
        stage=lambda f: f["stage"].fillna(UNKNOWN), reason=lambda f: f["reason"].fillna("no reason given")
    )


# --- quality -----------------------------------------------------------------------------------


def quality_frame(clean: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """Per source and field: rows, known values, coverage, origin shares and validation failures."""
    clean = expanded(clean)  # as text: encoded columns group and count their unused values too
    if "source_id" not in clean.columns:  # a night where nothing got through cleaning
        clean = pd.DataFrame({"source_id": pd.Series(dtype="str")})
    sources = sorted(set(clean.get("source_id", pd.Series(dtype="str")).dropna())
                     | set(quarantine.get("source_id", pd.Series(dtype="str")).dropna()))
    fields = [f for f in QUALITY_FIELDS if f in clean.columns]
    index = pd.MultiIndex.from_product([sources, [ROW_FIELD, *fields]], names=["source_id", "field"])
    by_source = clean["source_id"] if len(clean) else pd.Series(dtype="str")
    rows = by_source.value_counts().reindex(sources, fill_value=0)
    known = clean[fields].notna() & ~clean[fields].isin([UNKNOWN])
    non_null = known.groupby(by_source).sum().reindex(sources, fill_value=0).assign(**{ROW_FIELD: rows})
    out = pd.DataFrame({
        "rows": rows.reindex(index.get_level_values("source_id")).to_numpy(),
        "non_null": non_null.stack().reindex(index, fill_value=0).astype("int64").to_numpy(),
    }, index=index)
    out["coverage"] = (out["non_null"] / out["rows"].where(out["rows"] > 0)).astype("float64")
    out = out.join(_origin_shares(clean, known))
    out["failures"] = _failures(quarantine, fields).reindex(index, fill_value=0).astype("int64")
    return out.reset_index()


def _origin_shares(clean: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Per source and field with a `<field>_origin` column: the share of each origin among known values."""
    fields = [f for f in known.columns if f"{f}_origin" in clean.columns]
    origins = clean[[f"{f}_origin" for f in fields]].set_axis(fields, axis=1).where(known[fields])
    long = origins.assign(source_id=clean["source_id"]).melt(id_vars="source_id", var_name="field", value_name="origin")
    shares = long.dropna(subset=["origin"]).groupby(["source_id", "field"])["origin"].value_counts(normalize=True)
    shares = shares.unstack(fill_value=0.0).reindex(columns=list(ORIGINS), fill_value=0.0).astype("float64")
    return shares.set_axis([f"origin_{o}" for o in ORIGINS], axis=1)


def _failures(quarantine: pd.DataFrame, fields: list[str]) -> pd.Series:
    """Quarantined rows per source naming each field (pandera reasons read 'field: check (got …)');
    the `*` field counts every quarantined row."""
    if quarantine.empty or "reason" not in quarantine:
        return pd.Series(dtype="int64")
    frame = quarantine.dropna(subset=["source_id"])
    reasons = frame["reason"].astype("str")
    hits = {ROW_FIELD: pd.Series(True, index=frame.index)}
    hits.update({f: reasons.str.contains(rf"(?:^|; ){re.escape(f)}:", regex=True) for f in fields})
    counts = pd.DataFrame(hits).groupby(frame["source_id"]).sum().stack()
    counts.index.names = ["source_id", "field"]
    return counts


def record_quality(con: duckdb.DuckDBPyConnection, run_id: str, frame: pd.DataFrame) -> None:
    """Store tonight's `quality_frame` (computed as soon as cleaning ends, so the cleaned frame
    need not outlive classification)."""
    columns = ["source_id", "field", "rows", "non_null", "coverage", *[f"origin_{o}" for o in ORIGINS], "failures"]
    _replace_run_rows(con, "quality", run_id, frame, columns)


# --- listings ----------------------------------------------------------------------------------


def stage_listings(con: duckdb.DuckDBPyConnection, listings: pd.DataFrame) -> int:
    """Tonight's listings copied into the connection's staging table; their count.

    Staging comes first so that the caller can let the frame go (1.2 GB at a million listings)
    before `apply_staged_listings` runs the statements that need DuckDB's memory."""
    if listings["listing_id"].duplicated().any():
        raise ValueError("listing_id must be unique in a night's listings")
    _stage_listings(con, listings)
    return len(listings)


def apply_staged_listings(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    night: date,
    sources: pd.DataFrame,
    aliases: pd.DataFrame,
    *,
    crawled_ok: Collection[str],
    removal_after: int = 3,
) -> ChangeSummary:
    """Bring `listings`, `listing_sources`, `listing_aliases` and `listing_history` to tonight,
    from the listings `stage_listings` staged on this connection.

    A listing missing tonight counts a missed crawl only when every source that supplied it
    crawled successfully (`crawled_ok`); after `removal_after` such nights it is `removed`.
    A listing id retired into another (an alias) is removed at once. Rows are never deleted."""
    staged = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'incoming_listings' AND temporary").fetchall()[0][0]
    if not staged:
        raise ValueError("no listings staged on this connection: call stage_listings first")
    seen = con.execute("SELECT count(*) FROM incoming_listings").fetchall()[0][0]
    _start_from_state_before(con, run_id, night)
    with registered(con, "incoming_aliases", _alias_frame(aliases)):
        _next_listings(con, night, crawled_ok, removal_after)
        _write_history(con, run_id, night)
        # next_listings is the whole table after tonight, so it replaces the table: DuckDB's
        # INSERT OR REPLACE resolves each key one by one (31 s for 740k listings against 4.5 s)
        _replace_contents(con, "listings", "next_listings")
        con.execute(
            "INSERT OR REPLACE INTO listing_aliases (alias_id, listing_id, reason, since) "
            "SELECT a.alias_id, a.listing_id, a.reason, "
            "CASE WHEN p.listing_id = a.listing_id THEN p.since ELSE $night END "
            "FROM incoming_aliases a LEFT JOIN listing_aliases p USING (alias_id)",
            {"night": night},
        )
    _upsert_listing_sources(con, night, sources)
    con.execute("DELETE FROM rerun.applied")
    con.execute("INSERT INTO rerun.applied VALUES (?, ?)", [run_id, night])
    for table in ("incoming_listings", "next_listings", "changed_listings", "first_attempt"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return change_summary(con, run_id, seen=seen)


def _replace_contents(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    """Every row of `table` replaced by the rows of `source` (same columns, by name)."""
    con.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are this module's constants
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source}")  # noqa: S608


def _alias_frame(aliases: pd.DataFrame) -> pd.DataFrame:
    """Tonight's aliases, one per alias id (an upsert batch must not repeat a key)."""
    columns = ["alias_id", "listing_id", "reason"]
    if aliases.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})
    return aliases.drop_duplicates("alias_id", keep="last")[columns]


def _start_from_state_before(con: duckdb.DuckDBPyConnection, run_id: str, night: date) -> None:
    """Re-running the latest night restores what it started from; a new night saves that state.

    The first attempt's rows stay in `first_attempt`: a listing re-crawled with the same content
    keeps that attempt's provenance (fetched_at…), so re-running a night changes nothing."""
    applied = next(iter(con.execute("SELECT run_id, night FROM rerun.applied").fetchall()), None)
    rerun = bool(applied) and applied[0] == run_id
    con.execute(f"CREATE OR REPLACE TEMP TABLE first_attempt AS SELECT * FROM listings {'' if rerun else 'WITH NO DATA'}")  # noqa: S608
    if rerun:
        for table in STATE_TABLES:
            _replace_contents(con, table, f"rerun.{table}")
        con.execute("DELETE FROM listing_history WHERE run_id = ?", [run_id])
        con.execute("UPDATE listing_history SET valid_to = NULL WHERE valid_to = ?", [applied[1]])
        return
    if applied and applied[1] >= night:
        raise ValueError(
            f"night {night} ({run_id}) is not after the latest applied night {applied[1]} ({applied[0]}): "
            "history only grows forward; only the latest night can be re-run"
        )
    for table in STATE_TABLES:
        con.execute(f"CREATE OR REPLACE TABLE rerun.{table} AS SELECT * FROM {table}")  # noqa: S608


def _stage_listings(con: duckdb.DuckDBPyConnection, listings: pd.DataFrame) -> None:
    """Tonight's listings in the warehouse's column types, with row_hash and lifecycle status, in one
    statement: the cast rows stream into the hash, so DuckDB holds a single copy of the night.
    The raw fields under a renamed column's new name (clean passes `event_status` through) give
    way to the cleaned column."""
    frame = listings.drop(columns=[c for c in RENAMED.values() if c in listings.columns]).rename(columns=RENAMED)
    types = dict(con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = 'listings'"
    ).fetchall())
    typed = ", ".join(
        f"CAST({q(c)} AS {types[c]}) AS {q(c)}" if c in frame.columns else f"CAST(NULL AS {types[c]}) AS {q(c)}"
        for c in CONTENT_COLUMNS
    )
    hashed = ", ".join(f"'{c}': {q(c)}" for c in HASHED_COLUMNS)
    lifecycle = "CASE WHEN event_status = 'cancelled' THEN 'cancelled' ELSE 'active' END"
    present = [c for c in CONTENT_COLUMNS if c in frame.columns]
    with registered(con, "incoming_frame", pa.Table.from_pandas(frame[present], preserve_index=False)):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE incoming_listings AS SELECT *, md5(to_json({{{hashed}}})) AS row_hash, "  # noqa: S608
            f"{lifecycle} AS status FROM (SELECT {typed} FROM incoming_frame)"
        )


def _next_listings(con: duckdb.DuckDBPyConnection, night: date, crawled_ok: Collection[str], removal_after: int) -> None:
    """The whole listings table as it stands after tonight, in `next_listings`."""
    def content(column: str) -> str:
        if column == "listing_id":
            return "coalesce(i.listing_id, p.listing_id) AS listing_id"
        if column == "next_occurrence":
            return f"CASE WHEN i.listing_id IS NULL THEN p.{q(column)} ELSE i.{q(column)} END AS {q(column)}"
        return (f"CASE WHEN i.listing_id IS NULL OR i.row_hash = p.row_hash THEN p.{q(column)} "
                f"WHEN r.listing_id IS NOT NULL THEN r.{q(column)} ELSE i.{q(column)} END AS {q(column)}")

    missed = "p.missed_crawls + CASE WHEN coalesce(s.all_ok, true) THEN 1 ELSE 0 END"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE next_listings AS
        WITH supply AS (
            SELECT listing_id, bool_and(list_contains($ok, source_id)) AS all_ok
            FROM listing_sources GROUP BY listing_id
        )
        SELECT {', '.join(content(c) for c in CONTENT_COLUMNS)},
            CASE WHEN i.listing_id IS NULL THEN p.row_hash ELSE i.row_hash END AS row_hash,
            CASE WHEN i.listing_id IS NOT NULL THEN i.status
                 WHEN p.status = 'removed' OR a.alias_id IS NOT NULL THEN 'removed'
                 WHEN {missed} >= $removal_after THEN 'removed'
                 ELSE p.status END AS status,
            coalesce(p.first_seen, $night) AS first_seen,
            CASE WHEN i.listing_id IS NULL THEN p.last_seen ELSE $night END AS last_seen,
            CASE WHEN i.listing_id IS NOT NULL THEN 0 ELSE {missed} END AS missed_crawls
        FROM incoming_listings i
        FULL OUTER JOIN listings p ON p.listing_id = i.listing_id
        LEFT JOIN supply s ON s.listing_id = p.listing_id
        LEFT JOIN incoming_aliases a ON a.alias_id = p.listing_id
        LEFT JOIN first_attempt r ON r.listing_id = i.listing_id AND r.row_hash = i.row_hash AND r.last_seen = $night
        """,  # noqa: S608
        {"ok": sorted(crawled_ok), "night": night, "removal_after": removal_after},
    )


def _write_history(con: duckdb.DuckDBPyConnection, run_id: str, night: date) -> None:
    """Close and open history versions where content or status changed (others stay untouched)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE changed_listings AS SELECT n.listing_id FROM next_listings n "
        "LEFT JOIN listings p USING (listing_id) "
        "WHERE p.listing_id IS NULL OR n.row_hash <> p.row_hash OR n.status <> p.status"
    )
    con.execute(
        "UPDATE listing_history SET valid_to = ? WHERE valid_to IS NULL "
        "AND listing_id IN (SELECT listing_id FROM changed_listings)",
        [night],
    )
    columns = ", ".join(map(q, CONTENT_COLUMNS))
    con.execute(
        f"INSERT INTO listing_history BY NAME SELECT {columns}, row_hash, status, "  # noqa: S608
        "$night AS valid_from, NULL AS valid_to, $run_id AS run_id "
        "FROM next_listings SEMI JOIN changed_listings USING (listing_id)",
        {"night": night, "run_id": run_id},
    )


def _upsert_listing_sources(con: duckdb.DuckDBPyConnection, night: date, sources: pd.DataFrame) -> None:
    """Tonight's records point at their listing; records not seen tonight keep their last row."""
    frame = sources.drop_duplicates("record_id", keep="last")
    columns = ("record_id", "listing_id", "source_id", "listing_url", "match_probability")
    _insert_frame(con, "listing_sources", frame, columns, {"last_seen": night}, replace=True)


def change_summary(con: duckdb.DuckDBPyConnection, run_id: str, *, seen: int) -> ChangeSummary:
    """What `run_id` changed, read back from the history it wrote (the same rules as v_changes)."""
    rows = con.execute("SELECT change, listing_id FROM v_changes WHERE run_id = ? ORDER BY listing_id", [run_id]).fetchall()
    summary = ChangeSummary()
    for change, listing_id in rows:
        getattr(summary, change).append(listing_id)
    touched_seen = con.execute(
        "SELECT count(*) FROM v_changes c JOIN listings l USING (listing_id) WHERE c.run_id = ? AND l.last_seen = c.night",
        [run_id],
    ).fetchall()[0][0]  # fetchall: DuckDB 2.0 keeps a half-read execute() result open
    summary.unchanged = seen - touched_seen
    return summary


# --- analysts' decisions and the dedupe stage's memory -----------------------------------------


def add_correction(con: duckdb.DuckDBPyConnection, *, listing_id: str, field: str, value: str, analyst: str,
                   note: str = "", decided_at: datetime | None = None) -> None:
    """Log an analyst's correction of a format or facet (applied by the classify stage every run)."""
    if not re.fullmatch(LISTING_ID_PATTERN, listing_id):
        raise ValueError(f"not a listing id: {listing_id!r}")
    if field not in CORRECTABLE:
        raise ValueError(f"cannot correct {field!r}: one of {', '.join(CORRECTABLE)}")
    allowed = CORRECTABLE[field]
    valid = (
        value.strip().lower() in ("true", "false", "yes", "no") if allowed is None
        else bool(re.fullmatch(slug_list_pattern(allowed), value)) if field in ("audience", "topics")
        else value in allowed
    )
    if not valid:
        raise ValueError(f"{value!r} is not an allowed value of {field}" + (f": {', '.join(allowed)}" if allowed else ": true or false"))
    if not analyst.strip():
        raise ValueError("say who decides (analyst)")
    con.execute(
        "INSERT INTO corrections (listing_id, field, value, analyst, decided_at, note) VALUES (?, ?, ?, ?, ?, ?)",
        [listing_id, field, value, analyst, decided_at or datetime.now(UTC), note],
    )


def add_override(con: duckdb.DuckDBPyConnection, *, action: str, record_id_a: str, record_id_b: str, analyst: str,
                 note: str = "", decided_at: datetime | None = None) -> None:
    """Log an analyst's decision that two source records are (link) or are not (split) one group."""
    if action not in ("link", "split"):
        raise ValueError(f"action must be link or split, not {action!r}")
    if record_id_a == record_id_b:
        raise ValueError("a record cannot be linked to or split from itself")
    if not analyst.strip():
        raise ValueError("say who decides (analyst)")
    con.execute(
        "INSERT INTO dedupe_overrides (action, record_id_a, record_id_b, analyst, decided_at, note) VALUES (?, ?, ?, ?, ?, ?)",
        [action, record_id_a, record_id_b, analyst, decided_at or datetime.now(UTC), note],
    )


def load_corrections(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every correction in decision order (later rows win)."""
    return _utc_decided(con.execute(
        "SELECT listing_id, field, value, analyst, decided_at AT TIME ZONE 'UTC' AS decided_at, note "
        "FROM corrections ORDER BY decided_at, rowid"
    ).df())


def load_overrides(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every link/split decision in decision order (later rows win)."""
    return _utc_decided(con.execute(
        "SELECT action, record_id_a, record_id_b, analyst, decided_at AT TIME ZONE 'UTC' AS decided_at, note "
        "FROM dedupe_overrides ORDER BY decided_at, rowid"
    ).df())


def _utc_decided(frame: pd.DataFrame) -> pd.DataFrame:
    """`decided_at` as UTC (fetched naive: DuckDB's own tz-aware conversion warns under pandas 3.1)."""
    return frame.assign(decided_at=frame["decided_at"].dt.tz_localize("UTC"))


def _state_table(con: duckdb.DuckDBPyConnection, table: str, before_run: str | None) -> str:
    """`table`, or its saved copy when `before_run` is the latest applied night (a re-run)."""
    if before_run is None:
        return table
    applied = next(iter(con.execute("SELECT run_id FROM rerun.applied").fetchall()), None)
    return f"rerun.{table}" if applied and applied[0] == before_run else table


def previous_sources(con: duckdb.DuckDBPyConnection, *, before_run: str | None = None) -> pd.DataFrame:
    """Every record's listing id so far (ListingSource columns), for stable ids in dedupe."""
    table = _state_table(con, "listing_sources", before_run)
    return con.execute(
        f"SELECT listing_id, record_id, source_id, listing_url, match_probability FROM {table} ORDER BY record_id"  # noqa: S608
    ).df()


def previous_aliases(con: duckdb.DuckDBPyConnection, *, before_run: str | None = None) -> pd.DataFrame:
    table = _state_table(con, "listing_aliases", before_run)
    return con.execute(f"SELECT alias_id, listing_id, reason FROM {table} ORDER BY alias_id").df()  # noqa: S608


# --- Parquet snapshots -------------------------------------------------------------------------


def snapshot_parquet(con: duckdb.DuckDBPyConnection, run_id: str, out_dir: Path) -> list[Path]:
    """The state tables in full and the run's own rows of the per-run tables, one Parquet file each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table in SNAPSHOT_TABLES + RUN_SNAPSHOT_TABLES:
        where = " WHERE run_id = $run_id" if table in RUN_SNAPSHOT_TABLES else ""
        target = out_dir / f"{table}.parquet"
        partial = out_dir / f".{table}.parquet.partial"
        con.execute(
            f"COPY (SELECT * FROM {table}{where} ORDER BY {ORDER_KEYS[table]}) TO $path (FORMAT parquet)",  # noqa: S608
            {"path": str(partial), **({"run_id": run_id} if where else {})},
        )
        os.replace(partial, target)
        written.append(target)
    return written
