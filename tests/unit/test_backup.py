"""`podium backup` finishes under write load and keeps its copy private (storage/backup.py)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.backup import BackupError, backup_sqlite

# Enough pages that a paged copy needs several steps: a write between two steps made the
# old backup start over.
ROWS = 4_000
BLOB = 4_096
GENEROUS_LIMIT_S = 120  # a bound on a hang, not a speed requirement


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a typical shell (0o022), so a file's mode shows what the code asked."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _make_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
        conn.executemany(
            "INSERT INTO rows (payload) VALUES (?)", ((os.urandom(BLOB),) for _ in range(ROWS))
        )
    conn.close()


class Writer(threading.Thread):
    """Commits a row every millisecond on its own connection, as the running bot would."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.committed = 0
        self.started_writing = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            while not self.stop.is_set():
                conn.execute("INSERT INTO rows (payload) VALUES (?)", (os.urandom(64),))
                conn.commit()
                self.committed = conn.execute("SELECT max(id) FROM rows").fetchone()[0]
                self.started_writing.set()
                self.stop.wait(0.001)
        finally:
            conn.close()


def test_backup_finishes_under_constant_writes_with_every_row_committed_before_it(
    tmp_path: Path, loose_umask: None
) -> None:
    source = tmp_path / "podium.db"
    _make_database(source)
    writer = Writer(source)
    writer.start()
    result: list[int | BaseException] = []
    try:
        assert writer.started_writing.wait(30)
        committed_before = writer.committed

        def run_backup() -> None:
            try:
                result.append(backup_sqlite(f"sqlite+aiosqlite:///{source}", tmp_path / "b.db"))
            except BaseException as error:  # reported below
                result.append(error)

        backup = threading.Thread(target=run_backup, daemon=True)
        backup.start()
        backup.join(GENEROUS_LIMIT_S)
        assert not backup.is_alive(), "the backup never finished while the bot was writing"
        written_during = writer.committed - committed_before
    finally:
        writer.stop.set()
        writer.join(30)
    assert isinstance(result[0], int), result[0]
    assert written_during > 0, "the writer must have kept writing during the backup"
    with sqlite3.connect(tmp_path / "b.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in copy.execute("SELECT id FROM rows")}
    copy.close()
    assert set(range(1, committed_before + 1)) <= ids
    assert stat.S_IMODE((tmp_path / "b.db").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_backup_is_private_and_refuses_to_overwrite(tmp_path: Path, loose_umask: None) -> None:
    source = tmp_path / "podium.db"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    target = tmp_path / "backups" / "copy.db"
    assert backup_sqlite(f"sqlite+aiosqlite:///{source}", target) > 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    before = target.read_bytes()
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(f"sqlite+aiosqlite:///{source}", target)
    assert target.read_bytes() == before


def test_backup_of_a_missing_database_or_postgresql_explains(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database file"):
        backup_sqlite(f"sqlite+aiosqlite:///{tmp_path / 'none.db'}", tmp_path / "b.db")
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://u:p@h/db", tmp_path / "b.db")
    assert not (tmp_path / "b.db").exists()
