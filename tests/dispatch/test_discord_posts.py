"""Posts that must reach people: cohort pings that notify, and a post a dead process left
half-done found in the channel (the real bot against the fake Discord)."""

from __future__ import annotations

import datetime as dt

import discord

from bot.clock import FrozenClock
from bot.services.posts import PostService
from cogs._posting import NONCE_WINDOW, send_once
from tests.dispatch.conftest import Harness
from tests.dispatch.test_qa import START, run_jobs_at, schedule, setup_server
from tests.fakes.discord.posts import MENTION_EVERYONE


async def test_qa_reminders_notify_the_audience_cohort_roles(harness: Harness, clock: FrozenClock):
    # As on a Community server (and most servers that care): members, the bot included,
    # may not mention every role; a cohort ping notifies only if the role is mentionable.
    everyone = harness.fake.roles[harness.fake.guild_id]
    everyone["permissions"] = str(int(everyone["permissions"]) & ~MENTION_EVERYONE)
    ids = await setup_server(harness)
    await schedule(harness, audience="rookie,elite")
    await run_jobs_at(harness, clock, START - dt.timedelta(hours=24))
    for cohort in ("rookie", "elite"):
        (post,) = harness.fake.messages_in(ids[f"channel:cohort:{cohort}:0"])
        role = ids[f"role:cohort:{cohort}"]
        assert post["content"].startswith(f"<@&{role}> ⏰ Reminder:")
        assert post["mention_roles"] == [str(role)], f"the {cohort} role was not notified"
    assert harness.fake.messages_in(ids["channel:cohort:advanced:0"]) == []


async def test_setup_creates_cohort_roles_mentionable_and_repairs_existing_ones(
    harness: Harness,
):
    fake = harness.fake
    made_by_hand = fake.add_role("Rookie")
    fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(fake.guild_id), "role": made_by_hand})
    ids = await setup_server(harness)
    assert ids["role:cohort:rookie"] == int(made_by_hand["id"])
    assert made_by_hand["mentionable"] is True, "the existing cohort role was repaired"
    for cohort in ("advanced", "elite"):
        assert fake.roles[ids[f"role:cohort:{cohort}"]]["mentionable"] is True
    assert fake.roles[ids["role:organizer"]]["mentionable"] is False
    assert fake.roles[ids["role:alumni"]]["mentionable"] is False


async def test_a_claim_a_dead_process_left_long_ago_is_found_in_the_channel_not_reposted(
    harness: Harness, clock: FrozenClock
):
    fake = harness.fake
    channel = harness.bot.get_channel(int(fake.default_channel["id"]))
    assert isinstance(channel, discord.TextChannel)
    dead = PostService(harness.services.db, clock, owner="dead-process")
    first = await dead.claim("contest:7:results")
    embed = discord.Embed(title="Results: Poster", description="**1.** Tea — Alpha")
    sent = await send_once(harness.bot, channel, first, embed=embed)  # then the crash
    clock.advance(NONCE_WINDOW + dt.timedelta(minutes=1))
    fake.posting.nonce_window = dt.timedelta(0)  # Discord forgot the nonce by now

    resumed = await harness.services.posts.claim("contest:7:results")
    assert resumed.state == "resume"
    assert resumed.nonce == first.nonce
    again = await send_once(harness.bot, channel, resumed, embed=embed)
    assert again.id == sent.id
    assert len(fake.messages_in(int(fake.default_channel["id"]))) == 1


async def test_a_repeat_within_the_nonce_window_returns_the_first_message(
    harness: Harness, clock: FrozenClock
):
    fake = harness.fake
    channel = harness.bot.get_channel(int(fake.default_channel["id"]))
    assert isinstance(channel, discord.TextChannel)
    dead = PostService(harness.services.db, clock, owner="dead-process")
    first = await dead.claim("missed:1")
    sent = await send_once(harness.bot, channel, first, content="Jobs were missed")
    resumed = await harness.services.posts.claim("missed:1")
    again = await send_once(harness.bot, channel, resumed, content="Jobs were missed")
    assert again.id == sent.id
    assert fake.posting.nonce_replays == 1
    assert [m["content"] for m in fake.messages_in(channel.id)] == ["Jobs were missed"]
    assert not fake.calls("GET", f"/channels/{channel.id}/messages"), "no history needed"
    await harness.services.posts.finish(resumed, channel_id=channel.id, message_id=again.id)
    assert (await harness.services.posts.claim("missed:1")).state == "done"
