"""/calendar and the phase notices through discord.py (real payloads, fake Discord)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import FrozenClock
from bot.config import load_competition
from bot.config.phases import CalendarSection
from bot.services.calendar import NOTICE_PUBLICATION, PhaseNotice
from bot.services.publications import Publication
from tests.conftest import EXAMPLE_COMPETITION
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for

#: The example's registration ends 2026-12-31 23:59 in Shanghai; its notice 24 hours before.
REGISTRATION_END = dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)
DEADLINE_KEY = "calendar:2026:registration:deadline"
NO_PHASES = load_competition(EXAMPLE_COMPETITION).model_copy(update={"calendar": CalendarSection()})


async def test_calendar_lists_the_phases_with_the_current_one_and_the_next_deadline(
    harness: Harness,
):
    result = await harness.fake.invoke("calendar", user_id=PARTICIPANT_ID)
    assert result.ephemeral
    embed = result.final_message["embeds"][0]
    assert embed["title"] == "Season calendar"
    lines = embed["description"].split("\n")
    end = int(REGISTRATION_END.timestamp())
    assert lines[0].startswith("▶️ **Registration** (now)")
    assert lines[0].endswith(f"closes <t:{end}:R>")
    assert lines[1].startswith("🗓️ **Check-in**")
    assert [line.split("**")[1] for line in lines] == [
        "Registration",
        "Check-in",
        "Round 1",
        "Round 2",
        "Final",
        "Awards ceremony",
    ]
    deadline = embed["fields"][0]
    assert deadline["name"] == "Next deadline"
    assert deadline["value"] == f"**Registration** closes <t:{end}:F> (<t:{end}:R>)."
    assert "/calendar.ics" in embed["fields"][1]["value"]
    assert result.final_message["allowed_mentions"] == {"parse": []}


async def test_calendar_answers_in_chinese_for_a_chinese_client(harness: Harness):
    result = await harness.fake.invoke("calendar", user_id=PARTICIPANT_ID, locale="zh-CN")
    embed = result.final_message["embeds"][0]
    assert embed["title"] == "赛季日历"
    assert embed["description"].startswith("▶️ **报名**（进行中）")
    assert embed["fields"][0]["name"] == "下一个截止时间"
    assert "calendar.ics?lang=zh" in embed["fields"][1]["value"]
    assert embed["footer"]["text"] == "时间按你所在的时区显示。"


async def test_past_phases_are_struck_through_once_the_season_moves_on(
    harness: Harness, clock: FrozenClock
):
    clock.set(dt.datetime(2027, 1, 20, tzinfo=dt.UTC))
    result = await harness.fake.invoke("calendar", user_id=PARTICIPANT_ID)
    lines = result.final_message["embeds"][0]["description"].split("\n")
    assert lines[0].startswith("✅ ~~Registration~~")
    assert lines[1].startswith("✅ ~~Check-in~~")
    assert lines[2].startswith("▶️ **Round 1** (now)")


@pytest.mark.parametrize("competition", [NO_PHASES])
async def test_calendar_without_phases_says_so(harness: Harness):
    result = await harness.fake.invoke("calendar", user_id=PARTICIPANT_ID)
    assert result.ephemeral
    assert result.content == "The season calendar has no phases yet."


async def test_a_notice_is_posted_once_in_the_announcements_channel_without_pings(
    harness: Harness, clock: FrozenClock
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:announcements"]
    clock.set(REGISTRATION_END - dt.timedelta(hours=24))
    await harness.services.scheduler.run_due()  # the nightly maintenance runs too
    assert (await harness.services.calendar.statuses())[DEADLINE_KEY] == "done"
    await wait_for(lambda: len(harness.fake.messages_in(channel_id)) >= 1)
    post = harness.fake.messages_in(channel_id)[0]
    end = int(REGISTRATION_END.timestamp())
    assert post["content"] == (f"⏳ Deadline: **Registration** closes <t:{end}:R>, at <t:{end}:F>.")
    assert post.get("allowed_mentions", {}).get("parse", []) == []

    # The same notice handed to the publisher again (a job re-run after a crash): the
    # journal of posts answers, nothing is sent twice.
    registration = harness.services.competition.calendar.phase("registration")
    assert registration is not None
    again = Publication(
        DEADLINE_KEY,
        NOTICE_PUBLICATION,
        PhaseNotice(DEADLINE_KEY, "deadline", registration, None),
        resource="channel:announcements",
    )
    assert await harness.bot.publisher.publish([again]) == ["done"]
    assert len(harness.fake.messages_in(channel_id)) == 1
