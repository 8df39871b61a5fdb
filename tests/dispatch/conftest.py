"""Dispatch-test harness: the real PodiumBot in this process, talking to the fake Discord.

Interactions are real payloads delivered over the fake gateway and run through discord.py's
command tree; what the bot sends back is captured by the fake's REST routes, which check
Discord's limits on the way in: a payload Discord would refuse (50035) fails the test.

Dispatch tests run on SQLite only: they prove what the bot does with an interaction (the
parsing, the replies, the buttons), and each builds a whole bot, about a second apiece. What
the database does under them is proved on both databases by the service tests (and the web
and end-to-end tests), which run the same queries: on PostgreSQL too, the dispatch tests
doubled their cost and added nothing those did not cover.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord.gateway
import discord.http
import pytest

from bot.app import PodiumBot
from bot.config import CompetitionConfig
from bot.i18n import Catalogs
from bot.overrides import apply_discord_overrides
from bot.services.registry import Services
from storage.engine import Database
from tests.conftest import GUILD_ID
from tests.fakes.discord import FakeDiscord
from tests.migrated import SqliteTemplate

ORGANIZER_ID = 100000000000000010
PARTICIPANT_ID = 100000000000000020
MANAGE_GUILD = 1 << 5


@dataclass
class Harness:
    bot: PodiumBot
    fake: FakeDiscord
    services: Services


@pytest.fixture
async def db(tmp_path: Path, sqlite_template: SqliteTemplate) -> AsyncIterator[Database]:
    """A migrated SQLite database (see the module's docstring)."""
    database = await sqlite_template.fresh(tmp_path / "podium.db")
    yield database
    await database.dispose()


@pytest.fixture
async def harness(services: Services, competition: CompetitionConfig) -> AsyncIterator[Harness]:
    fake = FakeDiscord(guild_id=GUILD_ID)
    await fake.start()
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER_ID, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(PARTICIPANT_ID, "Pat Participant")
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    apply_discord_overrides(fake.api_base_url, fake.gateway_url)
    bot = PodiumBot(
        services=services, competition=competition, catalogs=Catalogs(), guild_id=GUILD_ID
    )
    client = asyncio.create_task(bot.start("fake-token"))
    try:
        await fake.wait_for_commands()
        await fake.wait_ready()
        await asyncio.wait_for(bot.wait_until_ready(), 30)
        # The start-up work that waited for ready (each cog's catch-up: last week's boards,
        # results scoring, offers, role repair) ends before the test begins, so it never
        # races the test's own rows and clock.
        if bot.background_tasks:
            await asyncio.wait(bot.background_tasks, timeout=30)
        yield Harness(bot=bot, fake=fake, services=services)
        # The fake refuses what Discord refuses (tests/fakes/discord/limits.py); a refusal
        # the test did not expect (and clear) is a message a user would never have seen.
        assert not fake.limit_errors, f"Discord would refuse these: {fake.limit_errors}"
    finally:
        await bot.close()
        client.cancel()
        # Bounded, and a cancellation of this teardown itself is not swallowed.
        await asyncio.wait({client}, timeout=10)
        await fake.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
