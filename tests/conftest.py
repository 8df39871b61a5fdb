"""Fixtures shared by every test layer: a real migrated database, a frozen clock, the
example competition config and the services built the way the real process builds them.

``db`` runs each test on SQLite and, when ``PODIUM_TEST_POSTGRES_URL`` is set (CI sets it
after starting Debian's PostgreSQL), once more on PostgreSQL, each on an empty migrated
database made quickly (``tests/migrated.py``).
``sqlite_db`` is for the tests of SQLite-only behaviour (pragmas, WAL checkpoints).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig, load_competition
from bot.services.registry import Services
from bot.services.whatsapp import WhatsAppSetup
from storage.engine import Database
from tests.migrated import PostgresSchema, SqliteTemplate
from tests.xdist_scheduling import pytest_xdist_make_scheduler  # noqa: F401  (a pytest hook)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_COMPETITION = ROOT / "competition.example.toml"
GUILD_ID = 900000000000000001
POSTGRES_URL = os.environ.get("PODIUM_TEST_POSTGRES_URL")

#: A Wednesday afternoon in Shanghai; tests move the clock from here.
T0 = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def competition() -> CompetitionConfig:
    return load_competition(EXAMPLE_COMPETITION)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """A migrated SQLite file per test process, copied for each test."""
    return SqliteTemplate(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresSchema | None]:
    """The migrated PostgreSQL schema of this test process (emptied after each test)."""
    if POSTGRES_URL is None:
        yield None
        return
    schema = PostgresSchema(POSTGRES_URL)
    yield schema
    schema.drop()


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: SqliteTemplate) -> AsyncIterator[Database]:
    database = await sqlite_template.fresh(tmp_path / "podium.db")
    yield database
    await database.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                POSTGRES_URL is None, reason="PODIUM_TEST_POSTGRES_URL not set"
            ),
        ),
    ]
)
async def db(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: SqliteTemplate,
    postgres_schema: PostgresSchema | None,
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = await sqlite_template.fresh(tmp_path / "podium.db")
        yield database
        await database.dispose()
        return
    assert postgres_schema is not None
    database = await postgres_schema.acquire()
    try:
        yield database
    finally:
        await postgres_schema.release(database)


@pytest.fixture
def whatsapp_setup() -> WhatsAppSetup | None:
    """WhatsApp in ``services``: off, as without Twilio. A test turns it on with
    ``@pytest.mark.parametrize("whatsapp_setup", [WhatsAppSetup(...)])``."""
    return None


@pytest.fixture
def services(
    db: Database,
    clock: FrozenClock,
    competition: CompetitionConfig,
    whatsapp_setup: WhatsAppSetup | None,
) -> Services:
    return build_services(
        db=db,
        clock=clock,
        competition=competition,
        guild_id=GUILD_ID,
        whatsapp_setup=whatsapp_setup,
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the PostgreSQL databases the run's workers shared (``tests/demo_cache.py``)
    once all are done: on the xdist controller, or at the end of a run without xdist."""
    if hasattr(session.config, "workerinput"):
        return
    from tests.demo_cache import drop_run_databases

    factory: pytest.TempPathFactory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    drop_run_databases(factory.getbasetemp())
