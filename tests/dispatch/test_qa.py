"""/qa and /ask through discord.py's command tree (real payloads, fake Discord)."""

from __future__ import annotations

import datetime as dt

from bot.clock import FrozenClock
from cogs.qa.queue import queue_updater
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for
from tests.points_support import add_team

VOTER_ID = 100000000000000030
START = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)  # 20:00 in Shanghai


async def setup_server(harness: Harness) -> dict[str, int]:
    harness.fake.add_member(VOTER_ID, "Vera Voter")
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    return await harness.services.setup.resource_ids()


async def schedule(harness: Harness, **options: object) -> str:
    values: dict[str, object] = {
        "title": "Ask the judges",
        "kind": "official",
        "start": "2026-11-27 20:00",
        "duration": "90m",
        "host": str(ORGANIZER_ID),
    }
    values.update(options)
    result = await harness.fake.invoke("qa schedule", user_id=ORGANIZER_ID, options=values)
    assert result.ephemeral
    return result.text


async def run_jobs_at(harness: Harness, clock: FrozenClock, when: dt.datetime) -> list[str]:
    clock.set(when)
    return await harness.services.scheduler.run_due()


async def test_schedule_creates_the_event_and_reminders_ping_only_the_audience_role(
    harness: Harness, clock: FrozenClock
):
    ids = await setup_server(harness)
    reply = await schedule(harness, audience="elite")
    assert "Q&A session #1 **Ask the judges** scheduled for <t:1795780800:F> (1h30m)" in reply
    assert "Elite" in reply
    (event,) = harness.fake.scheduled_events.values()
    assert event["name"] == "Ask the judges"
    assert event["entity_type"] == 3
    assert event["entity_metadata"] == {"location": "#elite-camp"}
    assert event["scheduled_start_time"].startswith("2026-11-27T12:00:00")

    rsvp = await harness.fake.invoke("qa rsvp", user_id=PARTICIPANT_ID, options={"session": 1})
    assert rsvp.ephemeral
    assert "You RSVP'd to **Ask the judges**" in rsvp.text

    await run_jobs_at(harness, clock, START - dt.timedelta(hours=24))
    assert (await harness.services.qa.jobs(1))["qa:1:remind:86400"] == "done"
    elite = ids["channel:cohort:elite:0"]
    role = ids["role:cohort:elite"]
    (post,) = harness.fake.messages_in(elite)
    assert post["content"].startswith(f"<@&{role}> ⏰ Reminder: **Ask the judges**")
    assert post["allowed_mentions"]["parse"] == []
    assert [int(r) for r in post["allowed_mentions"]["roles"]] == [role]
    assert not post["allowed_mentions"].get("users")
    assert harness.fake.messages_in(ids["channel:cohort:rookie:0"]) == []
    (dm_channel,) = harness.fake.dm_channels.values()
    dms = harness.fake.messages_in(int(dm_channel["id"]))
    assert len(dms) == 1
    assert "Reminder: **Ask the judges**" in dms[0]["content"]

    await run_jobs_at(harness, clock, START - dt.timedelta(hours=1))
    assert (await harness.services.qa.jobs(1))["qa:1:remind:3600"] == "done"
    await harness.services.scheduler.run_due()
    assert len(harness.fake.messages_in(elite)) == 2, "each reminder once"


async def test_start_notice_carries_check_in_which_credits_points_once(
    harness: Harness, clock: FrozenClock
):
    ids = await setup_server(harness)
    await add_team(harness.services.db, "Night Owls", members_=[VOTER_ID])
    await schedule(harness, audience="rookie")
    await run_jobs_at(harness, clock, START)
    rookie = ids["channel:cohort:rookie:0"]
    start_post = harness.fake.messages_in(rookie)[-1]
    assert "starts now" in start_post["content"]
    button = start_post["components"][0]["components"][0]
    assert button["custom_id"] == "podium:qa-checkin:1"
    message_id = int(start_post["id"])

    checked = await harness.fake.click(button["custom_id"], user_id=VOTER_ID, message_id=message_id)
    assert checked.ephemeral
    assert "Checked in to **Ask the judges**: 10 points for Night Owls." in checked.text
    again = await harness.fake.click(button["custom_id"], user_id=VOTER_ID, message_id=message_id)
    assert "already checked in" in again.text
    loner = await harness.fake.click(
        button["custom_id"], user_id=PARTICIPANT_ID, message_id=message_id
    )
    assert "not in a team this season, so no points" in loner.text
    clock.set(START + dt.timedelta(hours=2))
    late = await harness.fake.click(
        button["custom_id"], user_id=ORGANIZER_ID, message_id=message_id, locale="zh-CN"
    )
    assert late.ephemeral
    assert "<t:1795780800:t>" in late.text


async def test_edit_moves_the_event_and_cancel_cancels_it_and_tells_the_audience(
    harness: Harness, clock: FrozenClock
):
    ids = await setup_server(harness)
    await schedule(harness, audience="advanced")
    edited = await harness.fake.invoke(
        "qa edit",
        user_id=ORGANIZER_ID,
        options={"session": 1, "start": "2026-11-28 20:00", "title": "Judges, part 2"},
    )
    assert "Q&A session #1 updated" in edited.text
    (event,) = harness.fake.scheduled_events.values()
    assert event["name"] == "Judges, part 2"
    assert event["scheduled_start_time"].startswith("2026-11-28T12:00:00")

    cancelled = await harness.fake.invoke("qa cancel", user_id=ORGANIZER_ID, options={"session": 1})
    assert "Q&A session #1 cancelled" in cancelled.text
    assert event["status"] == 4  # canceled
    advanced = ids["channel:cohort:advanced:0"]
    # The cancellation notice is a job due at once: the live timer posts it.
    await wait_for(lambda: bool(harness.fake.messages_in(advanced)))
    await wait_for(lambda: harness.bot.services.scheduler.running)
    (post,) = harness.fake.messages_in(advanced)
    assert "is cancelled" in post["content"]
    upcoming = await harness.fake.invoke("qa upcoming", user_id=PARTICIPANT_ID)
    assert "No Q&A session is scheduled." in upcoming.text


