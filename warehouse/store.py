"""The warehouse file: one writer at a time on a staging copy, atomic publish, many readers.

DuckDB lets one process open a file read-write *or* many processes read-only. Analysts keep
reading the published file while the night writes a staging copy next to it; `os.replace` then
swaps it in, so a reader sees either the old night or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from pipelines.engine import bounded_duckdb

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
SCHEMA_MIGRATIONS_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE schema_migrations IS 'migrations applied to this file (warehouse/migrations), in order';
COMMENT ON COLUMN schema_migrations.version IS 'number prefix of the migration file';
COMMENT ON COLUMN schema_migrations.name IS 'migration file name';
COMMENT ON COLUMN schema_migrations.checksum IS 'sha256 of the file as applied (an edited applied migration is refused)';
COMMENT ON COLUMN schema_migrations.applied_at IS 'when it was applied';
"""


class WarehouseLocked(RuntimeError):
    """Another process is writing the warehouse."""


class MigrationError(RuntimeError):
    """The migrations folder and the file's `schema_migrations` disagree."""


def migration_files(folder: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Versioned migration files in order; a duplicate version is a mistake worth stopping for."""
    found = sorted((int(m.group(1)), p) for p in folder.glob("*.sql") if (m := MIGRATION_NAME.match(p.name)))
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version number in {folder}: {[p.name for _, p in found]}")
    return found


def apply_migrations(con: duckdb.DuckDBPyConnection, folder: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the names applied.

    An applied migration whose file changed since is refused: the file would no longer describe
    the database, so the fix is a new migration."""
    con.execute(SCHEMA_MIGRATIONS_DDL)
    applied = dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())
    done: list[str] = []
    for version, path in migration_files(folder):
        sql = path.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode("utf-8")).hexdigest()
        if version in applied:
            if applied[version] != checksum:
                raise MigrationError(f"{path.name} changed after it was applied; add a new migration instead")
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                [version, path.name, checksum, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        done.append(path.name)
    return done


class Warehouse:
    """The published DuckDB file at `path` and its companions `<path>.lock`, `.owner`, `.staging`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self._sibling(".lock")
        self.owner_path = self._sibling(".owner")
        self.staging_path = self._sibling(".staging")

    def _sibling(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection on a staging copy, published atomically on normal exit only."""
        with self._exclusive():
            self._discard_staging()
            if self.path.exists():
                shutil.copyfile(self.path, self.staging_path)
            con = bounded_duckdb(str(self.staging_path))
            try:
                apply_migrations(con)
                yield con
                con.execute("CHECKPOINT")
            except BaseException:
                con.close()
                self._discard_staging()
                raise
            con.close()
            try:
                self._publish()
            except BaseException:
                self._discard_staging()  # a full copy of the warehouse: on a full disk, give it back
                raise

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection on the published file (keeps reading it across publishes)."""
        if not self.path.is_file():
            raise FileNotFoundError(f"no warehouse published yet at {self.path}: run the nightly job first (groupdir run)")
        return duckdb.connect(str(self.path), read_only=True)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.lock_path, timeout=0)
        try:
            lock.acquire()
        except Timeout:
            raise WarehouseLocked(self._locked_message()) from None
        try:
            since = datetime.now(UTC).isoformat(timespec="seconds")
            self.owner_path.write_text(f"pid {os.getpid()} since {since}", encoding="utf-8")
            yield
        finally:
            self.owner_path.unlink(missing_ok=True)
            lock.release()

    def _locked_message(self) -> str:
        try:
            owner = self.owner_path.read_text(encoding="utf-8").strip() or "an unknown process"
        except OSError:
            owner = "an unknown process"
        return (
            f"the warehouse {self.path} is being written by {owner}; wait for it to finish and retry "
            "(the lock frees itself when that process ends; reading with Warehouse.reader() or "
            "`groupdir query` works meanwhile)"
        )

    def _discard_staging(self) -> None:
        """Drop a staging file (and its write-ahead log) left by a failed or killed writer."""
        for leftover in (self.staging_path, self.staging_path.with_name(self.staging_path.name + ".wal")):
            leftover.unlink(missing_ok=True)

    def _publish(self) -> None:
        _fsync(self.staging_path)
        os.replace(self.staging_path, self.path)
        _fsync(self.path.parent)


def _fsync(path: Path) -> None:
    """Flush a file (or a directory entry) to disk, so a crash after publish keeps the new night."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
