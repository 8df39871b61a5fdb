"""Points commands, the weekly post job and the season close through the real command tree."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlalchemy import func, insert, select

from bot.services.posts import PostService
from bot.services.publications import Publication
from cogs._posting import send_once
from cogs.points.leaderboard_post import BoardRenderer, catch_up, post_week
from storage.schema import outbox, points_ledger, scheduled_jobs, subscribers
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import FakeDiscord, InteractionResult, wait_for
from tests.points_support import add_team, csv_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FileHost:
    """Serves attachment bytes over HTTP, as Discord's CDN would."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{name}", self._get)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _get(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    def attachment(self, fake: FakeDiscord, name: str, data: bytes) -> dict[str, Any]:
        self.files[name] = data
        url = f"http://127.0.0.1:{self.port}/{name}"
        return {
            "id": str(fake.snowflake()),
            "filename": name,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": "text/csv",
        }


@pytest.fixture
async def files() -> AsyncIterator[FileHost]:
    host = FileHost()
    await host.start()
    yield host
    assert host.runner is not None
    await host.runner.cleanup()


def as_message(fake: FakeDiscord, followup: dict[str, Any]) -> int:
    """Keep an ephemeral followup as a message the fake can click on; returns its id."""
    message_id = int(followup["id"])
    fake.messages[message_id] = {
        "id": str(message_id),
        "channel_id": fake.default_channel["id"],
        "guild_id": str(fake.guild_id),
        "author": fake.bot_user,
        "content": followup.get("content") or "",
        "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": followup.get("embeds") or [],
        "components": followup.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": int(followup.get("flags") or 0),
    }
    return message_id


async def click_deferred(
    fake: FakeDiscord, custom_id: str, *, user_id: int, message_id: int
) -> InteractionResult:
    """Press a button whose handler defers, then edits the message; wait for the edit."""
    result = await fake.click(custom_id, user_id=user_id, message_id=message_id)
    await wait_for(lambda: bool(result.edits or result.followups))
    return result


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def settled(harness: Harness) -> None:
    """Wait for the catch-up the bot ran at start, so it cannot race the test's clock."""
    cog: Any = harness.bot.get_cog("PointsCog")
    startup = cog.startup
    assert startup is not None
    await asyncio.wait({startup})


async def ledger_count(harness: Harness) -> int:
    async with harness.services.db.read() as conn:
        return int(await conn.scalar(select(func.count()).select_from(points_ledger)) or 0)


async def test_an_award_by_slash_command_shows_up_in_the_leaderboard(harness: Harness):
    await add_team(harness.services.db, "龙腾跨境", members_=[PARTICIPANT_ID])
    awarded = await harness.fake.invoke(
        "points award",
        user_id=ORGANIZER_ID,
        options={"team": "龙腾跨境", "amount": 120, "reason": "Best practical case"},
    )
    assert awarded.ephemeral
    assert "+120" in awarded.text
    assert "2026-W48" in awarded.text
    board = await harness.fake.invoke("leaderboard", user_id=PARTICIPANT_ID)
    assert board.ephemeral
    assert "**1.** 龙腾跨境 — 120 points" in board.text
    assert "Your team" in board.text


async def test_a_participant_cannot_award_and_nothing_changes(harness: Harness):
    await add_team(harness.services.db, "Alpha")
    refused = await harness.fake.invoke(
        "points award",
        user_id=PARTICIPANT_ID,
        options={"team": "Alpha", "amount": 5, "reason": "me"},
    )
    assert refused.ephemeral
    assert "Only organizers can do that" in refused.text
    assert await ledger_count(harness) == 0


async def test_points_show_lists_entries_and_revoking_twice_is_refused(harness: Harness):
    await add_team(harness.services.db, "Bravo", members_=[PARTICIPANT_ID])
    await harness.fake.invoke(
        "points award",
        user_id=ORGANIZER_ID,
        options={"team": "Bravo", "amount": 30, "reason": "quiz"},
    )
    entry = (await harness.services.points.team_points(team="Bravo", viewer_id=0)).recent[0].id
    revoked = await harness.fake.invoke(
        "points revoke", user_id=ORGANIZER_ID, options={"entry": entry, "reason": "wrong team"}
    )
    assert f"reverses #{entry}" in revoked.text
    assert "-30" in revoked.text
    again = await harness.fake.invoke(
        "points revoke", user_id=ORGANIZER_ID, options={"entry": entry, "reason": "again"}
    )
    assert again.ephemeral
    assert "was already revoked" in again.text
    shown = await harness.fake.invoke("points show", user_id=PARTICIPANT_ID)
    assert shown.ephemeral
    assert f"`#{entry}` **+30**" in shown.text
    assert f"reverses #{entry}" in shown.text


