"""The warehouse file: migrations, one writer, atomic publish, readers undisturbed by the night."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.factory import apply_night, listing_row
from warehouse.store import MigrationError, Warehouse, WarehouseLocked, apply_migrations, migration_files

REPO = Path(__file__).resolve().parents[2]


def child(script: str, *args: str) -> subprocess.Popen:
    """A Python child process running `script` (argv[1:] = args) from the repository root."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {path}")
        time.sleep(0.02)


def publish_night(warehouse: Warehouse, night: str, n: int) -> None:
    with warehouse.writing() as con:
        apply_night(con, night, [listing_row(i) for i in range(n)])


def count_listings(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM listings").fetchone()[0]


def test_migrations_are_recorded_in_order_and_applied_once(warehouse):
    names = [p.name for _, p in migration_files()]
    with warehouse.writing() as con:
        recorded = [r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()]
        assert apply_migrations(con) == []
    assert recorded == names and names[0].startswith("001_")
    with warehouse.writing() as con:  # reopening the published file applies nothing new
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(names)


def test_a_new_migration_file_is_applied_at_the_next_start_and_an_edited_one_is_refused(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_first.sql").write_text("CREATE TABLE a (x INTEGER);", encoding="utf-8")
    con = duckdb.connect()
    assert apply_migrations(con, folder) == ["001_first.sql"]
    (folder / "002_second.sql").write_text("CREATE TABLE b (y INTEGER);", encoding="utf-8")
    assert apply_migrations(con, folder) == ["002_second.sql"]
    (folder / "001_first.sql").write_text("CREATE TABLE a (x BIGINT);", encoding="utf-8")
    with pytest.raises(MigrationError, match="001_first.sql changed"):
        apply_migrations(con, folder)


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_broken.sql").write_text("CREATE TABLE a (x INTEGER); CREATE TABLE a (x INTEGER);", encoding="utf-8")
    con = duckdb.connect()
    with pytest.raises(duckdb.Error):
        apply_migrations(con, folder)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'a'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == 0


def test_reader_before_any_publish_says_what_to_do(warehouse):
    with pytest.raises(FileNotFoundError, match="no warehouse published yet"):
        warehouse.reader()


def test_an_exception_inside_writing_keeps_the_published_file(warehouse):
    publish_night(warehouse, "2026-11-24", 3)
    before = warehouse.path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"), warehouse.writing() as con:
        apply_night(con, "2026-11-25", [listing_row(i) for i in range(8)])
        raise RuntimeError("boom")
    assert warehouse.path.read_bytes() == before
    assert not warehouse.staging_path.exists()
    with warehouse.reader() as con:
        assert count_listings(con) == 3


@pytest.mark.parametrize("holder", ["same process", "other process"])
def test_a_second_writer_is_refused_at_once_naming_the_holder(warehouse, tmp_path, holder):
    if holder == "same process":
        with warehouse.writing(), pytest.raises(WarehouseLocked) as refused:
            started = time.monotonic()
            with warehouse.writing():
                pass
        pid = os.getpid()
    else:
        ready = tmp_path / "ready"
        proc = child("""
            import sys, time
            from pathlib import Path
            from warehouse.store import Warehouse
            with Warehouse(Path(sys.argv[1])).writing():
                Path(sys.argv[2]).touch()
                time.sleep(60)
        """, str(warehouse.path), str(ready))
        try:
            wait_for(ready, proc)
            started = time.monotonic()
            with pytest.raises(WarehouseLocked) as refused, warehouse.writing():
                pass
        finally:
            proc.kill()
            proc.wait()
        pid = proc.pid
    assert time.monotonic() - started < 2.0
    message = str(refused.value)
    assert f"pid {pid}" in message and "since" in message and "wait" in message


def test_a_writer_killed_midway_leaves_the_published_file_byte_identical(warehouse, tmp_path):
    publish_night(warehouse, "2026-11-24", 4)
    before = warehouse.path.read_bytes()
    ready = tmp_path / "ready"
    proc = child("""
        import sys, time
        from pathlib import Path
        from tests.warehouse.factory import apply_night, listing_row
        from warehouse.store import Warehouse
        with Warehouse(Path(sys.argv[1])).writing() as con:
            apply_night(con, "2026-11-25", [listing_row(i) for i in range(40)])
            con.execute("CHECKPOINT")
            Path(sys.argv[2]).touch()
            time.sleep(60)
    """, str(warehouse.path), str(ready))
    wait_for(ready, proc)
    assert warehouse.staging_path.exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert warehouse.path.read_bytes() == before
    with warehouse.writing() as con:  # the lock died with the process; the leftover staging is discarded
        assert count_listings(con) == 4
        apply_night(con, "2026-11-25", [listing_row(i) for i in range(6)])
    assert not warehouse.staging_path.exists()
    with warehouse.reader() as con:
        assert count_listings(con) == 6


def test_a_reader_keeps_querying_while_another_process_writes_and_new_readers_see_the_new_night(warehouse, tmp_path):
    publish_night(warehouse, "2026-11-24", 3)
    during, published = tmp_path / "during", tmp_path / "published"
    proc = child("""
        import json, sys, time
        from pathlib import Path
        from warehouse.store import Warehouse
        folder = Path(sys.argv[2])
        warehouse = Warehouse(Path(sys.argv[1]))
        count = "SELECT count(*) FROM listings"
        seen = {}
        held = warehouse.reader()
        seen["before"] = held.execute(count).fetchone()[0]
        (folder / "ready").touch()
        def wait(name):
            while not (folder / name).exists():
                time.sleep(0.02)
        wait("during")
        seen["during"] = held.execute(count).fetchone()[0]
        (folder / "during-read").touch()
        wait("published")
        seen["old_connection_after"] = held.execute(count).fetchone()[0]
        held.close()
        with warehouse.reader() as fresh:
            seen["new_reader"] = fresh.execute(count).fetchone()[0]
        print(json.dumps(seen))
    """, str(warehouse.path), str(tmp_path))
    try:
        wait_for(tmp_path / "ready", proc)
        with warehouse.writing() as con:
            apply_night(con, "2026-11-25", [listing_row(i) for i in range(10)])
            during.touch()
            wait_for(tmp_path / "during-read", proc)
        published.touch()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen == {"before": 3, "during": 3, "old_connection_after": 3, "new_reader": 10}, err
