"""A judging round end to end: 3 judges score 12 entries through Discord interactions with
the real `podium run` process, which is SIGKILLed mid-round; then close, publish, and no
duplicate post or ledger entry after a second publish and a restart."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tests.dispatch.conftest import MANAGE_GUILD
from tests.e2e.conftest import PodiumProcess
from tests.fakes.discord import FakeDiscord, InteractionResult, message_text

pytestmark = pytest.mark.e2e

ORGANIZER = 220000000000000001
JUDGES = [220000000000000011, 220000000000000012, 220000000000000013]
CAPTAINS = [220000000000000100 + i for i in range(12)]
ENTRY_TITLE = re.compile(r"Entry #(?P<id>\d+): Plan (?P<n>\d+)")


def iso(instant: dt.datetime) -> str:
    return instant.isoformat(timespec="seconds")


def buttons(result: InteractionResult) -> dict[str, str]:
    return {
        item["label"]: item["custom_id"]
        for row in result.final_message.get("components") or []
        for item in row.get("components") or []
    }


async def press(
    fake: FakeDiscord, result: InteractionResult, label: str, user_id: int
) -> InteractionResult:
    """Press the button labelled ``label`` on the message ``result`` answered with."""
    assert result.response is not None
    message_id = int(result.response["_message_id"])
    return await fake.click(buttons(result)[label], user_id=user_id, message_id=message_id)


def sheet_for(plan: int) -> dict[str, str]:
    """Plan 12 scores best, then 11, 10…: distinct top three."""
    return {
        "c:feasibility": str(min(10, plan)),
        "c:innovation": str(max(1, min(10, plan - 2))),
        "c:business_value": "5",
        "comment": f"Notes on plan {plan}",
    }


async def score_next(fake: FakeDiscord, judge: int) -> bool:
    """The judge opens their queue and scores the entry shown; False when nothing is left."""
    queue = await fake.invoke("judge queue", user_id=judge)
    assert queue.ephemeral, queue.text
    found = ENTRY_TITLE.search(queue.text)
    if found is None:
        assert "Nothing left to score" in queue.text, queue.text
        return False
    opened = await press(fake, queue, "Score", judge)
    assert opened.response_type == 9, opened.response
    modal: dict[str, Any] = opened.response["data"] if opened.response else {}
    done = await fake.submit_modal(
        modal["custom_id"], user_id=judge, values=sheet_for(int(found["n"]))
    )
    assert "submitted (" in done.text, done.text
    return True


async def test_three_judges_score_twelve_entries_across_a_sigkill_then_publish_once(
    podium: PodiumProcess, fake_discord: FakeDiscord
):
    fake = fake_discord
    manager = fake.add_role("Server Manager", permissions=MANAGE_GUILD)
    fake.add_member(ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    for number, judge in enumerate(JUDGES):
        fake.add_member(judge, f"Judge {number + 1}")
    for number, captain in enumerate(CAPTAINS):
        fake.add_member(captain, f"Captain {number + 1}")
    await podium.start()
    await fake.wait_for_commands()
    await fake.invoke("admin setup", user_id=ORGANIZER)
    for number, captain in enumerate(CAPTAINS):
        made = await fake.invoke(
            "team create",
            user_id=captain,
            options={"name": f"Team {number + 1:02d}", "track": "student"},
        )
        assert made.ephemeral, made.text
    now = dt.datetime.now(dt.UTC)
    created = await fake.invoke(
        "contest create",
        user_id=ORGANIZER,
        options={
            "name": "Business Plan",
            "category": "plan",
            "submissions_open": iso(now - dt.timedelta(minutes=5)),
            "submissions_close": iso(now + dt.timedelta(days=1)),
            "voting_close": iso(now + dt.timedelta(days=2)),
        },
    )
    assert "Contest #1" in created.text, created.text
    for number, captain in enumerate(CAPTAINS):
        submitted = await fake.invoke(
            "submit entry",
            user_id=captain,
            options={
                "contest": "1",
                "title": f"Plan {number + 1}",
                "url": f"https://example.com/plan-{number + 1}.pdf",
            },
        )
        assert submitted.text.startswith("Entry #"), submitted.text

    for judge in JUDGES:
        added = await fake.invoke(
            "judging judge-add", user_id=ORGANIZER, options={"member": str(judge)}
        )
        assert "added" in added.text, added.text
    created = await fake.invoke(
        "judging round-create",
        user_id=ORGANIZER,
        options={
            "contest": "1",
            "name": "Final",
            "deadline": iso(now + dt.timedelta(days=3)),
            "judges_per_entry": 3,
        },
    )
    assert "Round #1 **Final** created" in created.text, created.text
    opened = await fake.invoke("judging round-open", user_id=ORGANIZER, options={"round": 1})
    assert "is open" in opened.text, opened.text
    assert podium.db.rows("SELECT count(*) FROM judging_assignments") == [(36,)]

    for _ in range(6):
        for judge in JUDGES:
            assert await score_next(fake, judge)

    # A Score form left open across the crash still saves after the restart.
    queue = await fake.invoke("judge queue", user_id=JUDGES[0])
    plan = ENTRY_TITLE.search(queue.text)
    assert plan is not None, queue.text
    opened = await press(fake, queue, "Score", JUDGES[0])
    assert opened.response is not None
    await podium.kill()
    await podium.start()
    await fake.wait_ready()
    late = await fake.submit_modal(
        opened.response["data"]["custom_id"], user_id=JUDGES[0], values=sheet_for(int(plan["n"]))
    )
    assert "submitted (7 of 12 done)" in late.text, late.text

    for judge in JUDGES:
        while await score_next(fake, judge):
            pass
    progress = await fake.invoke("judging progress", user_id=ORGANIZER, options={"round": 1})
    for number in range(1, 4):
        assert f"Judge {number}: 12 of 12 submitted" in progress.text, progress.text

    closed = await fake.invoke("judging round-close", user_id=ORGANIZER, options={"round": 1})
    assert "is closed" in closed.text, closed.text
    ask = await fake.invoke("judging publish", user_id=ORGANIZER, options={"round": 1})
    published = await press(fake, ask, "Publish", ORGANIZER)
    assert "is published" in published.text, published.text

    gallery = fake.channel_named("ugc-gallery")
    assert gallery is not None

    def results_posts() -> list[dict[str, Any]]:
        return [
            m for m in fake.messages_in(int(gallery["id"])) if "Judging results" in message_text(m)
        ]

    (post,) = results_posts()
    text = message_text(post)
    assert text.index("Plan 12") < text.index("Plan 11") < text.index("Plan 10"), text
    ledger = podium.db.rows(
        "SELECT amount, source FROM points_ledger WHERE source = 'judging' ORDER BY amount DESC"
    )
    assert ledger == [(300, "judging"), (200, "judging"), (100, "judging")]

    again = await press(fake, ask, "Publish", ORGANIZER)
    assert again.ephemeral
    assert "already" in again.text, again.text
    await podium.kill()
    await podium.start()
    await fake.wait_ready()
    later = await fake.invoke("judging publish", user_id=ORGANIZER, options={"round": 1})
    refused = await press(fake, later, "Publish", ORGANIZER)
    assert refused.text == "The results of round #1 are already published.", refused.text
    assert len(results_posts()) == 1
    journal = podium.db.rows("SELECT status FROM discord_posts WHERE key = 'judging:1:results'")
    assert journal == [("posted",)]
    assert len(podium.db.rows("SELECT id FROM points_ledger WHERE source = 'judging'")) == 3
