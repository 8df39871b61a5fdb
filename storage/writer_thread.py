"""SQLite: a whole write transaction run on the writer connection's own thread, in one hop.

``Database.write()`` hands every statement (and the commit) to aiosqlite's thread and
waits for the answer: one round trip between the event loop and that thread per
statement, each costing far more CPU than a small statement itself (waking the thread,
the GIL hand-over, waking the loop). A hot transaction of a few small statements spends
most of its time there. :func:`write_in_thread` runs a plain function with the sqlite3
connection on that thread instead: BEGIN, the function's statements and COMMIT in one
round trip. The function runs off the event loop: it computes and queries (logging is
fine), and touches nothing the loop uses (futures, tasks, other connections).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from storage.engine import Database

_T = TypeVar("_T")


def sqlite_time(value: dt.datetime) -> str:
    """An aware datetime as SQLite's ``UTCDateTime`` columns store it (naive UTC text,
    as SQLAlchemy writes it), so range comparisons with other rows hold."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


async def write_in_thread(db: Database, work: Callable[[sqlite3.Connection], _T]) -> _T:
    """``work(connection)`` in one transaction on the single writer connection (SQLite
    only), committed when it returns and rolled back when it raises; its result.

    The writer connection is checked out of its pool for the whole call, so no other
    transaction of this process interleaves; other processes are kept out by the writer
    lock as for ``write()``. If the caller is cancelled, ``work`` still runs to its end
    (commit or rollback) on the thread before the connection does anything else.
    """
    if not db.is_sqlite:
        raise RuntimeError("write_in_thread is for SQLite; use Database.write()")
    # The pool's own connection, without a SQLAlchemy Connection around it (that costs
    # more than the transaction): the SQLite writer's pool does no reset on return, so
    # handing it back needs no round trip either.
    raw = await db.writer.raw_connection()
    try:
        driver: Any = raw.driver_connection  # aiosqlite.Connection
        # aiosqlite runs every call of a connection as a function queued to its thread;
        # ``_execute`` queues one (tests/unit/test_writer_thread.py pins this).
        sqlite: sqlite3.Connection = driver._conn

        def transaction() -> _T:
            if sqlite.in_transaction:  # never: write() always ends its transaction
                raise RuntimeError("the writer connection is already in a transaction")
            sqlite.execute("BEGIN")
            try:
                result = work(sqlite)
                sqlite.commit()
            except BaseException:
                if sqlite.in_transaction:  # a failed COMMIT can leave it open
                    sqlite.rollback()
                raise
            return result

        result: _T = await driver._execute(transaction)
    finally:
        raw.close()  # back to the pool
    if db.checkpoints is not None:  # as after every write() (storage.checkpoints)
        db.checkpoints.written()
    return result
