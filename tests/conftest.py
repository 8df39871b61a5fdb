"""Fixtures shared by every test layer: a real migrated SQLite file, a frozen clock, the
example competition config and the services built the way the real process builds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig, load_competition
from storage.engine import Database
from storage.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_COMPETITION = ROOT / "competition.example.toml"
GUILD_ID = 900000000000000001

#: A Wednesday afternoon in Shanghai; tests move the clock from here.
T0 = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def competition() -> CompetitionConfig:
    return load_competition(EXAMPLE_COMPETITION)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'podium.db'}")
    await migrate(database)
    yield database
    await database.dispose()


@pytest.fixture
def services(db: Database, clock: FrozenClock, competition: CompetitionConfig) -> Services:
    return build_services(db=db, clock=clock, competition=competition, guild_id=GUILD_ID)