async def test_points_show_offers_teams_by_autocomplete(harness: Harness):
    await add_team(harness.services.db, "Shopee Sharks")
    await add_team(harness.services.db, "Shopify Stars")
    await add_team(harness.services.db, "Etsy Explorers")
    choices = await harness.fake.autocomplete(
        "points show", user_id=PARTICIPANT_ID, focused="team", value="shop"
    )
    assert [c["value"] for c in choices] == ["Shopee Sharks", "Shopify Stars"]


async def test_a_bad_week_gets_a_clear_localized_message(harness: Harness):
    result = await harness.fake.invoke(
        "leaderboard", user_id=PARTICIPANT_ID, options={"week": "someday"}
    )
    assert result.ephemeral
    assert "use current, last or a week like 2026-W48" in result.text
    zh = await harness.fake.invoke(
        "leaderboard", user_id=PARTICIPANT_ID, options={"week": "someday"}, locale="zh-CN"
    )
    assert "2026-W48" in zh.text


async def test_an_award_to_an_unknown_team_says_so(harness: Harness):
    result = await harness.fake.invoke(
        "points award", user_id=ORGANIZER_ID, options={"team": "Ghosts", "amount": 5, "reason": "x"}
    )
    assert "There is no team called Ghosts" in result.text


async def test_a_csv_import_previews_then_imports_once_on_confirm(
    harness: Harness, files: FileHost
):
    await add_team(harness.services.db, "Alpha")
    await add_team(harness.services.db, "Bravo")
    data = csv_bytes(
        "team,points,reason,key", "Alpha,10,quiz,q1", "Bravo,5,quiz,q2", "Nobody,3,x,q3"
    )
    attachment = files.attachment(harness.fake, "results.csv", data)
    result = await harness.fake.invoke(
        "points import",
        user_id=ORGANIZER_ID,
        options={"file": attachment["id"]},
        attachments=[attachment],
    )
    assert result.ephemeral
    preview = result.followups[0]
    assert "2 rows ready for 2 teams, +15 points" in result.text
    assert "line 4: no team Nobody this season" in result.text
    assert await ledger_count(harness) == 0
    confirm, cancel = custom_ids(preview)
    message_id = as_message(harness.fake, preview)
    clicked = await click_deferred(
        harness.fake, confirm, user_id=ORGANIZER_ID, message_id=message_id
    )
    assert "Imported 2 entries (+15 points)" in clicked.text
    assert await ledger_count(harness) == 2
    twice = await click_deferred(harness.fake, confirm, user_id=ORGANIZER_ID, message_id=message_id)
    assert "was already imported" in twice.text
    late_cancel = await harness.fake.click(cancel, user_id=ORGANIZER_ID, message_id=message_id)
    assert "was already imported" in late_cancel.text
    assert await ledger_count(harness) == 2


async def test_a_cancelled_import_adds_nothing_and_participants_cannot_confirm(
    harness: Harness, files: FileHost
):
    await add_team(harness.services.db, "Alpha")
    attachment = files.attachment(
        harness.fake, "a.csv", csv_bytes("team,points,reason", "Alpha,9,x")
    )
    result = await harness.fake.invoke(
        "points import",
        user_id=ORGANIZER_ID,
        options={"file": attachment["id"]},
        attachments=[attachment],
    )
    confirm, cancel = custom_ids(result.followups[0])
    message_id = as_message(harness.fake, result.followups[0])
    sneaky = await harness.fake.click(confirm, user_id=PARTICIPANT_ID, message_id=message_id)
    assert "Only organizers can do that" in sneaky.text
    cancelled = await harness.fake.click(cancel, user_id=ORGANIZER_ID, message_id=message_id)
    assert "Import cancelled" in cancelled.text
    late = await click_deferred(harness.fake, confirm, user_id=ORGANIZER_ID, message_id=message_id)
    assert "was already cancelled" in late.text
    assert await ledger_count(harness) == 0


