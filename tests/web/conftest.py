"""Web tests: the real aiohttp app (public pages, dashboard, metrics) on a database filled
by ``podium seed-demo``: seeded once per run (shared by the xdist workers:
``tests/demo_cache.py``) into a SQLite file and, when ``PODIUM_TEST_POSTGRES_URL`` is set,
into a PostgreSQL database; each test runs on a copy of each (ids ``[sqlite]`` and
``[postgres]``)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web as aiohttp_web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import make_url

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig, load_competition
from bot.demo import DemoReport
from bot.i18n import Catalogs
from bot.services.registry import Services
from bot.web import HealthSources, WebSite, build_web_app
from storage.engine import Database
from storage.migrate import migrate
from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID, T0
from tests.databases import BACKENDS, create_postgres_database, drop_postgres_database
from tests.demo_cache import shared_postgres_demo, shared_sqlite_demo


@dataclass
class Seeded:
    """The demo database (SQLite file or PostgreSQL database), copied for each test."""

    url: str
    report: DemoReport


@pytest.fixture(scope="session", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """Seeded once per run and database, for every worker: each web test runs on a copy,
    on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return Seeded(*shared_sqlite_demo(tmp_path_factory))
    return Seeded(*shared_postgres_demo(tmp_path_factory))


@dataclass
class Web:
    client: TestClient
    services: Services
    clock: FrozenClock
    report: DemoReport


@asynccontextmanager
async def open_web(
    seeded: Seeded,
    tmp_path: Path,
    *,
    public_base_url: str | None = None,
    extra_routes: Callable[[Services], Callable[[aiohttp_web.Application], None]] | None = None,
) -> AsyncIterator[Web]:
    """The web app on a copy of the seeded database; ``extra_routes`` builds feature routes
    (e.g. the Twilio webhooks) from the test's services."""
    if seeded.url.startswith("sqlite"):
        copy = tmp_path / "web.db"
        shutil.copy(make_url(seeded.url).database or "", copy)
        url = f"sqlite+aiosqlite:///{copy}"
    else:
        url = await create_postgres_database(template=seeded.url)
    db = Database(url)
    try:
        await migrate(db)
        clock = FrozenClock(T0)
        competition: CompetitionConfig = load_competition(EXAMPLE_COMPETITION)
        services = build_services(db=db, clock=clock, competition=competition, guild_id=GUILD_ID)
        client = TestClient(
            TestServer(
                build_web_app(
                    HealthSources(db=db, scheduler=None, gateway=None),
                    extra_routes=extra_routes(services) if extra_routes is not None else None,
                    site=WebSite(services, Catalogs(), public_base_url),
                )
            )
        )
        await client.start_server()
        try:
            base = public_base_url or str(client.make_url("")).rstrip("/")
            services.web_auth.configure(secret=None, base_url=base)
            yield Web(client, services, clock, seeded.report)
        finally:
            await client.close()
    finally:
        await db.dispose()
        if not seeded.url.startswith("sqlite"):
            await drop_postgres_database(url)


@pytest.fixture
async def web(seeded: Seeded, tmp_path: Path) -> AsyncIterator[Web]:
    async with open_web(seeded, tmp_path) as site:
        yield site
