"""The nightly deployment: the flow on a cron schedule, served against a real Prefect server.

The temporary server started by a bare flow call cannot schedule (STACK.md), so serving needs
`PREFECT_API_URL` pointing at `prefect server start` (see `make serve`).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval

from flows.nightly import nightly

DEPLOYMENT_NAME = "nightly"
DEFAULT_CRON = "0 3 * * *"
DEFAULT_TIMEZONE = "Europe/Brussels"


def nightly_deployment(
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    *,
    every: timedelta | None = None,
    parameters: dict[str, Any] | None = None,
):
    """The deployment object (builds offline); `every` replaces the cron (used to prove firing)."""
    schedule = Interval(every) if every else Cron(cron, timezone=timezone)
    return nightly.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[schedule],
        parameters=parameters or {},
        description="groupdir nightly crawl → clean → classify → dedupe → warehouse → export",
        tags=["groupdir", "nightly"],
    )


def serve_nightly(
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    profile: str = "demo",
    *,
    sources: list[str] | None = None,
    every: timedelta | None = None,
) -> None:
    if not os.environ.get("PREFECT_API_URL"):
        raise SystemExit(
            "groupdir serve needs a real Prefect server: the temporary one cannot schedule. "
            "Start one with `make serve` (or `prefect server start`) and set PREFECT_API_URL."
        )
    parameters: dict[str, Any] = {"profile": profile}
    if sources:
        parameters["sources"] = sources
    serve(nightly_deployment(cron, timezone, every=every, parameters=parameters))
