"""SQLite WAL checkpoints on the writer connection, between transactions, not inside commits.

By default SQLite checkpoints in the commit that takes the WAL past 1,000 pages: that
transaction's caller waits while the WAL is copied into the database file and synced
(~150 ms for a weekly results run of 10,000 teams, a sixth of it). Here the writer has
``wal_autocheckpoint=0`` and, a short while after writes, a PASSIVE checkpoint runs as
its own turn on the same single writer connection (never a second connection: see
``storage.engine`` on the WAL-reset bug), so no caller's commit pays for it and the WAL
stays as small as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

#: Seconds between the first write after a checkpoint and the next checkpoint: writes
#: in between share it.
CHECKPOINT_DELAY = 0.5


class Checkpoints:
    """The checkpoints of one SQLite writer engine (see the module docstring)."""

    def __init__(self, writer: AsyncEngine, *, delay: float = CHECKPOINT_DELAY) -> None:
        self.writer = writer
        self.delay = delay
        self._task: asyncio.Task[None] | None = None
        self._dirty = False
        #: The last checkpoint's (busy, WAL pages, pages checkpointed).
        self.last: tuple[int, int, int] | None = None

    def written(self) -> None:
        """A write transaction committed: make sure a checkpoint follows."""
        self._dirty = True
        loop = asyncio.get_running_loop()
        # A task of another (finished) event loop never runs again: start a new one.
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run(), name="sqlite-checkpoints")

    async def _run(self) -> None:
        while self._dirty:
            await asyncio.sleep(self.delay)
            self._dirty = False
            try:
                await self.checkpoint()
            except Exception:  # the next write schedules another; the WAL only grows
                log.exception("WAL checkpoint failed")

    async def checkpoint(self) -> tuple[int, int, int]:
        """A PASSIVE checkpoint now, on the writer connection (waiting for its turn)."""
        async with self.writer.connect() as conn:
            result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            busy, pages, done = (int(value) for value in result.one())
            await conn.commit()
        self.last = (busy, pages, done)
        return self.last

    async def settled(self) -> None:
        """Wait until the checkpoints due have run (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            if self._task.get_loop() is not asyncio.get_running_loop():
                return
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop: a checkpoint due is dropped (closing the last connection checkpoints)."""
        if (
            self._task is not None
            and not self._task.done()
            and self._task.get_loop() is asyncio.get_running_loop()
        ):
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
