"""One way to open DuckDB for the night's work: with a memory ceiling, beyond which DuckDB spills
to disk instead of growing until a small machine swaps or the kernel kills the night.

`GROUPDIR_DUCKDB_MEMORY_LIMIT` sets the ceiling (DuckDB's own syntax: "2GB", "512MB"); DuckDB's
default, 80 % of the machine's memory, is no ceiling on a machine shared with pandas frames.

`release_freed_memory` is the other half of a bounded night: it hands what a finished stage freed
back to the system between stages.
"""

from __future__ import annotations

import ctypes
import os
import tempfile
from contextlib import suppress
from pathlib import Path

import duckdb
import pyarrow as pa

DEFAULT_MEMORY_LIMIT = "1.5GB"
"""Sized for a night of a million listings in 4 GiB: the pandas frames a stage holds (up to 2.3 GB
then) plus DuckDB's buffers. Linkage and load take the same time at 1.5GB as at 2GB; at 1GB the
load spills its temporary tables and takes half again as long (docs/BENCHMARKS.md)."""


def memory_limit() -> str:
    return os.environ.get("GROUPDIR_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def bounded_duckdb(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A read-write connection whose buffers stay under `memory_limit()`; an in-memory one spills
    to the system's temporary folder (DuckDB would use `.tmp` in the working directory)."""
    # jemalloc's background threads hand freed pages back within seconds; without them DuckDB
    # keeps what a big statement used (landing a million raw rows: ~0.8 GB) until the night ends
    config = {"memory_limit": memory_limit(), "allocator_background_threads": True}
    if database == ":memory:":
        config["temp_directory"] = str(Path(tempfile.gettempdir()) / "groupdir-duckdb-spill")
    return duckdb.connect(database, config=config)


def release_freed_memory() -> None:
    """Return freed memory to the system after a stage or a chunk.

    glibc keeps freed heap pages and pyarrow's allocator its unused segments, so without this a
    process keeps the high-water mark of every stage it ran (a clean worker: about 1.1 GB after a
    50,000-row chunk, 0.5 GB once released), and the stages' peaks add up instead of taking turns.
    Dask does the same for its workers (`MALLOC_TRIM_THRESHOLD_`, set by its nanny)."""
    pa.default_memory_pool().release_unused()
    with suppress(OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
