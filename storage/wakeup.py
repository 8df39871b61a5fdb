"""Between processes on PostgreSQL: wake-ups (LISTEN/NOTIFY) and each worker's lease.

Every process that claims work (jobs, outbox rows) has a random lease key and, on
PostgreSQL, holds the session advisory lock of that key on one dedicated connection for
its whole life. A claim records the key (``lease_key``); a claim whose key's lock no
other session holds belongs to a process that is gone (PostgreSQL ends the session, and
drops its locks, as soon as the process's socket closes, SIGKILL included), so another
worker may release it. The same connection ``LISTEN``s on ``podium_wake``, which the
triggers of migration 0021 notify when a job becomes pending (``jobs``) or an outbox row is
queued (``outbox``); the payload is ``<schema>.<what>`` (``wake_kind``). If the connection
drops it is made again, the lock retaken, and ``on_reconnect`` called (wake-ups may have
been lost meanwhile).

On SQLite there is one process (``storage.lock``): no connection, and every claim not
made by this process is a dead one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)

CHANNEL = "podium_wake"
JOBS = "jobs"
OUTBOX = "outbox"


def wake_kind(payload: str) -> str:
    """``jobs`` or ``outbox`` from a wake-up's payload (``<schema>.<what>``)."""
    return payload.rpartition(".")[2]


def new_lease_key() -> int:
    """A random key for this process's lease (positive, fits PostgreSQL's bigint)."""
    return secrets.randbits(62) + 1


async def dead_owners(conn: AsyncConnection, owners: Iterable[int], *, own: int | None) -> set[int]:
    """The keys among ``owners`` whose process is gone. Run inside a transaction on
    PostgreSQL: a key is dead when its advisory lock can be taken (and it is then held
    only until that transaction ends). On SQLite every key but ``own`` is dead."""
    keys = {key for key in owners if key != own}
    if conn.dialect.name != "postgresql":
        return keys
    dead = set()
    for key in sorted(keys):
        taken = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
        if taken:
            dead.add(key)
    return dead


class LeaseWatch:
    """Which other processes' claims may be taken over: those whose lease this process has
    seen free for at least ``grace_seconds`` (0: as soon as it is free).

    A lease is also free for a moment when its process merely lost its connection to
    PostgreSQL (it reconnects and takes the lock again in seconds). A send that process
    had in flight then may still land; taking its rows over only after the grace (longer
    than a send may take, and than a reconnect) leaves that send time to finish, so the
    check against Twilio's list before a resend sees it. A lease seen held again is
    forgotten. On SQLite (one process) there is no grace: every key but ``own`` is dead.
    """

    def __init__(
        self, grace_seconds: float = 0.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.grace_seconds = grace_seconds
        self._clock = clock
        self._free_since: dict[int, float] = {}

    async def dead(
        self, conn: AsyncConnection, owners: Iterable[int], *, own: int | None
    ) -> set[int]:
        """The keys among ``owners`` whose lease has been free for the grace (run inside
        the transaction that releases their claims, as ``dead_owners``)."""
        keys = set(owners)
        free = await dead_owners(conn, keys, own=own)
        if conn.dialect.name != "postgresql" or self.grace_seconds <= 0:
            return free
        now = self._clock()
        for key in keys - free:
            self._free_since.pop(key, None)
        return {
            key for key in free if now - self._free_since.setdefault(key, now) >= self.grace_seconds
        }


def asyncpg_dsn(url: URL) -> str:
    """``postgresql+asyncpg://…`` (SQLAlchemy's form) → ``postgresql://…`` (asyncpg's)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class WakeConnection:
    """The dedicated connection: holds the lease lock and listens for wake-ups."""

    def __init__(
        self,
        url: URL,
        key: int,
        *,
        on_wake: Callable[[str], None],
        on_reconnect: Callable[[], None],
        retry_seconds: float = 2.0,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self.key = key
        self._on_wake = on_wake
        self._on_reconnect = on_reconnect
        self._retry = retry_seconds
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0
        #: Counts the times the lease was taken: claims made under one term are safe to
        #: work on while the same term holds (``held_term``).
        self.term = 0

    @property
    def connected(self) -> bool:
        """True while the lease is held and wake-ups arrive."""
        return self._conn is not None and not self._conn.is_closed()

    def held_term(self) -> int | None:
        """The current term while the lease is held; None while it is lost. Work claimed
        in an earlier term may have been taken over (the lease was free meanwhile)."""
        return self.term if self.connected else None

    async def start(self) -> None:
        """Connect, take the lease and listen (raises when PostgreSQL cannot be reached),
        then keep the connection up in the background."""
        await self._connect()
        self._task = asyncio.create_task(self._keep_up(), name="wake-connection")

    async def stop(self) -> None:
        """Close the connection (the lease goes with it)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", self.key)
            await conn.add_listener(CHANNEL, self._notified)
            conn.add_termination_listener(self._terminated)
        except BaseException:
            await conn.close()
            raise
        self._lost.clear()
        self._conn = conn
        self.term += 1

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_wake(payload)

    def _terminated(self, _conn: Any) -> None:
        self._lost.set()

    async def _keep_up(self) -> None:
        while True:
            await self._lost.wait()
            log.warning("wake-up connection lost; reconnecting")
            self._conn = None
            while True:
                try:
                    await self._connect()
                    break
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("wake-up connection failed error=%s", type(exc).__name__)
                    await asyncio.sleep(self._retry)
            self.reconnects += 1
            log.info("wake-up connection back reconnects=%d", self.reconnects)
            self._on_reconnect()
