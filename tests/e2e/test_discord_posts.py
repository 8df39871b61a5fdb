"""Discord posts are made once through crashes: the real `podium run` process, SIGKILLed
after the fake Discord accepted a post and before the bot recorded it, then restarted.

Time is moved the way a downtime moves it: while the bot is down the test rewrites the
rows' times (a job due a minute ago, a claim made ten minutes ago), never by sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable

import pytest

from tests.databases import BACKENDS
from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.e2e.test_points_process import prepare
from tests.fakes.discord import FakeDiscord, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 220000000000000001
HOLD_LIMIT = 30  # seconds a held post may take to arrive (bounds a hang, not a timing rule)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


async def set_up(podium: PodiumProcess, fake: FakeDiscord) -> None:
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)


def channel_id(fake: FakeDiscord, name: str) -> int:
    channel = fake.channel_named(name)
    assert channel is not None, name
    return int(channel["id"])


async def test_results_are_posted_once_when_an_organizer_closes_while_the_automatic_close_posts(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    await set_up(podium, fake)
    now = dt.datetime.now(dt.UTC)
    created = await fake.invoke(
        "contest create",
        user_id=ORGANIZER,
        options={
            "name": "Best Poster",
            "category": "poster",
            "submissions_open": iso(now - dt.timedelta(minutes=10)),
            "submissions_close": iso(now + dt.timedelta(hours=1)),
            "voting_close": iso(now + dt.timedelta(days=1)),
        },
    )
    assert "Contest #1 **Best Poster** created" in created.text, created.text
    gallery = channel_id(fake, "ugc-gallery")

    # Voting ends while the bot is down; it comes back within the grace period.
    await podium.kill()
    ended = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    podium.db.execute(
        "UPDATE contests SET submissions_close = ?, voting_close = ? WHERE id = 1",
        ended - dt.timedelta(hours=1),
        ended,
    )
    podium.db.execute(
        "UPDATE scheduled_jobs SET run_at = ? WHERE key = 'contest:1:close'",
        ended,
    )
    held = fake.posting.hold(gallery)  # the automatic close's post is accepted, its answer held
    await podium.start()
    await asyncio.wait_for(held.created.wait(), HOLD_LIMIT)

    # An organizer closes it at once, while the automatic close is still posting.
    closing = asyncio.create_task(
        fake.invoke(
            "contest close", user_id=ORGANIZER, options={"contest": "1"}, timeout=2 * HOLD_LIMIT
        )
    )
    await asyncio.wait({closing}, timeout=HOLD_LIMIT)
    # The organizer is answered while the automatic post is still held: the journal tells
    # the second caller the post is being made; nothing waits for it.
    assert closing.done(), "/contest close waited for the automatic close's post"
    held.release()
    closed = await closing
    assert "was already closed; here are its results." in closed.text, closed.text
    await wait_for(lambda: podium.db.rows("SELECT results_message_id FROM contests") != [(None,)])
    results = [
        m
        for m in fake.messages_in(gallery)
        if m["embeds"] and m["embeds"][0].get("title") == "Results: Best Poster"
    ]
    assert len(results) == 1, f"results posted {len(results)} times"
    assert podium.db.rows("SELECT results_message_id FROM contests") == [(int(results[0]["id"]),)]
    assert "Traceback" not in podium.log()


async def kill_while_posting(
    podium: PodiumProcess, fake: FakeDiscord, channel: int, post: Awaitable[object]
) -> None:
    """Run ``post`` (an awaitable that makes the bot post to ``channel``), and SIGKILL the
    bot once Discord has created the message but before the bot heard back."""
    held = fake.posting.hold(channel)
    await post
    await asyncio.wait_for(held.created.wait(), HOLD_LIMIT)
    await podium.kill()
    held.release()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_a_broadcast_accepted_by_discord_just_before_a_sigkill_is_not_posted_again(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    await set_up(podium, fake)
    announcements = channel_id(fake, "announcements")
    text = "Finals start Friday at 18:00"
    await kill_while_posting(
        podium,
        fake,
        announcements,
        fake.invoke(
            "broadcast now",
            user_id=ORGANIZER,
            options={"message": text, "audience": "all", "channels": "discord"},
        ),
    )
    assert podium.db.rows("SELECT status FROM discord_posts WHERE key LIKE 'broadcast:%'") == [
        ("claimed",)
    ]

    await podium.start()
    await wait_for(
        lambda: (
            podium.db.rows("SELECT status FROM discord_posts WHERE key LIKE 'broadcast:%'")
            == [("posted",)]
        ),
        timeout=30,
    )
    posts = [m for m in fake.messages_in(announcements) if m["content"] == text]
    assert len(posts) == 1, f"the broadcast was posted {len(posts)} times"
    assert fake.posting.nonce_replays == 1, "Discord's nonce check returned the first post"
    assert podium.db.rows("SELECT message_id FROM discord_posts WHERE key LIKE 'broadcast:%'") == [
        (int(posts[0]["id"]),)
    ]


async def test_a_broadcast_claimed_longer_ago_than_the_nonce_window_is_found_in_the_channel(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    await set_up(podium, fake)
    announcements = channel_id(fake, "announcements")
    text = "Office hours moved to Thursday"
    await kill_while_posting(
        podium,
        fake,
        announcements,
        fake.invoke(
            "broadcast now",
            user_id=ORGANIZER,
            options={"message": text, "audience": "all", "channels": "discord"},
        ),
    )
    # The bot stayed down longer than Discord remembers nonces: the claim is ten minutes
    # old and Discord no longer deduplicates (its window is over).
    claimed = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    podium.db.execute(
        "UPDATE discord_posts SET claimed_at = ? WHERE key LIKE 'broadcast:%'", claimed
    )
    podium.db.execute(
        "UPDATE scheduled_jobs SET run_at = ? WHERE kind = 'broadcast'",
        dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    fake.posting.nonce_window = dt.timedelta(0)

    await podium.start()
    await wait_for(
        lambda: (
            podium.db.rows("SELECT status FROM discord_posts WHERE key LIKE 'broadcast:%'")
            == [("posted",)]
        ),
        timeout=30,
    )
    posts = [m for m in fake.messages_in(announcements) if m["content"] == text]
    assert len(posts) == 1, f"the broadcast was posted {len(posts)} times"
    assert fake.posting.nonce_replays == 0
    assert fake.calls("GET", f"/channels/{announcements}/messages"), "the history was read"
    assert podium.db.rows("SELECT message_id FROM discord_posts WHERE key LIKE 'broadcast:%'") == [
        (int(posts[0]["id"]),)
    ]


async def test_a_qa_reminder_accepted_just_before_a_sigkill_pings_the_cohort_once(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    await set_up(podium, fake)
    rookie = channel_id(fake, "rookie-camp")
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)
    scheduled = await fake.invoke(
        "qa schedule",
        user_id=ORGANIZER,
        options={
            "title": "Ask the judges",
            "kind": "official",
            "start": start.isoformat(),
            "duration": "30m",
            "host": str(ORGANIZER),
            "audience": "rookie",
        },
        timeout=20,
    )
    assert "Q&A session #1 **Ask the judges** scheduled" in scheduled.text, scheduled.text
    await podium.kill()
    # The one-hour reminder came due a moment ago, while the bot was down.
    podium.db.execute(
        "UPDATE scheduled_jobs SET run_at = ? WHERE key = 'qa:1:remind:3600'",
        dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30),
    )
    await kill_while_posting(podium, fake, rookie, podium.start())
    assert podium.db.rows("SELECT status FROM discord_posts WHERE key LIKE 'qa:%'") == [
        ("claimed",)
    ]

    await podium.start()
    await wait_for(
        lambda: (
            podium.db.rows("SELECT status FROM discord_posts WHERE key LIKE 'qa:%'")
            == [("posted",)]
        ),
        timeout=30,
    )
    reminders = [m for m in fake.messages_in(rookie) if "Reminder:" in m["content"]]
    assert len(reminders) == 1, f"the cohort was pinged {len(reminders)} times"
    assert fake.posting.nonce_replays == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_a_weekly_board_accepted_just_before_a_sigkill_is_not_posted_again(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    leaderboard = await prepare(podium, fake)
    await kill_while_posting(podium, fake, leaderboard, podium.start())
    assert len(fake.messages_in(leaderboard)) == 1

    await podium.start()
    await wait_for(lambda: len(fake.messages_in(leaderboard)) >= 2, timeout=30)
    await wait_for(lambda: "weekly boards catch-up" in podium.log(), timeout=30)
    posts = fake.messages_in(leaderboard)
    tracks = sorted(p["attachments"][0]["filename"].split("-")[-1] for p in posts)
    assert tracks == ["professional.png", "student.png"], "each track's board once"
    assert podium.db.rows(
        "SELECT count(*) FROM discord_posts WHERE key LIKE 'leaderboard:%' AND status = 'posted'"
    )
