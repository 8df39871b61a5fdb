"""Contests through the real command tree: /contest, /submit and Vote button presses as real
component interaction payloads, against the fake Discord."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from cogs.contests.gallery import gallery_counter
from storage.schema import points_ledger, votes
from tests.contest_support import OLD_MEMBER, OPENS, VOTING, VOTING_CLOSE
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import message_text, wait_for
from tests.points_support import add_team

CAPTAIN = 730000000000000001
VOTERS = [730000000000000100 + i for i in range(25)]


async def setup_contest(harness: Harness, *, max_votes: int | None = None) -> dict[str, Any]:
    """Channels, a contest, a team with an entry posted in the gallery; clock in voting."""
    fake, clock = harness.fake, harness.services.clock
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    options: dict[str, Any] = {
        "name": "Best Practical Case",
        "category": "case",
        "submissions_open": "2026-11-25 15:00",  # OPENS in Shanghai time
        "submissions_close": "2026-11-26 14:00",
        "voting_close": "2026-11-27 14:00",
    }
    if max_votes is not None:
        options["max_votes"] = max_votes
    created = await fake.invoke("contest create", user_id=ORGANIZER_ID, options=options)
    assert created.ephemeral
    assert "Best Practical Case" in created.text
    fake.add_member(CAPTAIN, "Cara Captain", joined_at=OLD_MEMBER)
    for voter in VOTERS:
        fake.add_member(voter, f"Voter {voter % 1000}", joined_at=OLD_MEMBER)
    await add_team(harness.services.db, "Case Crackers", members_=[CAPTAIN])
    clock.set(OPENS)  # type: ignore[attr-defined]
    contest = (await harness.services.contests.search(""))[0]
    submitted = await fake.invoke(
        "submit entry",
        user_id=CAPTAIN,
        options={
            "contest": str(contest.id),
            "title": "Bubble tea *pricing*",
            "url": "https://ex.am/ple",
        },
    )
    assert submitted.ephemeral
    assert "Case Crackers" in submitted.text
    gallery = fake.channel_named(harness.bot.competition.channels.gallery)
    assert gallery is not None
    await wait_for(lambda: len(fake.messages_in(int(gallery["id"]))) == 1)
    post = fake.messages_in(int(gallery["id"]))[0]
    clock.set(VOTING)  # type: ignore[attr-defined]
    return {"contest": contest, "post": post, "gallery": gallery}


def vote_button(message: dict[str, Any]) -> dict[str, Any]:
    return message["components"][0]["components"][0]


async def test_a_submission_is_posted_to_the_gallery_with_title_team_link_and_a_vote_button(
    harness: Harness,
):
    state = await setup_contest(harness)
    post = state["post"]
    embed = post["embeds"][0]
    assert embed["title"] == "Bubble tea \\*pricing\\*"  # user markdown escaped
    assert [f["value"] for f in embed["fields"]] == ["Case Crackers", "https://ex.am/ple"]
    button = vote_button(post)
    assert button["label"] == "Vote (0)"
    assert button["custom_id"].startswith("podium:vote:")
    assert post["allowed_mentions"]["parse"] == []


async def test_vote_presses_answer_with_votes_used_and_a_second_press_takes_it_back(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    custom_id = vote_button(post)["custom_id"]
    first = await fake.click(custom_id, user_id=VOTERS[0], message_id=int(post["id"]))
    assert first.ephemeral
    assert first.text == "Vote counted — 1 of 3 votes used."
    harness.services.clock.advance(dt.timedelta(seconds=5))  # type: ignore[attr-defined]
    again = await fake.click(custom_id, user_id=VOTERS[0], message_id=int(post["id"]))
    assert again.text == "Vote taken back — 0 of 3 votes used."
    assert await harness.services.contests.count(int(custom_id.rsplit(":", 1)[1])) == 0


async def test_refused_votes_get_localized_ephemeral_replies(harness: Harness):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    custom_id = vote_button(post)["custom_id"]
    own = await fake.click(custom_id, user_id=CAPTAIN, message_id=int(post["id"]))
    assert own.ephemeral
    assert own.text == "You cannot vote for your own team's entry."
    fake.add_member(PARTICIPANT_ID + 1, "Nina Newcomer", joined_at=VOTING - dt.timedelta(hours=2))
    new = await fake.click(custom_id, user_id=PARTICIPANT_ID + 1, message_id=int(post["id"]))
    assert "in this server for 1 days to vote" in new.text
    harness.services.clock.set(VOTING_CLOSE)  # type: ignore[attr-defined]
    late = await fake.click(custom_id, user_id=VOTERS[1], message_id=int(post["id"]))
    assert late.ephemeral
    assert late.text == f"Voting closed <t:{int(VOTING_CLOSE.timestamp())}:F>."
    async with harness.services.db.read() as conn:
        assert await conn.scalar(select(func.count()).select_from(votes)) == 0


async def test_refused_vote_reply_is_in_simplified_chinese_for_zh_cn_users(harness: Harness):
    # Passes once .i18n_pending/contests.json is merged into the catalogs.
    state = await setup_contest(harness)
    post = state["post"]
    harness.services.clock.set(VOTING_CLOSE)  # type: ignore[attr-defined]
    late = await harness.fake.click(
        vote_button(post)["custom_id"],
        user_id=VOTERS[1],
        message_id=int(post["id"]),
        locale="zh-CN",
    )
    assert late.ephemeral
    assert late.text == f"投票已于 <t:{int(VOTING_CLOSE.timestamp())}:F> 截止。"


async def test_twenty_quick_votes_edit_the_gallery_post_rarely_and_end_on_the_right_count(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    counter = gallery_counter(harness.bot)
    counter.interval = 3600  # nothing edits on its own during the burst
    custom_id = vote_button(post)["custom_id"]
    for voter in VOTERS[:20]:
        reply = await fake.click(custom_id, user_id=voter, message_id=int(post["id"]))
        assert reply.text == "Vote counted — 1 of 3 votes used."
    stored = fake.messages[int(post["id"])]
    assert stored.get("_edits", 0) == 0
    assert counter.pending == 1  # twenty presses, one pending edit
    await counter.flush()
    assert stored["_edits"] == 1
    assert vote_button(stored)["label"] == "Vote (20)"


async def test_an_edit_waiting_for_the_channels_budget_stays_pending_and_takes_later_votes(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake, gallery = state["post"], harness.fake, state["gallery"]
    counter = gallery_counter(harness.bot)
    counter.interval = 0
    counter.channel_edits, counter.channel_period = 1, 3600
    await counter.budget(int(gallery["id"])).acquire()  # the gallery's budget is used up
    custom_id = vote_button(post)["custom_id"]
    for voter in VOTERS[:6]:
        await fake.click(custom_id, user_id=voter, message_id=int(post["id"]))
    stored = fake.messages[int(post["id"])]
    assert stored.get("_edits", 0) == 0, "no edit beyond the channel's budget"
    assert counter.pending == 1, "the waiting edit still collects the votes"
    await counter.flush()
    assert stored["_edits"] == 1
    assert vote_button(stored)["label"] == "Vote (6)"


async def test_the_delayed_edit_runs_by_itself_after_the_interval(harness: Harness):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    gallery_counter(harness.bot).interval = 0.05
    custom_id = vote_button(post)["custom_id"]
    for voter in VOTERS[:3]:
        await fake.click(custom_id, user_id=voter, message_id=int(post["id"]))
    stored = fake.messages[int(post["id"])]
    await wait_for(lambda: vote_button(stored)["label"] == "Vote (3)")


async def test_organizers_see_flagged_clusters_void_them_and_close_with_points(harness: Harness):
    state = await setup_contest(harness)
    post, fake, contest = state["post"], harness.fake, state["contest"]
    custom_id = vote_button(post)["custom_id"]
    for voter in VOTERS[:4]:  # same join time: the detector links them
        await fake.click(custom_id, user_id=voter, message_id=int(post["id"]))
    flagged = await fake.invoke(
        "contest flagged", user_id=ORGANIZER_ID, options={"contest": str(contest.id)}
    )
    assert flagged.ephemeral
    assert "joined the server within 10m of each other" in flagged.text
    async with harness.services.db.read() as conn:
        ids = [
            str(i) for i in (await conn.execute(select(votes.c.id).order_by(votes.c.id))).scalars()
        ]
    voided = await fake.invoke(
        "contest void",
        user_id=ORGANIZER_ID,
        options={"vote_ids": ", ".join(ids[:3]), "reason": "same-minute accounts"},
    )
    assert voided.text.startswith("3 votes voided.")
    refused = await fake.invoke(
        "contest void", user_id=PARTICIPANT_ID, options={"vote_ids": ids[3], "reason": "x"}
    )
    assert refused.ephemeral
    assert refused.text.startswith("Only organizers can do that.")
    closed = await fake.invoke(
        "contest close", user_id=ORGANIZER_ID, options={"contest": str(contest.id)}
    )
    assert "is closed; the results are posted." in closed.text
    gallery_messages = fake.messages_in(int(state["gallery"]["id"]))
    results = gallery_messages[-1]
    assert "1 votes, 100 points" in message_text(results)
    async with harness.services.db.read() as conn:
        ledger = (
            await conn.execute(select(points_ledger.c.amount, points_ledger.c.reference))
        ).all()
    assert [tuple(r) for r in ledger] == [(100, f"contest:{contest.id}:place:1")]


async def test_submit_errors_are_clear_and_localized(harness: Harness):
    fake = harness.fake
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await fake.invoke(
        "contest create",
        user_id=ORGANIZER_ID,
        options={
            "name": "Creative Marketing Video",
            "category": "video",
            "submissions_open": "2026-11-26 09:00",
            "submissions_close": "2026-11-27 09:00",
            "voting_close": "2026-11-28 09:00",
        },
    )
    await add_team(harness.services.db, "Film Club", members_=[PARTICIPANT_ID])
    early = await fake.invoke(
        "submit entry",
        user_id=PARTICIPANT_ID,
        options={"contest": "Creative Marketing Video", "title": "Ad", "url": "https://x.io"},
    )
    assert early.ephemeral
    assert early.text == "Titles are 3 to 100 characters."
    early = await fake.invoke(
        "submit entry",
        user_id=PARTICIPANT_ID,
        options={"contest": "Creative Marketing Video", "title": "Our ad", "url": "https://x.io"},
    )
    assert early.text.startswith("Submissions for Creative Marketing Video open <t:")
    bad = await fake.invoke(
        "submit entry",
        user_id=PARTICIPANT_ID,
        options={"contest": "Creative Marketing Video", "title": "Our ad", "url": "ftp://x.io"},
        locale="zh-CN",
    )
    assert bad.ephemeral
    assert "http" in bad.text
