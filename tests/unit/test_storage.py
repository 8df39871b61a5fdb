import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.pool import AsyncAdaptedQueuePool

from storage.engine import Database
from storage.migrate import head_revision, migrate, shipped_heads
from storage.schema import members, metadata


async def test_migrations_produce_exactly_the_schema_in_storage_schema(db: Database):
    def diff(sync_conn):
        return compare_metadata(MigrationContext.configure(sync_conn), metadata)

    async with db.read() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrate_twice_changes_nothing_the_second_time(db: Database):
    assert await migrate(db) == (head_revision(), head_revision())


def test_the_head_read_from_the_migration_files_is_alembics_head():
    # What each start compares the database's revision with, without loading Alembic.
    assert shipped_heads() == head_revision()


async def test_a_database_behind_the_shipped_head_is_still_migrated(sqlite_db: Database):
    async with sqlite_db.write() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0029'"))
        await conn.execute(text("DROP TABLE results_team_revisions"))
    assert await migrate(sqlite_db) == ("0029", head_revision())
    async with sqlite_db.read() as conn:
        assert await conn.scalar(text("SELECT COUNT(*) FROM results_team_revisions")) == 0


async def test_writer_uses_wal_foreign_keys_busy_timeout_and_no_mmap(sqlite_db: Database):
    db = sqlite_db
    async with db.write() as conn:
        pragmas = {
            name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in (
                "journal_mode",
                "foreign_keys",
                "busy_timeout",
                "mmap_size",
                "wal_autocheckpoint",
            )
        }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10000,
        "mmap_size": 0,
        "wal_autocheckpoint": 0,  # storage.checkpoints runs them between transactions
    }


async def _write_pages(db: Database, pages: int) -> None:
    async with db.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
        await conn.exec_driver_sql(
            "INSERT INTO filler VALUES (?)", [(os.urandom(3000),) for _ in range(pages)]
        )


async def test_a_large_commit_leaves_the_checkpoint_to_the_writers_next_turn(
    sqlite_db: Database,
) -> None:
    db = sqlite_db
    assert db.checkpoints is not None
    assert db.sqlite_path is not None
    await db.checkpoints.checkpoint()
    db.checkpoints.delay = 3600  # not before this test asks for it
    before = db.sqlite_path.stat().st_size
    await _write_pages(db, 2000)  # twice SQLite's default checkpoint threshold
    # The commit returned without copying its pages into the database file...
    assert db.sqlite_path.stat().st_size == before
    busy, pages, done = await db.checkpoints.checkpoint()
    # ... and the checkpoint on the writer's next turn copied every one of them.
    assert (busy, done) == (0, pages)
    assert pages >= 2000
    assert db.sqlite_path.stat().st_size > before + 2000 * 3000


async def test_writes_are_followed_by_one_checkpoint_that_empties_the_wal_into_the_file(
    sqlite_db: Database,
) -> None:
    db = sqlite_db
    assert db.checkpoints is not None
    db.checkpoints.delay = 0
    for _ in range(3):
        await _write_pages(db, 10)
    await db.checkpoints.settled()
    assert db.checkpoints.last is not None
    busy, pages, done = db.checkpoints.last
    assert busy == 0
    assert pages == done > 0


async def test_reader_connections_cannot_write(sqlite_db: Database):
    db = sqlite_db
    async with db.read() as conn:
        with pytest.raises(OperationalError, match="readonly"):
            await conn.execute(text("DELETE FROM members"))


async def test_writer_pool_has_exactly_one_connection(sqlite_db: Database):
    db = sqlite_db
    pool = db.writer.pool
    assert isinstance(pool, AsyncAdaptedQueuePool)
    assert pool.size() == 1


async def test_utc_columns_refuse_naive_datetimes_and_return_aware_utc(db: Database):
    now = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with pytest.raises(StatementError, match="naive"):
        async with db.write() as conn:
            await conn.execute(
                insert(members).values(
                    user_id=1,
                    display_name="a",
                    first_seen_at=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - the point of the test
                    last_seen_at=now,
                )
            )
    async with db.write() as conn:
        await conn.execute(
            insert(members).values(user_id=1, display_name="a", first_seen_at=now, last_seen_at=now)
        )
    async with db.read() as conn:
        seen = (await conn.execute(members.select())).one().first_seen_at
    assert seen == now
    assert seen.tzinfo == dt.UTC
    assert seen.hour == 6


async def test_a_failed_transaction_leaves_nothing_behind(db: Database):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    async def insert_then_fail() -> None:
        async with db.write() as conn:
            await conn.execute(
                insert(members).values(
                    user_id=7, display_name="x", first_seen_at=now, last_seen_at=now
                )
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await insert_then_fail()
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM members"))).scalar() == 0


def test_in_memory_sqlite_is_refused_because_readers_would_see_another_database():
    with pytest.raises(ValueError, match="SQLite file"):
        Database("sqlite+aiosqlite:///:memory:")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a typical shell (0o022), so a file's mode shows what the code asked."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(directory: Path) -> dict[str, int]:
    return {p.name: _mode(p) for p in directory.iterdir()}


async def test_a_new_database_and_its_wal_and_shm_are_private(tmp_path: Path, loose_umask: None):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}")
    try:
        await migrate(db)
        async with db.write() as conn:
            await conn.execute(text("CREATE TABLE t (x)"))
        async with db.read() as conn:
            await conn.execute(text("SELECT count(*) FROM t"))
        files = _modes(tmp_path)
    finally:
        await db.dispose()
    assert {"podium.db", "podium.db-wal", "podium.db-shm"} <= files.keys()
    assert files == dict.fromkeys(files, 0o600)


async def test_a_database_left_readable_by_others_is_made_private_when_opened(
    tmp_path: Path, loose_umask: None
):
    path = tmp_path / "podium.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")
    raw.close()
    path.chmod(0o644)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.write() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        assert _mode(path) == 0o600
        assert _mode(tmp_path / "podium.db-wal") == 0o600
    finally:
        await db.dispose()