async def test_the_weekly_job_posts_last_weeks_board_per_track_once_at_the_post_time(
    harness: Harness, clock
):
    await settled(harness)
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:leaderboard"]
    await add_team(harness.services.db, "星辰电商", members_=[PARTICIPANT_ID])
    await add_team(harness.services.db, "Pro Team", track="professional")
    points = harness.services.points
    await points.award(actor_id=ORGANIZER_ID, team="星辰电商", amount=70, reason="r")
    await points.award(actor_id=ORGANIZER_ID, team="Pro Team", amount=40, reason="r")
    post_at = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI).astimezone(dt.UTC)
    clock.set(post_at - dt.timedelta(minutes=1))
    assert await fire_due_posts(harness) == []
    assert harness.fake.messages_in(channel_id) == []
    clock.set(post_at)
    assert await fire_due_posts(harness) == ["done"]
    posts = harness.fake.messages_in(channel_id)
    assert len(posts) == 2
    first = posts[0]
    assert "2026-W48" in first["embeds"][0]["title"]
    assert "星辰电商" in first["embeds"][0]["description"]
    assert first["attachments"][0]["filename"].endswith(".png")
    assert first["_files"][0]["data"].startswith(b"\x89PNG")
    # A rerun, the catch-up of a restart and the next start change nothing.
    assert await fire_due_posts(harness) == []
    assert await catch_up(harness.bot) == {"student": "done", "professional": "done"}
    assert await post_week(harness.bot, "2026-W48") == {"student": "done", "professional": "done"}
    assert len(harness.fake.messages_in(channel_id)) == 2
    journal = await harness.services.posts.statuses("leaderboard:2026:2026-W48:")
    rows = [(key.rsplit(":", 1)[1], status) for key, status in journal.items()]
    assert sorted(rows) == [("professional", "posted"), ("student", "posted")]
    # The next week's post is scheduled.
    pending = [j for j in await _jobs(harness) if j.startswith("points.weekly_post")]
    assert "points.weekly_post:2026:2026-W49" in pending


async def fire_due_posts(harness: Harness) -> list[str]:
    """Fire the weekly-post jobs that are due by the frozen clock (other jobs stay)."""
    now = harness.services.clock.now()
    async with harness.services.db.read() as conn:
        due = [
            job_id
            for (job_id,) in await conn.execute(
                select(scheduled_jobs.c.id).where(
                    scheduled_jobs.c.kind == "points.weekly_post",
                    scheduled_jobs.c.status == "pending",
                    scheduled_jobs.c.run_at <= now,
                )
            )
        ]
    return [await harness.services.scheduler.fire(job_id) for job_id in due]


async def _jobs(harness: Harness) -> list[str]:
    async with harness.services.db.read() as conn:
        return [
            key
            for (key,) in await conn.execute(
                select(scheduled_jobs.c.key).where(scheduled_jobs.c.status == "pending")
            )
        ]


async def test_a_post_interrupted_after_sending_is_recovered_not_repeated(harness: Harness):
    await settled(harness)
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:leaderboard"]
    await add_team(harness.services.db, "Alpha")
    await harness.services.points.award(actor_id=ORGANIZER_ID, team="Alpha", amount=5, reason="r")
    # Simulate a crash between the Discord post and its record: post, then forget the record.
    crashed = PostService(harness.services.db, harness.services.clock)  # the dead process
    key = harness.services.points.board_post_key("2026-W48", "student")
    claim = await crashed.claim(key)
    board = await harness.services.points.board_for_post("2026-W48", "student")
    publication = Publication(key, "points.board", board, resource="channel:leaderboard")
    channel = await harness.bot.publisher.channel(publication)
    assert channel is not None
    rendered = await BoardRenderer(harness.bot).render(publication, channel)
    assert rendered is not None
    await send_once(harness.bot, channel, claim, embed=rendered.embed, **rendered.kwargs)
    assert claim.state == "new"
    assert (await post_week(harness.bot, "2026-W48"))["student"] == "recovered"
    assert len(harness.fake.messages_in(channel_id)) == 1


