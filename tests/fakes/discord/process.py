"""The fake Discord in its own process, so a benchmark measures the bot and not the fake.

``FakeDiscordProcess`` starts a ``FakeDiscord`` (same REST routes, same gateway, same
interaction payloads) in a child process and forwards calls to it over a pipe: the bot
under test connects to ``api_base_url`` / ``gateway_url`` exactly as to the in-process
fake, while the fake's JSON encoding, zlib compression and HTTP serving run on the other
core. ``clicks`` runs a whole click workload inside the child (N presses in flight, each
timed from the INTERACTION_CREATE dispatch to the bot's answer), so the driver's cost
stays there too.

    fake = FakeDiscordProcess(guild_id=GUILD_ID)
    await fake.start()
    await fake.call("add_member", 123, "Ann")
    run = await fake.clicks([("podium:vote:1", 123, message_id)], concurrency=64)
    await fake.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import multiprocessing
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tests.fakes.discord.fake import FakeDiscord
from tests.fakes.discord.models import InteractionResult


@dataclass(frozen=True, slots=True)
class ClickRun:
    """What a click workload measured in the fake's process."""

    seconds: float  # wall time of the whole workload
    latencies_ms: list[float]  # per press: dispatch of INTERACTION_CREATE to the answer
    texts: list[str]  # the answer's text per press, in input order
    cpu_seconds: float  # the fake process's CPU time (user + system) during the workload


def summary(value: Any) -> Any:
    """A picklable stand-in for a FakeDiscord return value (an InteractionResult becomes a
    dict of text, ephemeral, response_type and followups; anything else is returned as is)."""
    if isinstance(value, InteractionResult):
        return {
            "text": value.text,
            "ephemeral": value.ephemeral,
            "response_type": value.response_type,
            "followups": value.followups,
        }
    return value


async def run_clicks(
    fake: FakeDiscord, presses: Sequence[tuple[str, int, int | None]], concurrency: int
) -> ClickRun:
    """Press ``(custom_id, user_id, message_id)`` buttons on ``fake``, ``concurrency`` in
    flight; each press timed from its dispatch until the bot answered it."""
    latencies: list[float] = [0.0] * len(presses)
    texts: list[str] = [""] * len(presses)
    queue = iter(enumerate(presses))

    async def worker() -> None:
        for index, (custom_id, user_id, message_id) in queue:
            started = time.perf_counter()
            result = await fake.click(custom_id, user_id=user_id, message_id=message_id, timeout=60)
            latencies[index] = (time.perf_counter() - started) * 1000
            texts[index] = result.text

    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ClickRun(
        seconds=time.perf_counter() - started,
        latencies_ms=latencies,
        texts=texts,
        cpu_seconds=time.process_time() - cpu,
    )


async def _answer(
    conn: Connection, fake: FakeDiscord, seq: int, command: str, args: Any, kwargs: Any
) -> None:
    try:
        if command == "clicks":
            value: Any = await run_clicks(fake, *args, **kwargs)
        elif command == "many":
            method = getattr(fake, args[0])
            value = [method(*a, **k) for a, k in args[1]]
            value = [await v if asyncio.iscoroutine(v) else v for v in value]
            value = [summary(v) for v in value]
        elif command == "get":
            value = getattr(fake, args[0])
            for key in args[1:]:
                value = value[key]
        else:
            value = getattr(fake, command)(*args, **kwargs)
            if asyncio.iscoroutine(value):
                value = await value
        conn.send((seq, "ok", summary(value)))
    except Exception:  # the caller re-raises it with the child's traceback
        conn.send((seq, "error", traceback.format_exc()))


def _reader(conn: Connection, inbox: asyncio.Queue[Any]) -> None:
    """Move every complete message waiting on ``conn`` into ``inbox`` (None: the peer is gone)."""
    try:
        while conn.poll():
            inbox.put_nowait(conn.recv())
    except (EOFError, OSError):
        inbox.put_nowait(None)


def _forget(running: dict[int, asyncio.Task[None]], seq: int, _: asyncio.Task[None]) -> None:
    running.pop(seq, None)


