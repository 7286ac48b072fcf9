"""A scheduled nightly run really fires on a real Prefect server (what `make serve` starts).

The deployment is the real one from `flows.deploy`, with its cron replaced by a short interval so
the test does not wait for 03:00; it crawls one demo source into a temporary data folder.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, body: dict) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())


def _wait_healthy(api: str, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "prefect server exited"
        try:
            urllib.request.urlopen(f"{api}/health", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail("prefect server did not become healthy")


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT, not SIGKILL: a killed server orphans its uvicorn child (STACK.md)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(400)
def test_scheduled_nightly_run_fires_on_a_real_server(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "GROUPDIR_DATA_DIR": str(tmp_path / "data"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    served = None
    try:
        _wait_healthy(api, server, 120)
        script = (
            "from datetime import timedelta; from flows.deploy import serve_nightly; "
            "serve_nightly(every=timedelta(seconds=20), profile='demo', sources=['entraide-wallonie'])"
        )
        # Only one small source, so the fired run is quick; the schedule and deployment are real.
        served = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env,
                                  stdout=(tmp_path / "serve.log").open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        runs: list[dict] = []
        while time.monotonic() < deadline:
            runs = _post(f"{api}/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}})
            if any(r.get("auto_scheduled") for r in runs):
                break
            assert served.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(3)
        fired = [r for r in runs if r.get("auto_scheduled")]
        assert fired, "no scheduled run completed; serve log:\n" + (tmp_path / "serve.log").read_text()[-3000:]
        assert fired[0]["deployment_id"]
        assert (tmp_path / "data" / "groupdir.duckdb").is_file()
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