async def test_the_weekly_summary_waits_in_the_whatsapp_outbox(harness: Harness, clock):
    await settled(harness)
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await add_team(harness.services.db, "Alpha", members_=[PARTICIPANT_ID])
    async with harness.services.db.write() as conn:
        await conn.execute(
            insert(subscribers).values(
                user_id=PARTICIPANT_ID,
                phone_e164="+8613800000001",
                language="zh_CN",
                consent_at=clock.now(),
                consent_source="test",
                consent_text="I agree",
                created_at=clock.now(),
            )
        )
    await harness.services.points.award(actor_id=ORGANIZER_ID, team="Alpha", amount=5, reason="r")
    await post_week(harness.bot, "2026-W48")
    await post_week(harness.bot, "2026-W48")
    async with harness.services.db.read() as conn:
        rows = (
            await conn.execute(select(outbox.c.occurrence_key, outbox.c.status, outbox.c.body))
        ).all()
    assert len(rows) == 1
    assert rows[0].occurrence_key == "leaderboard:2026:2026-W48:student"
    assert rows[0].status == "queued"
    assert "Alpha (5)" in rows[0].body


async def test_season_close_asks_first_then_freezes_posts_final_boards_and_gives_alumni_role(
    harness: Harness,
):
    await settled(harness)
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    ids = await harness.services.setup.resource_ids()
    await add_team(harness.services.db, "Champions", members_=[PARTICIPANT_ID])
    await harness.services.points.award(
        actor_id=ORGANIZER_ID, team="Champions", amount=9, reason="r"
    )
    asked = await harness.fake.invoke("season close", user_id=ORGANIZER_ID)
    assert asked.ephemeral
    assert "Close season 2026?" in asked.text
    message_id = int(asked.response["_message_id"])  # type: ignore[index]
    confirm, _cancel = custom_ids(harness.fake.messages[message_id])
    done = await click_deferred(harness.fake, confirm, user_id=ORGANIZER_ID, message_id=message_id)
    assert "Season 2026 is closed" in done.text
    assert "Final boards posted now: 1" in done.text
    assert "Alumni role given now: 1" in done.text
    member_roles = [int(r) for r in harness.fake.members[PARTICIPANT_ID]["roles"]]
    assert ids["role:alumni"] in member_roles
    finals = harness.fake.messages_in(ids["channel:leaderboard"])
    assert len(finals) == 1
    assert "Final leaderboard" in finals[0]["embeds"][0]["title"]
    again = await click_deferred(harness.fake, confirm, user_id=ORGANIZER_ID, message_id=message_id)
    assert "Final boards posted now: 0" in again.text
    assert "Alumni role given now: 0" in again.text
    assert len(harness.fake.messages_in(ids["channel:leaderboard"])) == 1
    late = await harness.fake.invoke(
        "points award",
        user_id=ORGANIZER_ID,
        options={"team": "Champions", "amount": 1, "reason": "x"},
    )
    assert "Season 2026 is closed" in late.text


async def test_the_leaderboard_answers_in_simplified_chinese_for_a_chinese_client(
    harness: Harness,
):
    await add_team(harness.services.db, "丝路先锋", members_=[PARTICIPANT_ID])
    await harness.services.points.award(
        actor_id=ORGANIZER_ID, team="丝路先锋", amount=8, reason="r"
    )
    board = await harness.fake.invoke("leaderboard", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert "排行榜 · 学生组 · 2026-W48" in board.text
    assert "**1.** 丝路先锋 — 8 积分" in board.text


async def test_a_failed_weekly_post_keeps_the_chain_and_is_posted_by_the_next_catch_up(
    harness: Harness, clock
):
    await settled(harness)
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    channel_id = (await harness.services.setup.resource_ids())["channel:leaderboard"]
    await add_team(harness.services.db, "Alpha")
    await harness.services.points.award(actor_id=ORGANIZER_ID, team="Alpha", amount=5, reason="r")
    clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI).astimezone(dt.UTC))
    harness.fake.fail("POST", f"/channels/{channel_id}/messages")
    assert await fire_due_posts(harness) == ["failed"]
    assert harness.fake.messages_in(channel_id) == []
    assert "points.weekly_post:2026:2026-W49" in await _jobs(harness)
    outcome = await catch_up(harness.bot)
    assert outcome["student"] == "posted"
    assert len(harness.fake.messages_in(channel_id)) == 1
