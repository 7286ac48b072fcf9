"""Faults: a run killed with SIGKILL in the middle of a stage leaves what was published exactly as
it was, and the next run recovers by itself without duplicating anything."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["--source", "entraide-wallonie", "--source", "aidants-lyon"]


def _env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GROUPDIR_DATA_DIR": str(data),
        "PREFECT_HOME": str(data / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
    }


def _run(data: Path, night: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--night", night, *SOURCES], cwd=REPO, env=_env(data),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _published(data: Path) -> dict[str, str]:
    return {name: _digest(data / name) for name in ("groupdir.duckdb", "exports/listings.csv")}


def _kill_at(proc: subprocess.Popen, state_file: Path, stage: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"run ended before reaching {stage}: {proc.stdout.read()[-2000:]}")
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        if state.get("stage") == stage:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the flow and its Prefect server
            proc.wait()
            return
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail(f"stage {stage} never reached")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    data = tmp_path_factory.mktemp("faults")
    proc = _run(data, "2026-12-01")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    return data


@pytest.mark.parametrize("stage", ["crawl", "dedupe", "export"])
def test_sigkill_in_a_stage_leaves_published_files_untouched(published, stage):
    before = _published(published)
    proc = _run(published, "2026-12-02")
    _kill_at(proc, published / "run-state.json", stage)
    assert _published(published) == before
    with duckdb.connect(str(published / "groupdir.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE run_id = '2026-12-02'").fetchone()[0] == 0


def test_next_run_recovers_without_duplicates(published):
    proc = _run(published, "2026-12-02")
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    with duckdb.connect(str(published / "groupdir.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()
        dup = con.execute("SELECT count(*) FROM (SELECT listing_id FROM listings GROUP BY listing_id HAVING count(*) > 1)").fetchone()[0]
        raw_once = con.execute(
            "SELECT count(*) = count(DISTINCT (source_id, content_hash, listing_url)) FROM raw_listings WHERE run_id = '2026-12-02'"
        ).fetchone()[0]
    assert runs == [("2026-12-01",), ("2026-12-02",)]
    assert dup == 0
    assert raw_once


def test_two_runs_at_once_the_second_refuses_with_a_clear_message(published):
    first = _run(published, "2026-12-03")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (published / "run-state.json").read_text().count('"2026-12-03"'):
            time.sleep(0.05)
        second = _run(published, "2026-12-03")
        out, _ = second.communicate(timeout=120)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert second.returncode == 2
    assert "another nightly run" in out and "pid" in out
