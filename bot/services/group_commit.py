"""Group commit: requests that arrive while a transaction runs are applied together in the next."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from bot.errors import PodiumError

_In = TypeVar("_In")
_Out = TypeVar("_Out")


class GroupCommit(Generic[_In, _Out]):
    """Runs requests that arrive while a transaction is in flight together in the next one.

    ``apply`` gets a batch (arrival order) and returns one result per request: a value, or
    an exception for that request alone (a ``PodiumError`` refusal, or any error that
    failed that request's own work). Each caller awaits its own result. An exception
    raised by ``apply`` itself fails every request of the batch (nothing was committed).
    One drain task at a time (``name`` names it), so batches never overlap.

    ``linger`` (seconds): while requests come in together (the last batch held more than
    one), the next batch waits up to that long for as many requests as the last one held
    before it starts: with callers that each wait for their answer before sending the
    next request, a batch otherwise holds only those that arrived during the one before.
    A request arriving after a quiet spell (longer than ``linger`` since the last batch)
    never waits.
    """

    def __init__(
        self,
        apply: Callable[[list[_In]], Awaitable[Sequence[_Out | PodiumError | Exception]]],
        *,
        max_batch: int = 256,
        name: str = "group-commit",
        linger: float = 0.0,
    ) -> None:
        self._apply = apply
        self._linger = linger
        self._last_batch = 0
        self._last_end = 0.0
        self._filled: asyncio.Event | None = None  # set once the lingering batch is full
        self._name = name
        self._max_batch = max_batch
        self._queue: list[tuple[_In, asyncio.Future[_Out]]] = []
        self._drain: asyncio.Task[None] | None = None
        #: transactions run so far (with ``items``: the average batch size, for benchmarks)
        self.batches = 0
        self.items = 0

    async def submit(self, item: _In) -> _Out:
        """Queue ``item`` and wait for its result (raises its error)."""
        future: asyncio.Future[_Out] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._filled is not None and len(self._queue) >= self._last_batch:
            self._filled.set()
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._run(), name=self._name)
        return await future  # a cancelled caller cancels only its future; the request applies

    async def _wait_for_more(self) -> None:
        """Until as many requests are queued as the last batch held, at most ``linger``."""
        self._filled = asyncio.Event()
        try:
            async with asyncio.timeout(self._linger):
                await self._filled.wait()
        except TimeoutError:
            pass
        finally:
            self._filled = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            if (
                self._linger > 0
                and len(self._queue) < min(self._last_batch, self._max_batch)
                and loop.time() - self._last_end < self._linger
            ):
                await self._wait_for_more()
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            self.batches += 1
            self.items += len(batch)
            self._last_batch = len(batch)
            try:
                results = await self._apply([item for item, _ in batch])
            except Exception as exc:  # the whole transaction failed: tell every caller
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self._last_end = loop.time()
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
