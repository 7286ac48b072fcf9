"""Prefect settings that must be in place before `prefect` is imported (see STACK.md)."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.paths import data_dir

DEFAULTS = {
    # The temporary server needs more than the default 20 s on two cores.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # No telemetry: the machine has no internet and errors would be logged.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


def configure() -> None:
    """Defaults only: anything the operator exported wins."""
    os.environ.setdefault("PREFECT_HOME", str(data_dir() / "prefect"))
    # Prefect creates its home without parents: on a fresh clone data/ does not exist yet
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
