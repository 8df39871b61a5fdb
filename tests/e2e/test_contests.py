"""A contest end to end: the real `podium run` process, the fake Discord, a restart."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, message_text, wait_for

pytestmark = pytest.mark.e2e

ORGANIZER = 210000000000000001
CAPTAIN = 210000000000000002
RIVAL = 210000000000000003
VOTERS = [210000000000000100 + i for i in range(21)]


def iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


async def test_gallery_votes_report_across_a_restart_disqualify_close_results_and_ledger(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    fake.add_member(CAPTAIN, "Cara Captain")
    fake.add_member(RIVAL, "Rico Rival")
    month_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    for voter in VOTERS:
        fake.add_member(voter, f"Voter {voter % 1000}", joined_at=month_ago)
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    for user, name in ((CAPTAIN, "Case Crackers"), (RIVAL, "Rivals")):
        made = await fake.invoke(
            "team create", user_id=user, options={"name": name, "track": "student"}
        )
        assert made.ephemeral, made.text

    now = dt.datetime.now(dt.UTC)
    voting_opens = now + dt.timedelta(seconds=4)
    created = await fake.invoke(
        "contest create",
        user_id=ORGANIZER,
        options={
            "name": "Best Practical Case",
            "category": "case",
            "submissions_open": iso(now - dt.timedelta(minutes=5)),
            "submissions_close": iso(voting_opens),
            "voting_close": iso(now + dt.timedelta(days=1)),
        },
    )
    assert "Contest #1 **Best Practical Case** created" in created.text, created.text
    entries = []
    for user, title in ((CAPTAIN, "Bubble tea pricing"), (RIVAL, "Campus delivery")):
        submitted = await fake.invoke(
            "submit entry",
            user_id=user,
            options={"contest": "1", "title": title, "url": "https://example.com/case"},
        )
        assert submitted.text.startswith("Entry #"), submitted.text
    gallery = fake.channel_named("ugc-gallery")
    assert gallery is not None
    await wait_for(lambda: len(fake.messages_in(int(gallery["id"]))) == 2)
    entries = fake.messages_in(int(gallery["id"]))
    post = entries[0]
    button = post["components"][0]["components"][0]
    assert button["label"] == "Vote (0)"
    custom_id = button["custom_id"]

    early = await fake.click(custom_id, user_id=VOTERS[0], message_id=int(post["id"]))
    assert early.text.startswith("Voting opens <t:"), early.text
    await asyncio.sleep(max(0.0, (voting_opens - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)

    for voter in VOTERS[:20]:
        reply = await fake.click(custom_id, user_id=voter, message_id=int(post["id"]))
        assert reply.ephemeral
        assert reply.text == "Vote counted — 1 of 3 votes used.", reply.text
    stored = fake.messages[int(post["id"])]
    await wait_for(lambda: stored["components"][0]["components"][0]["label"] == "Vote (20)")
    assert stored["_edits"] < 20  # coalesced

    # A member opens the Report form on the rival's entry just before the crash.
    rival_post = entries[1]
    report_id = rival_post["components"][0]["components"][1]["custom_id"]
    opened = await fake.click(report_id, user_id=VOTERS[0], message_id=int(rival_post["id"]))
    assert opened.response_type == 9, opened.text

    await podium.kill()
    await podium.start()
    await fake.wait_ready()
    after = await fake.click(custom_id, user_id=VOTERS[20], message_id=int(post["id"]))
    assert after.text == "Vote counted — 1 of 3 votes used.", after.text
    rival_button = rival_post["components"][0]["components"][0]["custom_id"]
    second = await fake.click(rival_button, user_id=VOTERS[20], message_id=int(rival_post["id"]))
    assert second.text == "Vote counted — 2 of 3 votes used."
    await wait_for(lambda: stored["components"][0]["components"][0]["label"] == "Vote (21)")

    # The form opened before the crash is answered after it; a disqualified entry leaves
    # the results, the points, and its gallery buttons.
    reported = await fake.submit_modal(opened, user_id=VOTERS[0], values={"reason": "copied"})
    assert reported.text.startswith("Thank you: your report of entry #"), reported.text
    rival_entry = int(rival_button.rsplit(":", 1)[1])
    out = await fake.invoke(
        "contest entry-disqualify",
        user_id=ORGANIZER,
        options={"entry": rival_entry, "reason": "copied from a blog"},
    )
    assert out.text.endswith("is disqualified; its team is told why."), out.text
    rival_stored = fake.messages[int(rival_post["id"])]
    await wait_for(lambda: not rival_stored.get("components"))
    await wait_for(
        lambda: any(
            "Reason: copied from a blog" in message_text(m)
            for channel in fake.dm_channels.values()
            if channel["recipients"][0]["id"] == str(RIVAL)
            for m in fake.messages_in(int(channel["id"]))
        )
    )

    closed = await fake.invoke("contest close", user_id=ORGANIZER, options={"contest": "1"})
    assert "is closed; the results are posted." in closed.text, closed.text
    results = fake.messages_in(int(gallery["id"]))[-1]
    text = message_text(results)
    assert "Bubble tea pricing — Case Crackers: 21 votes, 100 points" in text
    assert "Campus delivery" not in text
    ledger = podium.db.rows("SELECT amount, source, reference FROM points_ledger ORDER BY id")
    assert ledger == [(100, "ugc", "contest:1:place:1")]
    assert podium.db.rows("SELECT count(*), min(action) FROM vote_events") == [(22, "vote")]
    again = await fake.invoke("contest close", user_id=ORGANIZER, options={"contest": "1"})
    assert "was already closed" in again.text
    assert len(podium.db.rows("SELECT id FROM points_ledger")) == 1
