"""Wakes this process's scheduler and relay when another process adds work: PostgreSQL
``LISTEN/NOTIFY`` (``storage.wakeup``) at once, and a slow poll as the fallback (and after
the connection came back, when wake-ups may have been lost)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.scheduler import Scheduler
from storage.engine import Database
from storage.wakeup import JOBS, OUTBOX, WakeConnection, wake_kind

log = logging.getLogger(__name__)


class Waker:
    """Holds this process's lease and turns wake-ups into a scheduler re-sync (``jobs``)
    or a relay wake (``outbox``); every ``poll_seconds`` both, whatever came."""

    def __init__(
        self,
        db: Database,
        scheduler: Scheduler,
        *,
        poll_seconds: float,
        relay_wake: Callable[[], None] | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._relay_wake = relay_wake
        self._poll_seconds = poll_seconds
        self._connection = WakeConnection(
            db.url, scheduler.owner, on_wake=self._on_wake, on_reconnect=self.wake_all
        )
        self._resync: asyncio.Task[None] | None = None
        self._again = False
        self._poll: asyncio.Task[None] | None = None
        self.resyncs = 0

    @property
    def connected(self) -> bool:
        """True while the lease is held and wake-ups arrive."""
        return self._connection.connected

    def lease_term(self) -> int | None:
        """The lease's current term while it is held, None while it is lost (the relay
        sends nothing claimed in another term)."""
        return self._connection.held_term()

    async def start(self) -> None:
        """Take the lease and listen (before the scheduler or the relay claims anything)."""
        await self._connection.start()
        self._poll = asyncio.create_task(self._poll_loop(), name="wake-poll")

    async def stop(self) -> None:
        """Stop polling, let a re-sync in progress finish, give the lease up."""
        for task in (self._poll, self._resync):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._connection.stop()

    def wake_all(self) -> None:
        """Look for jobs and messages now."""
        self._request_resync()
        if self._relay_wake is not None:
            self._relay_wake()

    def _on_wake(self, payload: str) -> None:
        kind = wake_kind(payload)
        if kind == JOBS:
            self._request_resync()
        elif kind == OUTBOX and self._relay_wake is not None:
            self._relay_wake()

    def _request_resync(self) -> None:
        # One re-sync at a time; wake-ups during one ask for one more after it.
        if self._resync is not None and not self._resync.done():
            self._again = True
            return
        self._resync = asyncio.create_task(self._resync_loop(), name="scheduler-resync")

    async def _resync_loop(self) -> None:
        while True:
            self._again = False
            try:
                await self._scheduler.resync()
                self.resyncs += 1
            except Exception:
                log.exception("scheduler re-sync failed; the next wake-up or poll retries")
            if not self._again:
                return

    async def _poll_loop(self) -> Any:
        while True:
            await asyncio.sleep(self._poll_seconds)
            self.wake_all()
