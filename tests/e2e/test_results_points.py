"""Store results end to end: at start the real process scores the week that just ended
into the ledger and posts its results summary once, and not again after a SIGKILL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.clock import SystemClock
from bot.config import load_competition
from storage.engine import Database
from storage.migrate import migrate
from storage.queries import guild_resources
from storage.schema import points_ledger
from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, wait_for
from tests.points_support import add_team
from tests.results_support import add_daily, add_orders

pytestmark = pytest.mark.e2e


async def _results_entries(url: str) -> list[tuple[int, int]]:
    db = Database(url)
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                select(points_ledger.c.team_id, points_ledger.c.amount).where(
                    points_ledger.c.source == "results"
                )
            )
            return sorted((int(team), int(amount)) for team, amount in rows)
    finally:
        await db.dispose()


async def test_the_weekly_results_points_are_credited_and_posted_once_across_a_kill(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    channel_id = int(fake_discord.add_channel("leaderboard")["id"])
    db = Database(podium.db.url)
    try:
        await migrate(db)
        async with db.write() as conn:
            await guild_resources.upsert(
                conn,
                guild_id=GUILD_ID,
                kind="channel",
                key="channel:leaderboard",
                name="leaderboard",
                discord_id=channel_id,
                created_by_bot=False,
                now=dt.datetime.now(dt.UTC),
            )
        competition = load_competition(EXAMPLE_COMPETITION)
        due = build_services(
            db=db, clock=SystemClock(), competition=competition, guild_id=GUILD_ID
        ).points.due_week()
        at = due.start + dt.timedelta(hours=30)
        silk = await add_team(db, "丝路先锋")
        night = await add_team(db, "Night Owls")
        await add_orders(db, silk, at, 30_000, 20_000, country="US")
        await add_orders(db, night, at, 9_000, prefix="n", country="DE")
        await add_daily(db, silk, due.first_day, visitors=500.0, ad_spend=100.0)
        await add_daily(db, night, due.first_day, visitors=10.0, ad_spend=100.0)
    finally:
        await db.dispose()

    await podium.start()
    await wait_for(lambda: len(fake_discord.messages_in(channel_id)) >= 1, timeout=30)
    (post,) = fake_discord.messages_in(channel_id)
    embed = post["embeds"][0]
    assert f"week {due.key}" in embed["title"]
    # 丝路先锋: sales 40 + orders 30 + roi 10; Night Owls: conversion 0.1 > 0.004: 20.
    assert "**1.** 丝路先锋 — 80 points" in embed["description"]
    assert "**2.** Night Owls — 20 points" in embed["description"]
    credited = await _results_entries(podium.db.url)
    assert credited == sorted([(silk, 80), (night, 20)])

    await podium.kill()
    await podium.start()
    await wait_for(lambda: podium.log().count("results summaries catch-up") >= 2, timeout=30)
    assert len(fake_discord.messages_in(channel_id)) == 1
    assert await _results_entries(podium.db.url) == credited
    assert "Traceback" not in podium.log()
    assert await podium.terminate() == 0
