"""Activity counting from gateway events, /admin stats, /admin audit, the drop alert post
and NPS surveys, through the real bot and the fake Discord."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, cast

import discord
from sqlalchemy import select

from bot.services.posts import PostService
from cogs._posting import NONCE_WINDOW, send_once
from cogs.activity.cog import ActivityCog
from storage.queries import jobs as job_queries
from storage.schema import activity_daily, nps_responses
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for

#: Monday 2026-11-23 00:00 in Shanghai: the start of week 2026-W48.
W48_START = dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


def post_message(harness: Harness, user_id: int, *, bot: bool = False) -> None:
    """A member's (or a bot's) message arrives over the gateway, as Discord sends it."""
    fake = harness.fake
    author = fake._user_payload(user_id, f"user {user_id}", bot=bot)
    message = fake._message_payload(
        int(fake.default_channel["id"]), {"content": "hello"}, author=author
    )
    if user_id in fake.members:
        message["member"] = {k: v for k, v in fake.members[user_id].items() if k != "user"}
    fake.dispatch("MESSAGE_CREATE", message)


def public_posts(harness: Harness) -> list[dict[str, Any]]:
    """Non-ephemeral messages in the default channel (where the commands were run)."""
    channel = int(harness.fake.default_channel["id"])
    return [m for m in harness.fake.messages_in(channel) if not int(m.get("flags") or 0) & 64]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def stored_counts(harness: Harness) -> dict[int, tuple[int, int, int]]:
    async with harness.services.db.read() as conn:
        rows = (await conn.execute(select(activity_daily))).all()
    return {r.user_id: (r.messages, r.interactions, r.votes) for r in rows}


# -- counting ---------------------------------------------------------------------------------
async def test_member_messages_are_counted_and_bot_messages_are_not(harness: Harness):
    activity = harness.services.activity
    post_message(harness, 555000000000000001, bot=True)
    post_message(harness, PARTICIPANT_ID)
    post_message(harness, PARTICIPANT_ID)
    await wait_for(lambda: activity.buffered == 1)
    await activity.flush()
    assert await stored_counts(harness) == {PARTICIPANT_ID: (2, 0, 0)}


async def test_a_command_counts_as_an_interaction_of_the_member(harness: Harness):
    await harness.fake.invoke("help", user_id=PARTICIPANT_ID)
    await harness.services.activity.flush()
    assert (await stored_counts(harness))[PARTICIPANT_ID] == (0, 1, 0)


async def test_a_failing_interaction_observer_is_logged_and_the_command_still_answers(
    harness: Harness, caplog: Any
):
    def broken(_interaction: Any) -> None:
        raise RuntimeError("observer bug")

    harness.bot.interaction_observers.insert(0, broken)
    result = await harness.fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.text  # the command ran and answered
    await harness.services.activity.flush()
    assert (await stored_counts(harness))[PARTICIPANT_ID] == (0, 1, 0)  # counted after it
    assert "interaction observer failed" in caplog.text


# -- /admin stats ------------------------------------------------------------------------------
async def test_admin_stats_flushes_and_shows_actives_per_cohort_and_totals(harness: Harness):
    await harness.services.cohorts.assign(
        actor_id=ORGANIZER_ID, user_id=PARTICIPANT_ID, display_name="Pat", cohort="rookie"
    )
    post_message(harness, PARTICIPANT_ID)
    await wait_for(lambda: harness.services.activity.buffered == 1)
    result = await harness.fake.invoke("admin stats", user_id=ORGANIZER_ID)
    assert result.ephemeral
    text = result.text
    assert "Engagement — week 2026-W48" in text
    assert "Rookie" in text
    assert "Today 1 · yesterday 0" in text
    assert "This week 1 · last week 0 (no data last week)" in text
    # the organizer's own /admin stats interaction counts too (no cohort)
    assert "Active members this week: 2" in text
    assert "Teams: 0" in text


async def test_admin_stats_is_refused_to_participants_in_their_language(harness: Harness):
    result = await harness.fake.invoke("admin stats", user_id=PARTICIPANT_ID)
    assert result.ephemeral
    assert "Only organizers can do that" in result.text


# -- /admin audit ------------------------------------------------------------------------------
async def test_admin_audit_pages_newest_first_with_previous_and_next(harness: Harness, clock):
    for i in range(12):
        clock.advance(dt.timedelta(minutes=1))
        async with harness.services.db.write() as conn:
            await harness.services.audit.record(
                conn,
                actor_id=ORGANIZER_ID,
                action="points.award",
                target=f"team:{i}",
                details={"phone": "+8613800001234", "reason": "**bold**"},
            )
    first = await harness.fake.invoke("admin audit", user_id=ORGANIZER_ID)
    assert first.ephemeral
    assert "Audit log — page 1 of 2 (12 records)" in first.text
    assert "team:11" in first.text
    assert "team:2 ·" in first.text
    assert "team:1 ·" not in first.text  # the 11th newest is on page 2
    assert f"<@{ORGANIZER_ID}>" in first.text
    assert "13800001234" not in first.text
    assert "\\*\\*bold\\*\\*" in first.text
    response = first.response
    assert response is not None
    assert response["data"]["allowed_mentions"] == {"parse": []}
    _previous, following = custom_ids(response["data"])
    message_id = int(response["_message_id"])
    second = await harness.fake.click(following, user_id=ORGANIZER_ID, message_id=message_id)
    assert "Audit log — page 2 of 2 (12 records)" in second.text
    assert "team:1 ·" in second.text
    assert "team:0 ·" in second.text
    assert "team:11" not in second.text


async def test_admin_audit_filters_by_action_and_member(harness: Harness):
    async with harness.services.db.write() as conn:
        audit = harness.services.audit
        await audit.record(conn, actor_id=ORGANIZER_ID, action="team.admin_lock")
        await audit.record(
            conn, actor_id=ORGANIZER_ID, action="cohort.assign", target=f"user:{PARTICIPANT_ID}"
        )
    by_action = await harness.fake.invoke(
        "admin audit", user_id=ORGANIZER_ID, options={"action": "team"}
    )
    assert "(1 records)" in by_action.text
    assert "team.admin_lock" in by_action.text
    by_member = await harness.fake.invoke(
        "admin audit", user_id=ORGANIZER_ID, options={"member": str(PARTICIPANT_ID)}
    )
    assert "cohort.assign" in by_member.text
    assert "team.admin_lock" not in by_member.text
    choices = await harness.fake.autocomplete(
        "admin audit", user_id=ORGANIZER_ID, focused="action", value="coh"
    )
    assert [c["value"] for c in choices] == ["cohort.assign"]


# -- drop alert --------------------------------------------------------------------------------
async def elite_actives_fall_in_w48(harness: Harness, clock) -> None:
    """20 Elite members active in 2026-W47, 8 of them in W48 (a 60% drop), counts flushed."""
    services = harness.services
    users = list(range(1, 21))
    for user in users:
        await services.cohorts.assign(
            actor_id=ORGANIZER_ID, user_id=user, display_name=f"u{user}", cohort="elite"
        )
    for start, active in ((W48_START - WEEK, users), (W48_START, users[:8])):
        clock.set(start + dt.timedelta(days=2))
        for user in active:
            services.activity.record(user, "message")
        await services.activity.flush()


async def test_the_weekly_drop_check_posts_one_alert_to_the_organizers_channel(
    harness: Harness, clock
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:organizers"]
    services = harness.services
    await elite_actives_fall_in_w48(harness, clock)
    async with services.db.read() as conn:
        job = await job_queries.get_by_key(conn, "activity:drop-check:2026-W48")
    assert job is not None
    assert job.run_at == W48_START + WEEK
    clock.set(W48_START + WEEK)
    assert await services.scheduler.fire(job.id) == "done"
    await wait_for(lambda: len(harness.fake.messages_in(channel_id)) == 1)
    (alert,) = harness.fake.messages_in(channel_id)
    assert (
        "in week 2026-W48, weekly actives in Elite fell by 60% (20 → 8 members)" in alert["content"]
    )
    # a second run of the same week posts nothing more; the next week's check is pending
    assert await services.activity.check_drop("2026-W48") == []
    async with services.db.read() as conn:
        following = await job_queries.get_by_key(conn, "activity:drop-check:2026-W49")
    assert following is not None
    assert following.status == "pending"


# -- NPS surveys -------------------------------------------------------------------------------
async def test_nps_post_puts_eleven_buttons_in_the_channel_and_answers_can_change(
    harness: Harness,
):
    fake = harness.fake
    posted = await fake.invoke("survey nps-post", user_id=ORGANIZER_ID)
    assert posted.ephemeral
    assert "Survey #1 is posted in" in posted.text
    (message,) = public_posts(harness)
    assert (
        "How likely are you to recommend Cross-Border E-Commerce Challenge 2026"
        in (message["embeds"][0]["title"])
    )
    ids = custom_ids(message)
    assert ids == [f"podium:nps:1:{score}" for score in range(11)]
    first = await fake.click(ids[8], user_id=PARTICIPANT_ID, message_id=int(message["id"]))
    assert first.ephemeral
    assert first.text == "You answered 8 — thanks! Press another number to change it."
    again = await fake.click(ids[3], user_id=PARTICIPANT_ID, message_id=int(message["id"]))
    assert "You answered 3" in again.text
    await fake.click(ids[10], user_id=ORGANIZER_ID, message_id=int(message["id"]))
    async with harness.services.db.read() as conn:
        answers = (await conn.execute(select(nps_responses))).all()
    assert sorted((a.user_id, a.score) for a in answers) == [
        (ORGANIZER_ID, 10),
        (PARTICIPANT_ID, 3),
    ]
    results = await fake.invoke("survey nps-results", user_id=ORGANIZER_ID)
    assert results.ephemeral
    assert "NPS of survey #1" in results.text
    assert "+0" in results.text  # one promoter, one detractor
    assert "1 (50%)" in results.text


async def test_nps_post_takes_a_custom_question_and_results_autocomplete_lists_surveys(
    harness: Harness,
):
    fake = harness.fake
    await fake.invoke(
        "survey nps-post", user_id=ORGANIZER_ID, options={"question": "Would you join again?"}
    )
    (message,) = public_posts(harness)
    assert message["embeds"][0]["title"] == "Would you join again?"
    choices = await fake.autocomplete(
        "survey nps-results", user_id=ORGANIZER_ID, focused="survey", value="join"
    )
    assert choices == [{"name": "#1 Would you join again?", "value": 1}]


def message_with_button(harness: Harness, custom_id: str) -> int:
    """A bot message carrying one button, as if posted by an earlier run of the bot."""
    fake = harness.fake
    button = {"type": 2, "style": 2, "label": "9", "custom_id": custom_id}
    message = fake._message_payload(
        int(fake.default_channel["id"]),
        {"components": [{"type": 1, "components": [button]}]},
        author=fake.bot_user,
    )
    fake.messages[int(message["id"])] = message
    return int(message["id"])


async def test_nps_buttons_posted_before_a_restart_still_answer_and_unknown_surveys_are_refused(
    harness: Harness,
):
    survey = await harness.services.surveys.create(
        actor_id=ORGANIZER_ID, question="Q?", channel_id=None
    )
    custom_id = f"podium:nps:{survey.id}:9"
    message_id = message_with_button(harness, custom_id)
    pressed = await harness.fake.click(custom_id, user_id=PARTICIPANT_ID, message_id=message_id)
    assert "You answered 9" in pressed.text
    stale = message_with_button(harness, "podium:nps:999:9")
    unknown = await harness.fake.click("podium:nps:999:9", user_id=PARTICIPANT_ID, message_id=stale)
    assert unknown.ephemeral
    assert "There is no survey 999" in unknown.text


async def test_nps_results_without_surveys_or_answers_say_so(harness: Harness):
    none = await harness.fake.invoke("survey nps-results", user_id=ORGANIZER_ID)
    assert none.ephemeral
    assert "No survey has been posted yet" in none.text
    await harness.fake.invoke("survey nps-post", user_id=ORGANIZER_ID)
    empty = await harness.fake.invoke("survey nps-results", user_id=ORGANIZER_ID)
    assert "Survey 1 has no answers yet" in empty.text


async def test_survey_commands_are_for_organizers_only(harness: Harness):
    result = await harness.fake.invoke("survey nps-post", user_id=PARTICIPANT_ID)
    assert result.ephemeral
    assert "Only organizers can do that" in result.text
    assert public_posts(harness) == []


async def test_engagement_replies_follow_the_members_language(harness: Harness):
    refused = await harness.fake.invoke("admin audit", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert refused.ephemeral
    assert "Only organizers" not in refused.text
    none = await harness.fake.invoke("survey nps-results", user_id=ORGANIZER_ID, locale="zh-CN")
    assert "还没有发布过问卷" in none.text
    await harness.fake.invoke("survey nps-post", user_id=ORGANIZER_ID)
    (message,) = public_posts(harness)
    pressed = await harness.fake.click(
        custom_ids(message)[7],
        user_id=PARTICIPANT_ID,
        message_id=int(message["id"]),
        locale="zh-CN",
    )
    assert pressed.text == "你选择了 7 分——谢谢！点击其他数字即可修改。"


async def test_a_survey_that_cannot_be_posted_is_discarded_and_the_organizer_told(
    harness: Harness,
):
    channel_id = int(harness.fake.default_channel["id"])
    harness.fake.fail("POST", f"/channels/{channel_id}/messages")
    result = await harness.fake.invoke("survey nps-post", user_id=ORGANIZER_ID)
    assert result.ephemeral
    assert "I cannot post in this channel" in result.text
    assert public_posts(harness) == []
    assert await harness.services.surveys.recent() == []


async def claimed_drop_alert(harness: Harness, clock) -> int:
    """A drop alert for 2026-W48 claimed by a check whose process then stopped (nothing
    posted, nothing recorded): 20 Elite members active in W47, 8 in W48."""
    services = harness.services
    await elite_actives_fall_in_w48(harness, clock)
    clock.set(W48_START + WEEK)
    (alert,) = await services.activity.check_drop("2026-W48")
    return alert.id


async def until_alerts_recorded(harness: Harness) -> None:
    """Wait (bounded) until no claimed alert is left unrecorded."""
    for _ in range(250):
        if await harness.services.activity.unposted_alerts() == []:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("a claimed drop alert was never recorded as posted")


async def test_a_drop_alert_claimed_before_a_crash_is_posted_at_the_next_start(
    harness: Harness, clock
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:organizers"]
    await claimed_drop_alert(harness, clock)
    await harness.bot.reload_extension("cogs.activity")  # the cog starts as at a restart
    await wait_for(lambda: len(harness.fake.messages_in(channel_id)) == 1)
    (alert,) = harness.fake.messages_in(channel_id)
    assert "weekly actives in Elite fell by 60% (20 → 8 members)" in alert["content"]
    await until_alerts_recorded(harness)
    await harness.bot.reload_extension("cogs.activity")  # and once posted, never again
    assert len(harness.fake.messages_in(channel_id)) == 1


async def test_a_drop_alert_a_dead_process_posted_long_ago_is_not_posted_again(
    harness: Harness, clock
):
    fake = harness.fake
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:organizers"]
    alert_id = await claimed_drop_alert(harness, clock)
    # (an earlier test's reload made a new module object: compare by name, not class)
    cog = cast(ActivityCog, harness.bot.get_cog("ActivityCog"))
    assert type(cog).__name__ == "ActivityCog"
    (alert,) = await harness.services.activity.unposted_alerts()
    channel = harness.bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    # The process that claimed it posted it and was killed before recording anything.
    dead = PostService(harness.services.db, clock, owner="dead-process")
    delivery = await dead.claim(f"drop-alert:{alert_id}")
    await send_once(harness.bot, channel, delivery, content=cog.alert_text(alert))
    clock.advance(NONCE_WINDOW + dt.timedelta(minutes=5))
    fake.posting.nonce_window = dt.timedelta(0)  # Discord no longer remembers the nonce
    await harness.bot.reload_extension("cogs.activity")
    await until_alerts_recorded(harness)
    assert len(fake.messages_in(channel_id)) == 1, "the alert was posted twice"


async def test_a_drop_alert_discord_refuses_is_recorded_failed_and_given_up(
    harness: Harness, clock
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:organizers"]
    alert_id = await claimed_drop_alert(harness, clock)
    harness.fake.fail("POST", f"/channels/{channel_id}/messages")
    await harness.bot.reload_extension("cogs.activity")
    await until_alerts_recorded(harness)
    assert harness.fake.messages_in(channel_id) == []
    # The renderer records the alert before the publisher records the post's outcome.
    for _ in range(250):
        posts = await harness.services.posts.statuses(f"drop-alert:{alert_id}")
        if posts.get(f"drop-alert:{alert_id}") != "claimed":
            break
        await asyncio.sleep(0.02)
    assert posts == {f"drop-alert:{alert_id}": "failed"}
