"""Databases for the tests that run a whole process or app: SQLite, and PostgreSQL when
``PODIUM_TEST_POSTGRES_URL`` is set (CI sets it; see ``.ci/run``).

The service tests share one PostgreSQL database with a schema each (``tests/conftest.py``).
A `podium run` process takes only ``DATABASE_URL``, as in production, so here each test
gets a database of its own, created by the test role (it needs ``CREATEDB``) and dropped
afterwards. ``TestSQL`` lets a test read or change rows behind the process's back on
either database with the same SQL: ``?`` placeholders, and aware datetimes as parameters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import make_url

POSTGRES_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL")
IN_CI = bool(os.environ.get("CI"))

#: ``pytest.mark.parametrize(..., BACKENDS, indirect=True)`` runs a test on both
#: databases: ids ``[sqlite]`` and ``[postgres]``. Without the URL the PostgreSQL run skips,
#: except in CI, where it fails (CI must never skip it silently).
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            POSTGRES_URL is None and not IN_CI, reason="PODIUM_TEST_POSTGRES_URL not set"
        ),
    ),
]

T = TypeVar("T")


def postgres_url() -> str:
    """The test server's URL; fails the test in CI when it is missing."""
    if POSTGRES_URL is None:
        pytest.fail("CI is set but PODIUM_TEST_POSTGRES_URL is not: .ci/run sets both")
    return POSTGRES_URL


def _asyncpg_dsn(url: str) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy's form) → ``postgresql://…`` (asyncpg's)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_postgres_database(*, template: str | None = None) -> str:
    """A new PostgreSQL database (a copy of the database at URL ``template`` when given);
    returns its SQLAlchemy URL. ``drop_postgres_database`` removes it."""
    base = make_url(postgres_url())
    name = f"podium_t_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = await asyncpg.connect(_asyncpg_dsn(postgres_url()))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await admin.close()
    return base.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    """Drop the database at ``url``. Without FORCE, which the test role may not use on the
    autovacuum workers of a freshly copied database (PostgreSQL stops those itself); the
    connections of a killed process end a moment after it, so a refusal is retried."""
    admin = await asyncpg.connect(_asyncpg_dsn(postgres_url()))
    try:
        for _ in range(50):
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}"')
                return
            except asyncpg.ObjectInUseError:
                await asyncio.sleep(0.1)
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def postgres_database(*, template: str | None = None) -> AsyncIterator[str]:
    """A new PostgreSQL database for one test (a copy of ``template``, a database URL, when
    given); yields its SQLAlchemy URL and drops it afterwards."""
    url = await create_postgres_database(template=template)
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def _placeholders(sql: str) -> str:
    """``?`` (sqlite3's style) → ``$1, $2, …`` (PostgreSQL's)."""
    numbers = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


class TestSQL:
    """Synchronous SQL on the database behind ``url`` (a SQLAlchemy URL), for assertions
    and for moving rows' times while the process is down. Usable inside ``wait_for``'s
    predicates. ``close()`` when done."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.sqlite_path = Path(parsed.database or "") if self.is_sqlite else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._conn: asyncpg.Connection | None = None

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as conn:
                return conn.execute(sql, self._sqlite_params(params)).fetchall()
        return [
            tuple(r)
            for r in self._run(self._pg().fetch(_placeholders(sql), *self._pg_params(params)))
        ]

    def execute(self, sql: str, *params: object) -> None:
        self.executemany(sql, [params])

    def executemany(self, sql: str, params: list[tuple[object, ...]]) -> None:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as conn:
                conn.executemany(sql, [self._sqlite_params(p) for p in params])
            return
        self._run(self._pg().executemany(_placeholders(sql), [self._pg_params(p) for p in params]))

    def close(self) -> None:
        if self._loop is None:
            return
        if self._conn is not None:
            self._run(self._conn.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = self._conn = None

    # The UTC columns hold naive UTC (storage.types.UTCDateTime); SQLite as ISO text.
    @staticmethod
    def _sqlite_params(params: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(
            p.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
            if isinstance(p, dt.datetime)
            else p
            for p in params
        )

    @staticmethod
    def _pg_params(params: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(
            p.astimezone(dt.UTC).replace(tzinfo=None) if isinstance(p, dt.datetime) else p
            for p in params
        )

    def _pg(self) -> asyncpg.Connection:
        # One connection on a loop of its own: the test's loop may be blocked right now
        # (a synchronous predicate), and asyncpg needs a running loop.
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="test-sql", daemon=True
            )
            self._thread.start()
        if self._conn is None:
            self._conn = self._run(asyncpg.connect(_asyncpg_dsn(self.url)))
        return self._conn

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)
