"""/broadcast through discord.py's command tree (real payloads, fake Discord)."""

from __future__ import annotations

import asyncio

from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for


async def wait_for_posts(harness: Harness, channel_id: int, count: int) -> list[dict]:
    await wait_for(lambda: len(harness.fake.messages_in(channel_id)) >= count)
    return harness.fake.messages_in(channel_id)


async def test_schedule_list_cancel_with_localized_ephemeral_replies(harness: Harness) -> None:
    scheduled = await harness.fake.invoke(
        "broadcast schedule",
        user_id=ORGANIZER_ID,
        options={
            "message": "Finals @everyone on Friday",
            "when": "2026-12-04 19:00",
            "audience": "cohort:elite",
            "channels": "both",
            "repeat": "0 19 * * 5",
        },
    )
    assert scheduled.ephemeral
    assert "Broadcast #1 scheduled for <t:1796382000:F>" in scheduled.text

    listed = await harness.fake.invoke("broadcast list", user_id=ORGANIZER_ID)
    assert "#1" in listed.text
    assert "cohort:elite" in listed.text
    assert "0 19 * * 5" in listed.text

    cancelled = await harness.fake.invoke(
        "broadcast cancel", user_id=ORGANIZER_ID, options={"id": 1}
    )
    assert "cancelled" in cancelled.text
    empty = await harness.fake.invoke("broadcast list", user_id=ORGANIZER_ID)
    assert "No broadcast is scheduled" in empty.text


async def test_bad_audience_or_cron_is_refused_with_what_to_fix(harness: Harness) -> None:
    bad = await harness.fake.invoke(
        "broadcast schedule",
        user_id=ORGANIZER_ID,
        options={
            "message": "x",
            "when": "2026-12-04 19:00",
            "audience": "cohort:elite",
            "channels": "both",
            "repeat": "whenever",
        },
    )
    assert bad.ephemeral
    assert "repeat:" in bad.text
    assert await harness.services.broadcasts.list_scheduled() == []


async def test_participants_cannot_broadcast(harness: Harness) -> None:
    result = await harness.fake.invoke(
        "broadcast now",
        user_id=PARTICIPANT_ID,
        options={"message": "spam", "audience": "all", "channels": "discord"},
    )
    assert result.ephemeral
    assert "Only organizers" in result.text
    assert await harness.services.broadcasts.list_scheduled() == []


async def test_now_posts_once_to_the_announcements_channel_without_pings_and_counts_it(
    harness: Harness,
) -> None:
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:announcements"]

    result = await harness.fake.invoke(
        "broadcast now",
        user_id=ORGANIZER_ID,
        options={"message": "Doors open @everyone", "audience": "all", "channels": "discord"},
    )
    assert "Broadcast #1 scheduled" in result.text
    posts = await wait_for_posts(harness, channel_id, 1)
    assert posts[0]["content"] == "Doors open @everyone"
    assert posts[0].get("allowed_mentions", {}).get("parse", []) == []

    # The publisher records the post's outcome just after Discord answers: ask until the
    # record is there (a loaded machine may take a moment), then check what it says.
    for _ in range(250):
        status = await harness.fake.invoke(
            "broadcast status", user_id=ORGANIZER_ID, options={"id": 1}
        )
        if "pending 0" in status.text:
            break
        await asyncio.sleep(0.02)
    assert "posted 1 · failed 0 · pending 0" in status.text
    assert "queued 0 · sent 0" in status.text
    assert len(harness.fake.messages_in(channel_id)) == 1


async def test_cancel_of_an_unknown_broadcast_answers_in_simplified_chinese(
    harness: Harness,
) -> None:
    result = await harness.fake.invoke(
        "broadcast cancel", user_id=ORGANIZER_ID, options={"id": 7}, locale="zh-CN"
    )
    assert result.ephemeral
    assert "不存在 #7 号广播" in result.text
