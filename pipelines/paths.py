"""Where the pipeline keeps its files (everything generated lives under one data folder)."""

from __future__ import annotations

import os
import shutil
import tempfile
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
    def export_staging(self) -> Path:
        """Tonight's export files until the warehouse is published (then moved to `exports`)."""
        return self.root / "exports.staging"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def landing(self, run_id: str) -> Path:
        return self.root / "landing" / run_id

    def snapshots(self, run_id: str) -> Path:
        return self.root / "snapshots" / run_id


class DataDirUnusable(RuntimeError):
    """The data folder cannot take tonight's files (read-only, missing rights, nearly full)."""


MIN_FREE_BYTES = 200 * 2**20
"""Room for a night besides the warehouse copies: landing, HTTP cache, snapshots, exports."""


def ensure_data_dir_usable(paths: RunPaths) -> None:
    """Refuse in a second, before any crawling, a night that could only fail when it publishes:
    a read-only data folder, or less free space than a staging copy of the warehouse, its
    snapshot and the night's own files need."""
    try:
        paths.root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=paths.root, prefix=".write-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise DataDirUnusable(
            f"the data folder {paths.root} is not writable ({exc.strerror or exc}); nothing was crawled and "
            "nothing published changed. Make it writable or point GROUPDIR_DATA_DIR elsewhere, then run again"
        ) from exc
    warehouse = paths.warehouse.stat().st_size if paths.warehouse.is_file() else 0
    needed = 2 * warehouse + MIN_FREE_BYTES
    free = shutil.disk_usage(paths.root).free
    if free < needed:
        raise DataDirUnusable(
            f"only {free / 2**20:,.0f} MB free on {paths.root}; a night needs about {needed / 2**20:,.0f} MB "
            "(a staging copy of the warehouse, its snapshot, landing and exports). Nothing was crawled and "
            "nothing published changed: free some space, then run again"
        )
