"""Fixtures: a fresh warehouse and a read-write connection on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.store import Warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "groupdir.duckdb")


@pytest.fixture
def con(warehouse: Warehouse):
    """A read-write connection on a fresh warehouse (unpublished: the test inspects it directly)."""
    with warehouse.writing() as connection:
        yield connection
