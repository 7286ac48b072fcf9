"""A data folder that is read-only or full: a clear refusal before crawling, and a disk that fills
up while the night publishes leaves yesterday's warehouse and CSV exactly as they were."""

from __future__ import annotations

import errno
import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

SOURCES = ["aidants-lyon"]
runner = CliRunner()


def _digests(data: Path) -> dict[str, str]:
    return {name: hashlib.sha256((data / name).read_bytes()).hexdigest()
            for name in ("groupdir.duckdb", "exports/listings.csv")}


def _fake_published(data: Path) -> dict[str, str]:
    (data / "exports").mkdir(parents=True)
    (data / "groupdir.duckdb").write_bytes(b"yesterday's warehouse")
    (data / "exports" / "listings.csv").write_text("listing_id,title\r\n", encoding="utf-8")
    return _digests(data)


def test_a_read_only_data_folder_is_refused_before_anything_runs(tmp_path, monkeypatch):
    before = _fake_published(tmp_path)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("pipelines.paths.tempfile.mkstemp", read_only)
    result = runner.invoke(app, ["run", "--data-dir", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert "not writable (Read-only file system)" in result.output
    assert "nothing published changed" in result.output
    assert _digests(tmp_path) == before
    assert not (tmp_path / "landing").exists() and not (tmp_path / "prefect").exists()


def test_a_nearly_full_disk_is_refused_before_crawling(tmp_path, monkeypatch):
    before = _fake_published(tmp_path)
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr("pipelines.paths.shutil.disk_usage", lambda _: usage._replace(free=40 * 2**20))
    result = runner.invoke(app, ["run", "--data-dir", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert "only 40 MB free" in result.output and "free some space" in result.output
    assert _digests(tmp_path) == before
    assert not (tmp_path / "landing").exists()


@pytest.fixture(scope="module")
def published_night(prefect_harness, tmp_path_factory):
    from flows.nightly import nightly_with

    data = tmp_path_factory.mktemp("disk")
    summary = nightly_with(1)(night="2026-12-01", sources=SOURCES, data_dir=str(data))
    assert summary["exported_rows"] > 0
    return data


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_publishing_the_warehouse_publishes_nothing(published_night, monkeypatch):
    from flows.nightly import nightly_with

    before = _digests(published_night)
    monkeypatch.setattr("warehouse.store.Warehouse._publish", _disk_full)
    with pytest.raises(OSError, match="No space left"):
        nightly_with(1)(night="2026-12-02", sources=SOURCES, data_dir=str(published_night))
    assert _digests(published_night) == before
    assert not list(published_night.glob("groupdir.duckdb.staging*"))
    assert not list((published_night / "exports").glob(".*.tmp"))


def test_disk_full_while_exporting_keeps_yesterdays_csv_and_says_so(published_night, monkeypatch):
    from flows.nightly import nightly_with

    csv_before = _digests(published_night)["exports/listings.csv"]
    monkeypatch.setattr("flows.nightly.write_jsonld", _disk_full)
    summary = nightly_with(1)(night="2026-12-03", sources=SOURCES, data_dir=str(published_night))
    assert summary["status"] == "Completed with warnings"
    assert "No space left" in summary["export_error"]
    assert _digests(published_night)["exports/listings.csv"] == csv_before
    assert not list((published_night / "exports").rglob(".*.tmp"))


def test_the_next_night_after_a_full_disk_succeeds(published_night):
    from flows.nightly import nightly_with

    summary = nightly_with(1)(night="2026-12-04", sources=SOURCES, data_dir=str(published_night))
    assert summary["status"] == "Completed" and summary["export_error"] is None


def test_groupdir_run_reports_a_disk_filling_up_mid_night_with_exit_3(tmp_path, monkeypatch):
    import flows.nightly

    def night_that_fills_the_disk(max_parallel, task_runner="thread"):
        return lambda **kwargs: _disk_full()

    monkeypatch.setattr(flows.nightly, "nightly_with", night_that_fills_the_disk)
    result = runner.invoke(app, ["run", "--data-dir", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.output and "Nothing half-written was published" in result.output
