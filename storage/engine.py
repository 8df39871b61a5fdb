"""Database engines: one writer connection and a small pool of readers.

SQLite (the default) runs in WAL mode with foreign keys on, a busy timeout and no memory
mapping; the database file and its WAL are kept private (0600, see ``storage.files``).
Every write goes through a single connection: the SQLite bundled with common Pythons
predates the fix for the WAL-reset corruption bug (3.51.3), which needs two connections
writing or checkpointing at the same time; checkpoints run on it too, between
transactions (``storage.checkpoints``). Readers use their own small pool with
``query_only`` set, so a read path can never write by accident. Other processes are kept
out by the writer lock (``storage.lock``), taken by every command that writes.

On PostgreSQL both roles share one ordinary pooled engine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.checkpoints import Checkpoints
from storage.files import make_sqlite_private

log = logging.getLogger(__name__)


def json_dumps(value: Any) -> str:
    """JSON columns' serializer: orjson (installed for discord.py), ~7x faster than the
    standard library's (10,000 stored score breakdowns a weekly results run); keys that
    are not strings become strings, as ``json.dumps`` makes them."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: What every engine is created with besides its URL and pool.
ENGINE_OPTIONS: dict[str, Any] = {"json_serializer": json_dumps, "json_deserializer": orjson.loads}

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(*, writer: bool) -> list[str]:
    pragmas = [
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "PRAGMA mmap_size=0",
    ]
    if writer:
        # No checkpoint inside a commit: ``storage.checkpoints`` runs them between
        # transactions on this same connection.
        pragmas += [
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA wal_autocheckpoint=0",
        ]
    else:
        pragmas.append("PRAGMA query_only=ON")
    return pragmas


def _install_pragmas(engine: AsyncEngine, path: Path, *, writer: bool) -> None:
    pragmas = _sqlite_pragmas(writer=writer)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()
        # The database file holds personal data: private even if an older version or
        # another tool created it readable by others. Its WAL and SHM files take the
        # database file's mode when SQLite creates them.
        make_sqlite_private(path)


class Database:
    """The application's handle on its database.

    ``write()`` yields a connection inside a transaction that commits when the block ends
    and rolls back on an exception; ``read()`` yields a read-only connection.
    """

    is_sqlite: bool

    def __init__(self, url: str, *, read_pool_size: int = 4, pg_schema: str | None = None) -> None:
        self.url: URL = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if self.url.database in (None, "", ":memory:"):
                raise ValueError("Podium needs a SQLite file, not an in-memory database")
            # Every write runs in ``write()``'s begin block, which commits or rolls back
            # itself, so the pool's extra rollback when the connection comes back would
            # only cost a round trip to the driver's thread per transaction.
            self.writer = create_async_engine(
                self.url,
                pool_size=1,
                max_overflow=0,
                pool_timeout=120,
                pool_reset_on_return=None,
                **ENGINE_OPTIONS,
            )
            path = Path(self.url.database)
            _install_pragmas(self.writer, path, writer=True)
            self.reader = create_async_engine(
                self.url,
                pool_size=read_pool_size,
                max_overflow=0,
                pool_timeout=120,
                **ENGINE_OPTIONS,
            )
            _install_pragmas(self.reader, path, writer=False)
            self.checkpoints: Checkpoints | None = Checkpoints(self.writer)
        else:
            # pg_schema keeps several databases apart in one PostgreSQL database (tests). The
            # connections carry the schema as their application_name, so a test's teardown
            # can end the ones a task leaked before it drops the schema.
            connect_args: dict[str, Any] = {}
            if pg_schema is not None:
                connect_args["server_settings"] = {
                    "search_path": pg_schema,
                    "application_name": pg_schema,
                }
            self.writer = create_async_engine(
                self.url, pool_size=10, max_overflow=10, connect_args=connect_args, **ENGINE_OPTIONS
            )
            self.reader = self.writer
            self.checkpoints = None

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file this database lives in, or None on PostgreSQL."""
        if not self.is_sqlite or self.url.database is None:
            return None
        return Path(self.url.database)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction on the single writer connection (commit on success)."""
        async with self.writer.begin() as conn:
            yield conn
        if self.checkpoints is not None:
            self.checkpoints.written()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only connection from the reader pool."""
        async with self.reader.connect() as conn:
            yield conn

    async def ping(self) -> float:
        """Run a trivial query; returns the round trip in milliseconds (raises when down)."""
        started = time.perf_counter()
        async with self.read() as conn:
            await conn.execute(text("SELECT 1"))
        return (time.perf_counter() - started) * 1000

    async def dispose(self) -> None:
        """Close every connection (call once at shutdown)."""
        if self.checkpoints is not None:
            await self.checkpoints.close()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
