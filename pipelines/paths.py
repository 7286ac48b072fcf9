"""Where the pipeline keeps its files (everything generated lives under one data folder)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """`GROUPDIR_DATA_DIR`, else `data/` at the repository root."""
    return Path(os.environ.get("GROUPDIR_DATA_DIR") or REPO_ROOT / "data")


@dataclass(frozen=True)
class RunPaths:
    """The files of one data folder; a run's own files are keyed by its run id."""

    root: Path

    @classmethod
    def default(cls) -> RunPaths:
        return cls(data_dir())

    @property
    def warehouse(self) -> Path:
        return self.root / "groupdir.duckdb"

    @property
    def http_cache(self) -> Path:
        return self.root / "httpcache"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def landing(self, run_id: str) -> Path:
        return self.root / "landing" / run_id

    def snapshots(self, run_id: str) -> Path:
        return self.root / "snapshots" / run_id