async def _serve(conn: Connection, options: dict[str, Any]) -> None:
    """Answer ``(seq, command, args, kwargs)`` requests, each in its own task (so one that
    waits never blocks the next, and ``cancel`` can stop it), until ``stop`` or EOF.

    The pipe is read from the event loop (``add_reader``), never from a thread blocked in
    ``recv``: nothing is left behind that cancellation cannot reach."""
    loop = asyncio.get_running_loop()
    fake = FakeDiscord(**options)
    await fake.start()
    conn.send((0, "ok", (fake.api_base_url, fake.gateway_url)))
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    running: dict[int, asyncio.Task[None]] = {}
    loop.add_reader(conn.fileno(), _reader, conn, inbox)
    try:
        while (request := await inbox.get()) is not None:
            seq, command, args, kwargs = request
            if command == "stop":
                for task in running.values():
                    task.cancel()
                await asyncio.gather(*running.values(), return_exceptions=True)
                await fake.stop()
                conn.send((seq, "ok", None))
                return
            if command == "cancel":
                pending = running.get(seq)
                if pending is not None:
                    pending.cancel()
                continue
            task = asyncio.create_task(_answer(conn, fake, seq, command, args, kwargs))
            running[seq] = task
            task.add_done_callback(functools.partial(_forget, running, seq))
    finally:
        loop.remove_reader(conn.fileno())
        for task in running.values():
            task.cancel()
        await fake.stop()


def _main(conn: Connection, options: dict[str, Any]) -> None:
    asyncio.run(_serve(conn, options))


class FakeDiscordProcess:
    """A ``FakeDiscord`` in a child process (see the module docstring).

    Calls may overlap; each answer is matched to its call by a sequence number. A call
    cancelled in the parent is cancelled in the child too, and its late answer is
    dropped, so the next call never receives another call's answer."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._seq = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[tuple[str, Any]]] = {}
        self.api_base_url = ""
        self.gateway_url = ""

    async def start(self) -> None:
        """Start the child and wait until its server listens."""
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(
            target=_main, args=(child, self._options), name="fake-discord", daemon=True
        )
        self._process.start()
        # Only the child may hold its end: once it exits, reads here see EOF, not silence.
        child.close()
        self._conn = parent
        hello = asyncio.get_running_loop().create_future()
        self._waiting[0] = hello
        asyncio.get_running_loop().add_reader(parent.fileno(), self._on_readable)
        self.api_base_url, self.gateway_url = self._unwrap(await hello)

    def _on_readable(self) -> None:
        assert self._conn is not None
        try:
            while self._conn.poll():
                seq, status, value = self._conn.recv()
                future = self._waiting.pop(seq, None)
                if future is not None and not future.done():
                    future.set_result((status, value))
        except (EOFError, OSError):
            self._detach("the fake Discord process exited")

    def _detach(self, reason: str) -> None:
        """Stop reading the pipe and fail every call still waiting for an answer."""
        if self._conn is not None:
            with contextlib.suppress(OSError, ValueError):
                asyncio.get_running_loop().remove_reader(self._conn.fileno())
            self._conn.close()
            self._conn = None
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(RuntimeError(reason))

    @staticmethod
    def _unwrap(answer: tuple[str, Any]) -> Any:
        status, value = answer
        if status == "error":
            raise RuntimeError(f"fake Discord process failed:\n{value}")
        return value

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``FakeDiscord.<method>(*args, **kwargs)`` in the child (awaited if async).

        An ``InteractionResult`` comes back as a dict (text, ephemeral, response_type,
        followups); other values as they pickle."""
        if self._conn is None:
            raise RuntimeError("the fake Discord process is not running")
        seq = next(self._seq)
        future: asyncio.Future[tuple[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[seq] = future
        self._conn.send((seq, method, args, kwargs))
        try:
            answer = await future
        except asyncio.CancelledError:
            self._waiting.pop(seq, None)
            if self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.send((seq, "cancel", (), {}))
            raise
        return self._unwrap(answer)

    async def call_many(
        self, method: str, calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]]
    ) -> list[Any]:
        """``call`` for each ``(args, kwargs)`` in one round trip (e.g. adding members)."""
        return list(await self.call("many", method, list(calls)))

    async def get(self, attribute: str, *keys: Any) -> Any:
        """``fake.<attribute>[key][key]…`` from the child (e.g. ``get("messages", id)``)."""
        return await self.call("get", attribute, *keys)

    async def clicks(
        self, presses: Sequence[tuple[str, int, int | None]], *, concurrency: int
    ) -> ClickRun:
        """Press ``(custom_id, user_id, message_id)`` buttons, ``concurrency`` in flight,
        timed in the child; returns when every press was answered."""
        run: ClickRun = await self.call("clicks", list(presses), concurrency)
        return run

    async def stop(self) -> None:
        """Stop the server and the child process; bounded: a child that does not stop in
        time is killed. Calls still waiting fail with ``RuntimeError``."""
        process = self._process
        if process is None:
            return
        if process.is_alive() and self._conn is not None:
            with contextlib.suppress(TimeoutError, OSError, RuntimeError):
                await asyncio.wait_for(self.call("stop"), 10)
        await asyncio.to_thread(process.join, 5)  # a bounded wait: the thread always ends
        if process.is_alive():
            process.kill()
            process.join(5)
        self._detach("the fake Discord process was stopped")
        self._process = None
