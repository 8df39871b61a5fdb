"""Buttons posted before the cogs became feature packages still work: a message whose
components carry the custom ids in the format of that time is pressed through the command
tree, and the press has its effect."""

from __future__ import annotations

from typing import Any

from tests.conftest import T0
from tests.contest_support import OLD_MEMBER, OPENS, SUBMISSIONS_CLOSE, VOTING, VOTING_CLOSE
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import FakeDiscord
from tests.judging_support import add_judges, contest_with_entries, open_round
from tests.points_support import add_team, csv_bytes

VOTER = 730000000000000100
CAPTAIN = 730000000000000001


def old_post(fake: FakeDiscord, custom_ids: list[str]) -> dict[str, Any]:
    """A bot message, as it was posted before the change, with these buttons."""
    body = {
        "content": "posted before the restructure",
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "old", "custom_id": custom_id}
                    for custom_id in custom_ids
                ],
            }
        ],
    }
    message = fake._message_payload(int(fake.default_channel["id"]), body, author=fake.bot_user)
    fake.messages[int(message["id"])] = message
    return message


async def test_an_old_vote_button_still_counts_a_vote(harness: Harness):
    fake, services = harness.fake, harness.services
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    fake.add_member(VOTER, "Vera Voter", joined_at=OLD_MEMBER)
    await add_team(services.db, "Case Crackers", members_=[CAPTAIN])
    contest = await services.contests.create(
        actor_id=ORGANIZER_ID,
        name="Best Practical Case",
        category="case",
        submissions_open=OPENS,
        submissions_close=SUBMISSIONS_CLOSE,
        voting_close=VOTING_CLOSE,
    )
    services.clock.set(OPENS)  # type: ignore[attr-defined]
    entry = await services.contests.submit(
        user_id=CAPTAIN, contest=contest.id, title="Pricing", url="https://ex.am/p"
    )
    services.clock.set(VOTING)  # type: ignore[attr-defined]
    post = old_post(fake, [f"podium:vote:{entry.id}"])

    pressed = await fake.click(f"podium:vote:{entry.id}", user_id=VOTER, message_id=int(post["id"]))

    assert pressed.ephemeral
    assert pressed.text == "Vote counted — 1 of 3 votes used."
    assert await services.contests.count(entry.id) == 1


async def test_an_old_qa_upvote_button_still_toggles_the_upvote(harness: Harness):
    fake, qa = harness.fake, harness.services.qa
    fake.add_member(VOTER, "Vera Voter")
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    session = await qa.schedule(
        actor_id=ORGANIZER_ID,
        title="Ask the judges",
        kind="official",
        start="2026-11-27 20:00",
        duration="90m",
        host_id=ORGANIZER_ID,
    )
    question = await qa.ask(user_id=PARTICIPANT_ID, session_id=session.id, text="Ties?")
    custom_id = f"podium:qa-upvote:{question.id}"
    post = old_post(fake, [custom_id])

    pressed = await fake.click(custom_id, user_id=VOTER, message_id=int(post["id"]))

    assert pressed.response_type == 7  # the message is edited with the new count
    assert pressed.response is not None
    assert pressed.response["data"]["components"][0]["components"][0]["custom_id"] == custom_id
    assert "Upvoted question" in (await pressed.wait_for_followup())["content"]
    assert (await qa.question(question.id)).votes == 1


async def test_old_confirm_and_cancel_buttons_still_decide(harness: Harness):
    fake, points = harness.fake, harness.services.points
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await add_team(harness.services.db, "Champions", members_=[PARTICIPANT_ID])
    preview = await points.preview_import(
        actor_id=ORGANIZER_ID,
        file_name="points.csv",
        data=csv_bytes("team,points,reason", "Champions,5,quiz"),
    )
    import_ids = [f"podium:points-import:{a}:{preview.id}" for a in ("confirm", "cancel")]
    season_ids = [f"podium:season-close:{a}:{points.season}" for a in ("confirm", "cancel")]
    imports, season = old_post(fake, import_ids), old_post(fake, season_ids)

    refused = await fake.click(import_ids[1], user_id=PARTICIPANT_ID, message_id=int(imports["id"]))
    assert "Only organizers" in refused.text
    cancelled = await fake.click(import_ids[1], user_id=ORGANIZER_ID, message_id=int(imports["id"]))
    assert cancelled.text == "Import cancelled: nothing was added."
    kept = await fake.click(season_ids[1], user_id=ORGANIZER_ID, message_id=int(season["id"]))
    assert kept.text == "Nothing changed: the season stays open."
    assert not await points.is_closed()


async def test_a_judges_score_and_skip_buttons_still_work_on_an_old_message(harness: Harness):
    fake, services = harness.fake, harness.services
    await fake.invoke("admin setup", user_id=ORGANIZER_ID)
    contest, _, _ = await contest_with_entries(services, services.clock, 2)  # type: ignore[arg-type]
    (judge,) = await add_judges(services, 1)
    assert judge.user_id is not None
    fake.add_member(judge.user_id, judge.name)
    services.clock.set(T0)  # type: ignore[attr-defined]
    await open_round(services, contest, judges_per_entry=1)
    first, _ = await services.judging.queue(judge.id)
    score_id = f"podium:judge:score:{first.assignment.id}:0"
    move_id = f"podium:judge:move:{first.assignment.id}:next"
    post = old_post(fake, [score_id, move_id])

    opened = await fake.click(score_id, user_id=judge.user_id, message_id=int(post["id"]))
    moved = await fake.click(move_id, user_id=judge.user_id, message_id=int(post["id"]))

    assert opened.response_type == 9
    assert opened.response is not None
    assert opened.response["data"]["custom_id"] == score_id
    assert moved.response_type == 7
    assert "Plan 1" in moved.text
