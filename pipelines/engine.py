"""One way to open DuckDB for the night's work: with a memory ceiling, beyond which DuckDB spills
to disk instead of growing until a small machine swaps or the kernel kills the night.

`GROUPDIR_DUCKDB_MEMORY_LIMIT` sets the ceiling (DuckDB's own syntax: "2GB", "512MB"); DuckDB's
default, 80 % of the machine's memory, is no ceiling on a machine shared with pandas frames.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "2GB"


def memory_limit() -> str:
    return os.environ.get("GROUPDIR_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def bounded_duckdb(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A read-write connection whose buffers stay under `memory_limit()`; an in-memory one spills
    to the system's temporary folder (DuckDB would use `.tmp` in the working directory)."""
    config = {"memory_limit": memory_limit()}
    if database == ":memory:":
        config["temp_directory"] = str(Path(tempfile.gettempdir()) / "groupdir-duckdb-spill")
    return duckdb.connect(database, config=config)
