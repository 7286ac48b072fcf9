"""Read-side queries the nightly flow needs: what to export, each source's past, the run report.

All SQL here reads the published views and tables; values reach DuckDB as parameters only.
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.report import RunReport

NULLABLE_INTEGERS = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}
"""Integer columns stay integers where they have nulls (weekday, price…), as the export expects."""
ACTIVE_ON_NIGHT = """
    FROM listing_history h JOIN runs r
      ON h.valid_from <= CAST(r.run_id AS DATE) AND (h.valid_to IS NULL OR h.valid_to > CAST(r.run_id AS DATE))
    WHERE h.status = 'active' AND h.format <> 'out_of_scope'
"""
"""The listing versions in force on each run's night: history answers "what was listed then"."""


def directory_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What the directory publishes tonight (`v_directory`), for the export.

    Read through Arrow: DuckDB's `.df()` makes a Python object of every text cell first, which
    took 4x the time and 2x the memory on 600k listings (docs/BENCHMARKS.md)."""
    table = con.sql("SELECT * FROM v_directory").to_arrow_table()
    return table.to_pandas(date_as_object=False, types_mapper=NULLABLE_INTEGERS.get)


def source_history(con: duckdb.DuckDBPyConnection, *, before_run: str) -> pd.DataFrame:
    """Each source's earlier crawls, newest first: the baseline the health monitors compare with."""
    return con.execute(
        "SELECT run_id, source_id, status, items, coverage FROM source_runs WHERE run_id < ? ORDER BY run_id DESC, source_id",
        [before_run],
    ).df()


def run_report(con: duckdb.DuckDBPyConnection, run_id: str, *, stage_seconds: dict[str, float], exported_rows: int,
               clusters_merged: int = 0, records_merged: int = 0) -> RunReport:
    """Everything the morning report shows about `run_id`, read back from the published warehouse."""
    run = _one(con, "SELECT started_at, finished_at, status, summary FROM runs WHERE run_id = ?", [run_id])
    if run is None:
        raise LookupError(f"no run {run_id!r} in the warehouse")
    started_at, finished_at, status, summary = run
    return RunReport(
        run_id=run_id,
        started_at=_aware(started_at),
        finished_at=_aware(finished_at),
        status=status or json.loads(summary or "{}").get("status", "unknown"),
        sources=_frame(con, """
            SELECT source_id, status, items, quarantined, pages, wire_bytes, seconds, error, health_notes
            FROM source_runs WHERE run_id = ? ORDER BY source_id""", run_id),
        changes=_frame(con, "SELECT listing_id, title, change FROM v_changes WHERE run_id = ? ORDER BY change, listing_id", run_id),
        formats=con.sql("""
            SELECT format, count(*) AS count FROM listings WHERE status = 'active'
            GROUP BY format ORDER BY count DESC, format""").df(),
        regions=con.sql("""
            SELECT country, coalesce(region, 'unknown') AS region, count(*) AS count FROM v_directory
            GROUP BY ALL ORDER BY count DESC, country, region""").df(),
        quarantine_reasons=_frame(con, """
            SELECT stage, reason, count(*) AS count FROM quarantine WHERE run_id = ?
            GROUP BY ALL ORDER BY count DESC, stage, reason""", run_id),
        review_queue=int(_one(con, "SELECT count(*) FROM v_review_queue")[0]),
        exported_rows=exported_rows,
        stage_seconds=stage_seconds,
        format_history=con.sql(f"SELECT r.run_id, h.format, count(*) AS count {ACTIVE_ON_NIGHT} GROUP BY ALL ORDER BY ALL").df(),
        region_history=con.sql(
            f"SELECT r.run_id, coalesce(h.region, 'unknown') AS region, count(*) AS count {ACTIVE_ON_NIGHT} GROUP BY ALL ORDER BY ALL"
        ).df(),
        source_history=con.sql("SELECT run_id, source_id, items, status FROM source_runs ORDER BY run_id, source_id").df(),
        clusters_merged=clusters_merged,
        records_merged=records_merged,
        bytes_first_fetch=_first_night_bytes(con),
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row; fetchall, because DuckDB 2.0 keeps a half-read execute() result open on the connection."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _frame(con: duckdb.DuckDBPyConnection, sql: str, run_id: str) -> pd.DataFrame:
    return con.execute(sql, [run_id]).df()


def _first_night_bytes(con: duckdb.DuckDBPyConnection) -> int | None:
    """Bytes the first recorded night downloaded: tonight's bytes are read against it (conditional requests)."""
    row = _one(con, "SELECT sum(wire_bytes) FROM source_runs WHERE run_id = (SELECT min(run_id) FROM source_runs)")
    return int(row[0]) if row and row[0] is not None else None


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now().astimezone()
    return moment if moment.tzinfo else moment.astimezone()
