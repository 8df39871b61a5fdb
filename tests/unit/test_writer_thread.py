"""SQLite transactions run whole on the writer's thread: one round trip, commit, rollback."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import aiosqlite
import pytest
from sqlalchemy import insert, select

from bot.clock import FrozenClock
from storage.engine import Database
from storage.schema import webhook_receipts
from storage.writer_thread import sqlite_time, write_in_thread


def _insert_receipt(key: str, at: dt.datetime):
    def work(conn: sqlite3.Connection) -> int:
        conn.execute(
            "INSERT INTO webhook_receipts (kind, key, received_at) VALUES ('status', ?, ?)",
            (key, sqlite_time(at)),
        )
        return int(conn.execute("SELECT count(*) FROM webhook_receipts").fetchone()[0])

    return work


async def test_the_whole_transaction_is_one_call_on_the_drivers_thread_and_commits(
    sqlite_db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.write():  # the writer connected (its pragmas are calls too)
        pass
    calls: list[object] = []
    queue = aiosqlite.Connection._execute  # the private hook write_in_thread relies on

    async def counted(self: aiosqlite.Connection, fn, *args, **kwargs):
        calls.append(fn)
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    assert await write_in_thread(sqlite_db, _insert_receipt("SM1:sent", clock.now())) == 1
    assert len(calls) == 1  # BEGIN, the statements and COMMIT together

    async with sqlite_db.read() as conn:  # committed, and read back as SQLAlchemy wrote it
        stored = (await conn.execute(select(webhook_receipts.c.received_at))).scalar_one()
    assert stored == clock.now()


async def test_a_work_function_that_raises_rolls_back_and_the_writer_stays_usable(
    sqlite_db: Database, clock: FrozenClock
) -> None:
    def fails(conn: sqlite3.Connection) -> None:
        _insert_receipt("SM1:sent", clock.now())(conn)
        raise ValueError("after the insert")

    with pytest.raises(ValueError, match="after the insert"):
        await write_in_thread(sqlite_db, fails)
    async with sqlite_db.write() as conn:  # the next transaction, through SQLAlchemy
        await conn.execute(
            insert(webhook_receipts).values(kind="status", key="SM2:sent", received_at=clock.now())
        )
    assert await write_in_thread(sqlite_db, _insert_receipt("SM3:sent", clock.now())) == 2


async def test_times_are_stored_as_sqlalchemy_stores_them_so_ranges_compare(
    sqlite_db: Database, clock: FrozenClock
) -> None:
    earlier = clock.now()
    later = earlier + dt.timedelta(microseconds=1)
    async with sqlite_db.write() as conn:
        await conn.execute(
            insert(webhook_receipts).values(kind="status", key="SM1:sent", received_at=earlier)
        )
    # a zone other than UTC is converted, as UTCDateTime does
    await write_in_thread(
        sqlite_db, _insert_receipt("SM2:sent", later.astimezone(dt.timezone(dt.timedelta(hours=8))))
    )
    async with sqlite_db.read() as conn:
        rows = await conn.execute(
            select(webhook_receipts.c.key).where(webhook_receipts.c.received_at > earlier)
        )
        assert list(rows.scalars()) == ["SM2:sent"]
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(dt.datetime(2026, 1, 1))  # noqa: DTZ001 - the refused case


async def test_it_waits_for_a_write_transaction_in_progress_and_never_interleaves(
    sqlite_db: Database, clock: FrozenClock
) -> None:
    async with sqlite_db.write() as conn:
        await conn.execute(
            insert(webhook_receipts).values(kind="status", key="SM1:sent", received_at=clock.now())
        )
        waiting = asyncio.create_task(
            write_in_thread(sqlite_db, _insert_receipt("SM2:sent", clock.now()))
        )
        for _ in range(20):  # the task runs as far as it can: to the pool's wait
            await asyncio.sleep(0)
        assert not waiting.done()
    assert await waiting == 2  # after the first transaction committed
