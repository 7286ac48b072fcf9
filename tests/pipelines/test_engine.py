"""DuckDB's memory: every connection of the night carries the ceiling, honours it, and gives freed memory back."""

from __future__ import annotations

import pytest

from pipelines.engine import bounded_duckdb
from warehouse.store import Warehouse


def _limit_bytes(con) -> float:
    number, unit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0].split()
    return float(number) * {"GiB": 2**30, "MiB": 2**20}[unit]


SHOWN = 0.1 * 2**30
"""DuckDB shows the setting with one decimal, cut, not rounded: 1.5GB reads "1.3 GiB"."""


@pytest.mark.parametrize(("setting", "expected"), [(None, 1.5 * 10**9), ("512MB", 512 * 10**6), ("1GB", 10**9)])
def test_connections_carry_the_configured_ceiling(monkeypatch, tmp_path, setting, expected):
    if setting is None:
        monkeypatch.delenv("GROUPDIR_DUCKDB_MEMORY_LIMIT", raising=False)
    else:
        monkeypatch.setenv("GROUPDIR_DUCKDB_MEMORY_LIMIT", setting)
    with bounded_duckdb() as con:
        assert expected - SHOWN <= _limit_bytes(con) <= expected
    with Warehouse(tmp_path / "w.duckdb").writing() as con:
        assert expected - SHOWN <= _limit_bytes(con) <= expected


def test_connections_hand_freed_memory_back(tmp_path):
    """jemalloc's background threads purge what a finished statement freed; without them a night
    keeps the peak of its biggest statement until it ends."""
    setting = "SELECT current_setting('allocator_background_threads')"
    with bounded_duckdb() as con:
        assert con.execute(setting).fetchone()[0] is True
    with Warehouse(tmp_path / "w.duckdb").writing() as con:
        assert con.execute(setting).fetchone()[0] is True
