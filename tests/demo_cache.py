"""Things made once per test run and shared by every xdist worker: the seeded demo
databases (``podium seed-demo`` takes seconds: its WhatsApp links hash codes with scrypt).

``once_per_run`` builds a value under a file lock in the run's temporary directory (the
parent of every worker's own), so the first worker to ask builds it and the others wait
and read it. PostgreSQL databases made this way are listed in ``postgres-to-drop`` and
dropped by ``drop_run_databases`` at the end of the run (``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from bot.config import load_competition
from bot.demo import DemoReport, seed_demo
from storage.engine import Database
from storage.migrate import migrate
from tests.conftest import EXAMPLE_COMPETITION, T0
from tests.databases import create_postgres_database, drop_postgres_database

T = TypeVar("T")

_TO_DROP = "postgres-to-drop"


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temporary directory: shared by the workers of an xdist run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]
) -> T:
    """``build(directory)`` once per run (its result pickled); later calls, from any
    worker, return that result."""
    shared = run_dir(tmp_path_factory)
    result = shared / f"{name}.pickle"
    with _locked(shared / f"{name}.lock"):
        if result.exists():
            value: T = pickle.loads(result.read_bytes())  # noqa: S301 - written by this run
            return value
        directory = shared / name
        directory.mkdir(exist_ok=True)
        value = build(directory)
        partial = result.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(value))
        partial.rename(result)
        return value


async def seed_demo_at(url: str) -> DemoReport:
    """Migrate the database at ``url`` and seed the demo into it (at ``T0``)."""
    db = Database(url)
    try:
        await migrate(db)
        return await seed_demo(db, load_competition(EXAMPLE_COMPETITION), now=T0)
    finally:
        await db.dispose()


def shared_sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoReport]:
    """(URL, report) of a SQLite file seeded with the demo once per run: copy it, never
    write to it."""

    def build(directory: Path) -> tuple[str, DemoReport]:
        url = f"sqlite+aiosqlite:///{directory / 'demo.db'}"
        return url, asyncio.run(seed_demo_at(url))

    return once_per_run(tmp_path_factory, "demo-sqlite", build)


def shared_postgres_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, DemoReport]:
    """(URL, report) of a PostgreSQL database seeded with the demo once per run, to be used
    as a template (``create_postgres_database(template=url)``), never written to."""

    def build(directory: Path) -> tuple[str, DemoReport]:
        url = asyncio.run(create_postgres_database())
        with (run_dir(tmp_path_factory) / _TO_DROP).open("a") as listed:
            listed.write(url + "\n")
        return url, asyncio.run(seed_demo_at(url))

    return once_per_run(tmp_path_factory, "demo-postgres", build)


def drop_run_databases(directory: Path) -> None:
    """Drop the PostgreSQL databases ``once_per_run`` made in the run at ``directory``."""
    listed = directory / _TO_DROP
    if not listed.exists():
        return
    for url in listed.read_text().split():
        asyncio.run(drop_postgres_database(url))
    listed.unlink()
