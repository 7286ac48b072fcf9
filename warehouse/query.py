"""Analysts' queries: always on a read-only connection, so a query can never change the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


class ReadOnlyWarehouse(PermissionError):
    """A statement tried to change the published warehouse."""


def run_query(db_path: Path, sql: str) -> pd.DataFrame:
    """The result of `sql` (its last statement) on the published file, opened read-only.

    Works while the nightly run writes: the writer works on a staging copy."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no warehouse published yet at {db_path}: run the nightly job first (groupdir run)")
    with duckdb.connect(str(db_path), read_only=True) as con:
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            if "read-only" in str(exc):
                raise ReadOnlyWarehouse(
                    "queries run read-only and cannot change the warehouse; analysts' decisions go through "
                    f"`groupdir review correct|link|split` (DuckDB said: {exc})"
                ) from exc
            raise
