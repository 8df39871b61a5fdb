"""End-to-end harness: `podium run` as a real subprocess against the fakes in this process."""

from __future__ import annotations

import asyncio
import datetime as dt
import glob
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID, ROOT
from tests.databases import TestSQL, postgres_database
from tests.fakes.discord import FakeDiscord

DASHBOARD_SECRET = "e2e-dashboard-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PodiumProcess:
    """One `podium run` child process, its working folder and its log."""

    workdir: Path
    env: dict[str, str]
    web_port: int
    #: The process's database (``DATABASE_URL``), for the test to read and change rows.
    db: TestSQL
    proc: asyncio.subprocess.Process | None = None
    #: after ``run``, e.g. ``("--only", "worker")``
    args: tuple[str, ...] = ()
    log_path: Path = field(init=False)
    starts: int = 0

    def __post_init__(self) -> None:
        self.log_path = self.workdir / "podium.log"

    async def start(self, *, clock_at: dt.datetime | None = None, limit: float = 30) -> float:
        """Start the process; returns seconds until /healthz reports everything up.

        ``clock_at``: the process's wall clock reads this instant when it starts and runs
        on at normal speed from there (libfaketime, see ``faketime_env``), so a test
        reaches a due time by restarting the process later in time, never by waiting.
        ``limit``: seconds it may take (several processes starting at once take longer).
        """
        self.starts += 1
        env = self.env if clock_at is None else self.env | faketime_env(self.env, clock_at)
        log = self.log_path.open("ab")
        started = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *self.args,
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=log,
        )
        log.close()
        await self.wait_healthy(limit)
        return time.monotonic() - started

    async def wait_healthy(self, limit: float = 30) -> dict:
        deadline = time.monotonic() + limit
        last: object = "no answer"
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.returncode is not None:
                    raise AssertionError(
                        f"podium exited with {self.proc.returncode}:\n{self.log()}"
                    )
                try:
                    async with http.get(f"http://127.0.0.1:{self.web_port}/healthz") as response:
                        body: dict[str, Any] = await response.json()
                        last = body
                        if response.status == 200:
                            return body
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"podium not healthy in {limit}s: {last}\n{self.log()}")

    async def health(self) -> dict:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{self.web_port}/healthz") as response,
        ):
            return await response.json()

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        assert self.proc.returncode is not None
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def database(self) -> Path:
        """The SQLite file (for the tests of SQLite-only behaviour)."""
        assert self.db.sqlite_path is not None, "this test runs on SQLite only"
        return self.db.sqlite_path


FAKETIME_LIBRARIES = (
    "/usr/lib/*/faketime/libfaketime.so.1",  # Debian, Ubuntu (package faketime)
    "/usr/lib/faketime/libfaketime.so.1",
    "/usr/local/lib/faketime/libfaketime.so.1",
)


def libfaketime() -> str:
    """The libfaketime library to preload. Missing: the test skips with the reason, or
    fails under ``CI=1`` (``.ci/run`` installs Debian's ``faketime``)."""
    for pattern in FAKETIME_LIBRARIES:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    reason = "libfaketime not found (apt-get install faketime)"
    if os.environ.get("CI") == "1":
        pytest.fail(f"clock-moving e2e tests cannot run in CI: {reason}")
    pytest.skip(reason)


def faketime_env(env: dict[str, str], clock_at: dt.datetime) -> dict[str, str]:
    """Environment that starts a child with its wall clock at ``clock_at`` (aware).

    A relative offset from now, taken just before the start: the child's clock then runs
    at normal speed. Only the wall clock moves; the monotonic clock (asyncio's timers,
    discord.py's heartbeats, aiohttp's timeouts) stays real.
    """
    if clock_at.tzinfo is None:
        raise ValueError("clock_at must be timezone-aware")
    offset = (clock_at - dt.datetime.now(dt.UTC)).total_seconds()
    preload = " ".join(filter(None, [env.get("LD_PRELOAD", ""), libfaketime()]))
    return {
        "LD_PRELOAD": preload,
        "FAKETIME": f"{offset:+.3f}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def base_env(workdir: Path) -> dict[str, str]:
    """The environment of the child: the parent's PATH etc., no inherited Podium settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "TWILIO_", "DATABASE_"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(guild_id=GUILD_ID)
    await fake.start()
    yield fake
    await fake.stop()
    # A payload Discord would refuse (tests/fakes/discord/limits.py) fails the test.
    assert not fake.limit_errors, f"Discord would refuse these: {fake.limit_errors}"


@pytest.fixture
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The `podium run` process's ``DATABASE_URL``: a SQLite file in the test's folder, or,
    for a test parametrized with ``tests.databases.BACKENDS`` (indirect), a PostgreSQL
    database of its own."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}"
        return
    async with postgres_database() as url:
        yield url


def podium_process(
    workdir: Path,
    fake: FakeDiscord,
    *,
    log_level: str = "INFO",
    database_url: str | None = None,
) -> PodiumProcess:
    """A `podium run` set up in ``workdir`` (example rules, own web port, and its own
    database: ``database_url``, by default a SQLite file in ``workdir``)."""
    shutil.copy(EXAMPLE_COMPETITION, workdir / "competition.toml")
    web_port = free_port()
    url = database_url or f"sqlite+aiosqlite:///{workdir / 'podium.db'}"
    env = base_env(workdir) | {
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_GUILD_ID": str(GUILD_ID),
        "DATABASE_URL": url,
        "DASHBOARD_SECRET": DASHBOARD_SECRET,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(web_port),
        "DISCORD_API_BASE_URL": fake.api_base_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "LOG_LEVEL": log_level,
    }
    return PodiumProcess(workdir=workdir, env=env, web_port=web_port, db=TestSQL(url))


@pytest.fixture
async def podium(
    tmp_path: Path, fake_discord: FakeDiscord, database_url: str
) -> AsyncIterator[PodiumProcess]:
    process = podium_process(tmp_path, fake_discord, database_url=database_url)
    try:
        yield process
    finally:
        if process.proc is not None and process.proc.returncode is None:
            await process.terminate()
        process.db.close()
