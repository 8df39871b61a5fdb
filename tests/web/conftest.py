"""Web tests: the real aiohttp app (public pages, dashboard, metrics) on a database filled
by ``podium seed-demo`` (seeded once per module into a SQLite file, copied per test)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web as aiohttp_web
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Services, build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig, load_competition
from bot.demo import DemoReport, seed_demo
from bot.i18n import Catalogs
from bot.web import HealthSources, WebSite, build_web_app
from storage.engine import Database
from storage.migrate import migrate
from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID, T0


@dataclass
class Seeded:
    path: Path
    report: DemoReport


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    competition = load_competition(EXAMPLE_COMPETITION)

    async def fill() -> DemoReport:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(db)
            return await seed_demo(db, competition, now=T0)
        finally:
            await db.dispose()

    return Seeded(path, asyncio.run(fill()))


@dataclass
class Web:
    client: TestClient
    services: Services
    clock: FrozenClock
    report: DemoReport


async def open_web(
    seeded: Seeded,
    tmp_path: Path,
    *,
    public_base_url: str | None = None,
    extra_routes: Callable[[Services], Callable[[aiohttp_web.Application], None]] | None = None,
) -> tuple[Database, Web]:
    """The web app on a copy of the seeded database; ``extra_routes`` builds feature routes
    (e.g. the Twilio webhooks) from the test's services."""
    copy = tmp_path / "web.db"
    shutil.copy(seeded.path, copy)
    db = Database(f"sqlite+aiosqlite:///{copy}")
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
    base = public_base_url or str(client.make_url("")).rstrip("/")
    services.web_auth.configure(secret=None, base_url=base)
    return db, Web(client, services, clock, seeded.report)


@pytest.fixture
async def web(seeded: Seeded, tmp_path: Path) -> AsyncIterator[Web]:
    db, site = await open_web(seeded, tmp_path)
    try:
        yield site
    finally:
        await site.client.close()
        await db.dispose()
