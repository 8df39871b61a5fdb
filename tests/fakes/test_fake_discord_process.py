"""The fake Discord in its own process (used by bench/votes.py): the real PodiumBot connects
to it, takes real component payloads and answers them, and the child reports its work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord.gateway
import discord.http
import pytest

from bot.app import PodiumBot
from bot.config import CompetitionConfig
from bot.i18n import Catalogs
from bot.overrides import apply_discord_overrides
from bot.services.registry import Services
from cogs.contests.gallery import gallery_counter, post_entry
from tests.conftest import GUILD_ID
from tests.contest_support import OLD_MEMBER, OPENS, SUBMISSIONS_CLOSE, VOTING, VOTING_CLOSE
from tests.fakes.discord.process import FakeDiscordProcess
from tests.points_support import add_team

ORGANIZER = 100000000000000010
CAPTAIN = 740000000000000001
VOTERS = [740000000000000100 + i for i in range(12)]


@pytest.fixture
async def remote() -> AsyncIterator[FakeDiscordProcess]:
    fake = FakeDiscordProcess(guild_id=GUILD_ID)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def test_calls_run_in_the_child_and_its_errors_come_back_with_the_traceback(
    remote: FakeDiscordProcess,
):
    role = await remote.call("add_role", "Judges", permissions=1 << 5)
    await remote.call_many("add_member", [((7001, "Ann"), {}), ((7002, "Bo"), {})])
    assert (await remote.get("members", 7002))["user"]["global_name"] == "Bo"
    assert (await remote.call("role_named", "Judges"))["id"] == role["id"]
    with pytest.raises(RuntimeError, match="KeyError"):
        await remote.get("members", 999)
    assert remote.api_base_url.startswith("http://127.0.0.1:")


async def test_the_bot_answers_vote_clicks_driven_from_the_fakes_process(
    remote: FakeDiscordProcess, services: Services, competition: CompetitionConfig
):
    manager = await remote.call("add_role", "Server Manager", permissions=1 << 5)
    await remote.call("add_member", ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    await remote.call_many(
        "add_member",
        [
            ((user, f"Member {user % 1000}"), {"joined_at": OLD_MEMBER})
            for user in [CAPTAIN, *VOTERS]
        ],
    )
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    apply_discord_overrides(remote.api_base_url, remote.gateway_url)
    bot = PodiumBot(
        services=services, competition=competition, catalogs=Catalogs(), guild_id=GUILD_ID
    )
    client = asyncio.create_task(bot.start("fake-token"))
    try:
        await remote.call("wait_for_commands")
        await remote.call("wait_ready")
        setup = await remote.call("invoke", "admin setup", user_id=ORGANIZER)
        assert setup["ephemeral"]
        await add_team(services.db, "Case Crackers", members_=[CAPTAIN])
        contest = await services.contests.create(
            actor_id=ORGANIZER,
            name="Best Practical Case",
            category="case",
            submissions_open=OPENS,
            submissions_close=SUBMISSIONS_CLOSE,
            voting_close=VOTING_CLOSE,
        )
        services.clock.set(OPENS)  # type: ignore[attr-defined]
        entry = await services.contests.submit(
            user_id=CAPTAIN, contest=contest.id, title="Pricing", url="https://ex.am/p"
        )
        await post_entry(bot, entry, None)
        message_id = (await services.contests.submission(entry.id)).message_id
        assert message_id is not None
        services.clock.set(VOTING)  # type: ignore[attr-defined]

        presses = [(f"podium:vote:{entry.id}", voter, message_id) for voter in VOTERS]
        run = await remote.clicks(presses, concurrency=4)

        assert run.texts == ["Vote counted — 1 of 3 votes used."] * len(VOTERS)
        assert len(run.latencies_ms) == len(VOTERS)
        assert min(run.latencies_ms) > 0
        assert run.seconds > 0
        assert run.cpu_seconds > 0
        assert await services.contests.count(entry.id) == len(VOTERS)
        await gallery_counter(bot).flush()
        post = await remote.get("messages", message_id)
        assert post["components"][0]["components"][0]["label"] == f"Vote ({len(VOTERS)})"
    finally:
        await bot.close()
        client.cancel()
        # Bounded, and a cancellation of this teardown itself is not swallowed.
        await asyncio.wait({client}, timeout=10)
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def test_a_cancelled_call_is_cancelled_in_the_child_and_the_next_call_gets_its_answer(
    remote: FakeDiscordProcess,
):
    # No bot ever connects: this call would wait ten minutes in the child.
    waiting = asyncio.create_task(remote.call("wait_ready", timeout=600))
    await asyncio.sleep(0)  # the request is on its way
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 5)

    role = await asyncio.wait_for(remote.call("add_role", "Judges"), 5)
    assert (await asyncio.wait_for(remote.call("role_named", "Judges"), 5))["id"] == role["id"]


async def test_stop_ends_a_call_still_waiting_and_returns(remote: FakeDiscordProcess):
    waiting = asyncio.create_task(remote.call("wait_ready", timeout=600))
    await asyncio.sleep(0)

    await asyncio.wait_for(remote.stop(), 20)

    with pytest.raises(RuntimeError, match=r"stopped|exited"):
        await asyncio.wait_for(waiting, 5)