async def test_participants_cannot_schedule_and_bad_input_says_what_to_fix(harness: Harness):
    refused = await harness.fake.invoke(
        "qa schedule",
        user_id=PARTICIPANT_ID,
        options={
            "title": "x",
            "kind": "official",
            "start": "2026-11-27 20:00",
            "duration": "1h",
            "host": str(PARTICIPANT_ID),
        },
    )
    assert refused.ephemeral
    assert "Only organizers" in refused.text
    bad = await schedule(harness, start="next friday")
    assert "start:" in bad
    past = await schedule(harness, start="2020-01-01 10:00")
    assert "already passed" in past
    assert await harness.services.qa.upcoming() == []
    assert harness.fake.scheduled_events == {}


async def test_ask_posts_the_question_and_upvotes_toggle_never_on_ones_own(harness: Harness):
    await setup_server(harness)
    await schedule(harness)
    asked = await harness.fake.invoke(
        "ask",
        user_id=PARTICIPANT_ID,
        options={"session": 1, "question": "How are ties @everyone broken?"},
    )
    assert not asked.ephemeral, "a question is public, for others to upvote"
    assert "**Question #1** for *Ask the judges*" in asked.text
    assert "@\u200beveryone" in asked.text
    assert asked.response is not None
    message_id = int(asked.response["_message_id"])
    button = asked.response["data"]["components"][0]["components"][0]
    assert button["custom_id"] == "podium:qa-upvote:1"

    second = await harness.fake.invoke(
        "ask", user_id=PARTICIPANT_ID, options={"session": 1, "question": "And another?"}
    )
    assert second.ephemeral
    assert "You already have an open question (#1)" in second.text

    own = await harness.fake.click(
        "podium:qa-upvote:1", user_id=PARTICIPANT_ID, message_id=message_id
    )
    assert own.ephemeral
    assert "cannot upvote your own question" in own.text
    voted = await harness.fake.click("podium:qa-upvote:1", user_id=VOTER_ID, message_id=message_id)
    assert voted.response_type == 7
    assert voted.response is not None
    label = voted.response["data"]["components"][0]["components"][0]["label"]
    assert label == "Upvote (1)"
    assert "Upvoted question #1 (1 votes)." in (await voted.wait_for_followup())["content"]
    undone = await harness.fake.click("podium:qa-upvote:1", user_id=VOTER_ID, message_id=message_id)
    assert "Upvote withdrawn" in (await undone.wait_for_followup())["content"]


async def test_the_live_queue_is_host_only_and_coalesces_a_burst_of_upvotes(harness: Harness):
    await setup_server(harness)
    await schedule(harness)
    refused = await harness.fake.invoke("qa queue", user_id=PARTICIPANT_ID, options={"session": 1})
    assert "Only the session's host or an organizer" in refused.text

    posted = await harness.fake.invoke("qa queue", user_id=ORGANIZER_ID, options={"session": 1})
    assert "The live queue of **Ask the judges** is posted here" in posted.text
    session = await harness.services.qa.get(1)
    assert session.queue_message_id is not None
    queue_message = harness.fake.messages[session.queue_message_id]
    assert "No open questions yet" in queue_message["embeds"][0]["description"]

    updater = queue_updater(harness.bot)
    updater.min_interval = 3600  # after an edit, only flush() edits again: deterministic
    asked = await harness.fake.invoke(
        "ask", user_id=PARTICIPANT_ID, options={"session": 1, "question": "First?"}
    )
    message_id = int(asked.response["_message_id"])  # type: ignore[index]
    await updater.flush(1)
    assert "**#1** ▲0 — First?" in queue_message["embeds"][0]["description"]
    edits_before = queue_message["_edits"]
    voters = [VOTER_ID, ORGANIZER_ID]
    for voter in [*voters, *voters, VOTER_ID]:
        clicked = await harness.fake.click(
            "podium:qa-upvote:1", user_id=voter, message_id=message_id
        )
        await clicked.wait_for_followup()
    await updater.flush(1)
    assert queue_message["_edits"] - edits_before == 1, "one edit for the whole burst"
    description = queue_message["embeds"][0]["description"]
    assert "**#1** ▲1 — First?" in description

    answered = await harness.fake.invoke(
        "qa answered", user_id=ORGANIZER_ID, options={"question": 1}
    )
    assert "Question #1 marked answered." in answered.text
    await updater.flush(1)
    assert "No open questions yet" in queue_message["embeds"][0]["description"]
    assert "✅ Answered" in harness.fake.messages[message_id]["content"]
    assert harness.fake.messages[message_id]["components"] == []


async def test_autocomplete_offers_sessions_and_cohort_lists(harness: Harness):
    await setup_server(harness)
    await schedule(harness)
    sessions = await harness.fake.autocomplete(
        "qa rsvp", user_id=PARTICIPANT_ID, focused="session", value="judg"
    )
    assert sessions == [{"name": "#1 Ask the judges · 2026-11-27 20:00", "value": 1}]
    audiences = await harness.fake.autocomplete(
        "qa schedule", user_id=ORGANIZER_ID, focused="audience", value="rookie,e"
    )
    assert [c["value"] for c in audiences] == ["rookie,elite"]
    upcoming = await harness.fake.invoke("qa upcoming", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert upcoming.ephemeral
    assert "#1 Ask the judges" in upcoming.text
