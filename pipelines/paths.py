"""Where the pipeline keeps its files (everything generated lives under one data folder)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """`GROUPDIR_DATA_DIR`, else `data/` at the repository root."""
    return Path(os.environ.get("GROUPDIR_DATA_DIR") or REPO_ROOT / "data")
