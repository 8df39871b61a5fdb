"""/judge and /judging through discord.py's command tree: real payloads, the Score modal
opened by a button and submitted as a MODAL_SUBMIT, in English and Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import CompetitionConfig, load_competition
from storage.schema import points_ledger
from tests.conftest import EXAMPLE_COMPETITION
from tests.contest_support import OPENS, SUBMISSIONS_CLOSE, VOTING_CLOSE
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord import InteractionResult, message_text
from tests.points_support import add_team

JUDGES = [740000000000000001, 740000000000000002, 740000000000000003]
CAPTAINS = [740000000000000101 + i for i in range(4)]
TEAMS = ["Case Crackers", "Rivals", "Tea Lovers", "Night Owls"]
DEADLINE = "2026-12-20 20:00"


async def setup_contest(harness: Harness, entries: int = 4) -> int:
    """A contest with ``entries`` submissions, one per team; the clock stays in the window."""
    services = harness.services
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    for captain, name in zip(CAPTAINS[:entries], TEAMS, strict=False):
        await add_team(services.db, name, members_=[captain])
    contest = await services.contests.create(
        actor_id=ORGANIZER_ID,
        name="Best Practical Case",
        category="case",
        submissions_open=OPENS,
        submissions_close=SUBMISSIONS_CLOSE,
        voting_close=VOTING_CLOSE,
    )
    services.clock.set(OPENS)  # type: ignore[attr-defined]
    for number, captain in enumerate(CAPTAINS[:entries]):
        await services.contests.submit(
            user_id=captain,
            contest=contest.id,
            title=f"Plan {number + 1}",
            url=f"https://example.com/plan-{number + 1}.pdf",
        )
    return contest.id


async def add_judges(harness: Harness, count: int = 3) -> None:
    for number, user_id in enumerate(JUDGES[:count]):
        harness.fake.add_member(user_id, f"Judge {number + 1}")
        added = await harness.fake.invoke(
            "judging judge-add",
            user_id=ORGANIZER_ID,
            options={"member": str(user_id), "tags": "finance, marketing"},
        )
        assert added.ephemeral
        assert f"**Judge {number + 1}** added" in added.text, added.text


async def open_round(harness: Harness, contest_id: int, **options: Any) -> InteractionResult:
    values: dict[str, Any] = {"contest": str(contest_id), "name": "Preliminary"}
    values["deadline"] = DEADLINE
    values.update(options)
    created = await harness.fake.invoke(
        "judging round-create", user_id=ORGANIZER_ID, options=values
    )
    assert "Round #1 **Preliminary** created" in created.text, created.text
    return await harness.fake.invoke(
        "judging round-open", user_id=ORGANIZER_ID, options={"round": 1}
    )


async def ready(harness: Harness, **options: Any) -> None:
    contest_id = await setup_contest(harness)
    await add_judges(harness)
    opened = await open_round(harness, contest_id, **options)
    assert "Round #1 **Preliminary** is open" in opened.text, opened.text


def buttons(result: InteractionResult) -> dict[str, str]:
    """label -> custom id of the buttons of the final message."""
    return {
        item["label"]: item["custom_id"]
        for row in result.final_message.get("components") or []
        for item in row.get("components") or []
    }


async def press(
    harness: Harness, result: InteractionResult, label: str, user_id: int, locale: str = "en-US"
) -> InteractionResult:
    """Press the button labelled ``label`` on the message ``result`` answered with."""
    assert result.response is not None
    message_id = int(result.response["_message_id"])
    return await harness.fake.click(
        buttons(result)[label], user_id=user_id, message_id=message_id, locale=locale
    )


def modal_inputs(result: InteractionResult) -> dict[str, dict[str, Any]]:
    """The text inputs (by custom id) of a modal the bot opened (callback type 9)."""
    assert result.response_type == 9, result.response
    data = result.response["data"] if result.response else {}
    found = {}
    for component in data["components"]:
        inner = component.get("component") or component["components"][0]
        found[inner["custom_id"]] = {**inner, "label": component.get("label")}
    return found


async def score(
    harness: Harness,
    judge: int,
    shown: InteractionResult,
    values: dict[str, str],
    label: str = "Score",
    locale: str = "en-US",
) -> InteractionResult:
    """Press ``label`` on ``shown`` and submit the modal it opens with ``values``."""
    opened = await press(harness, shown, label, judge, locale)
    modal_id = opened.response["data"]["custom_id"] if opened.response else ""
    return await harness.fake.submit_modal(modal_id, user_id=judge, values=values, locale=locale)


FULL = {"c:feasibility": "7", "c:innovation": "8", "c:business_value": "6", "comment": "Solid"}


async def test_a_participant_gets_a_clear_refusal_in_english_and_chinese(harness: Harness):
    await ready(harness)
    english = await harness.fake.invoke("judge queue", user_id=PARTICIPANT_ID)
    assert english.ephemeral
    assert english.text == ("Only judges can do that, and only with the entries assigned to them.")
    chinese = await harness.fake.invoke("judge queue", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert chinese.ephemeral
    assert chinese.text == "只有评委才能这样做，并且只能针对分配给自己的作品。", chinese.text
    organizer_only = await harness.fake.invoke("judging judges", user_id=PARTICIPANT_ID)
    assert organizer_only.ephemeral
    assert organizer_only.text.startswith("Only organizers can do that."), organizer_only.text


async def test_a_judge_sees_the_entry_and_scores_it_through_the_modal(harness: Harness):
    await ready(harness)
    judging = harness.services.judging
    queue = await harness.fake.invoke("judge queue", user_id=JUDGES[0])
    assert queue.ephemeral
    text = queue.text
    assert text.startswith("Entry #1: Plan 1"), text
    assert "Case Crackers" in text
    assert "https://example.com/plan-1.pdf" in text
    assert "**Feasibility** · weight 1\n**Innovation** · weight 1\n**Business value**" in text
    assert "0 of 4 done in Preliminary" in text, text
    ids = buttons(queue)
    assert set(ids) == {"Score", "Previous", "Skip to next"}

    opened = await press(harness, queue, "Score", JUDGES[0])
    inputs = modal_inputs(opened)
    assert list(inputs) == ["c:feasibility", "c:innovation", "c:business_value", "comment"]
    assert inputs["c:feasibility"]["label"] == "Feasibility"
    modal_id = opened.response["data"]["custom_id"] if opened.response else ""
    done = await harness.fake.submit_modal(modal_id, user_id=JUDGES[0], values=FULL)

    assert done.ephemeral
    assert "submitted (1 of 4 done)" in done.text, done.text
    judge = await judging.judge_of_user(JUDGES[0])
    assert judge is not None
    (scored,) = [t for t in await judging.queue(judge.id) if t.assignment.status == "submitted"]
    assert scored.sheet is not None
    assert dict(scored.sheet.scores) == {"feasibility": 7, "innovation": 8, "business_value": 6}
    assert scored.sheet.comment == "Solid"
    # The reply shows the next entry with its own Score button.
    assert buttons(done)["Score"] != ids["Score"]


async def test_skip_and_previous_move_through_the_queue_in_the_same_message(harness: Harness):
    await ready(harness)
    queue = await harness.fake.invoke("judge queue", user_id=JUDGES[1])
    first = queue.text
    skipped = await press(harness, queue, "Skip to next", JUDGES[1])
    assert skipped.response_type == 7  # the message is updated, not a new one
    assert skipped.text != first
    back = await press(harness, skipped, "Previous", JUDGES[1])
    assert back.text == first


async def test_a_score_outside_the_scale_is_refused_and_nothing_is_stored(harness: Harness):
    await ready(harness)
    judging = harness.services.judging
    queue = await harness.fake.invoke("judge queue", user_id=JUDGES[0], locale="zh-CN")
    assert queue.text.startswith("作品 #1：Plan 1"), queue.text
    assert "**可行性** · 权重 1\n**创新性** · 权重 1\n**商业价值** · 权重 1" in queue.text
    assert "Preliminary：已完成 0/4" in queue.text

    refused = await score(harness, JUDGES[0], queue, {**FULL, "c:innovation": "11"}, "评分")
    assert refused.ephemeral
    assert refused.text == "Scores are whole numbers from 1 to 10 (Innovation: 11).", refused.text
    chinese = await score(
        harness, JUDGES[0], queue, {**FULL, "c:innovation": "0"}, "评分", locale="zh-CN"
    )
    assert chinese.ephemeral
    assert chinese.text == "评分须为 1 到 10 之间的整数（创新性：0）。", chinese.text
    word = await score(harness, JUDGES[0], queue, {**FULL, "c:feasibility": "great"}, "评分")
    assert word.ephemeral
    assert word.text == "Feasibility: a whole number from 1 to 10, not “great”", word.text

    judge = await judging.judge_of_user(JUDGES[0])
    assert judge is not None
    assert all(t.sheet is None for t in await judging.queue(judge.id))


async def test_a_judge_edits_a_submitted_score_from_their_list(harness: Harness):
    await ready(harness)
    judging = harness.services.judging
    queue = await harness.fake.invoke("judge queue", user_id=JUDGES[2])
    await score(harness, JUDGES[2], queue, FULL)

    listed = await harness.fake.invoke("judge scores", user_id=JUDGES[2])
    assert listed.ephemeral
    assert "Feasibility 7 · Innovation 8" in listed.text, listed.text
    (edit_label,) = [label for label in buttons(listed) if label.startswith("Edit #")]
    opened = await press(harness, listed, edit_label, JUDGES[2])
    inputs = modal_inputs(opened)
    assert inputs["c:feasibility"]["value"] == "7"  # prefilled
    assert inputs["comment"]["value"] == "Solid"
    modal_id = opened.response["data"]["custom_id"] if opened.response else ""
    edited = await harness.fake.submit_modal(
        modal_id, user_id=JUDGES[2], values={**FULL, "c:feasibility": "9", "comment": ""}
    )
    assert "submitted (1 of 4 done)" in edited.text, edited.text
    judge = await judging.judge_of_user(JUDGES[2])
    assert judge is not None
    (scored,) = [t for t in await judging.queue(judge.id) if t.sheet is not None]
    assert scored.sheet is not None
    assert scored.sheet.scores["feasibility"] == 9
    assert scored.sheet.comment is None


def five_criteria() -> CompetitionConfig:
    competition = load_competition(EXAMPLE_COMPETITION)
    judging = competition.judging
    extra = [
        judging.criteria[0].model_copy(update={"key": key, "name": name, "name_zh": zh})
        for key, name, zh in (("team", "Team", "团队"), ("pitch", "Pitch", "路演"))
    ]
    criteria = (
        [*judging.default_criteria(), *extra]
        if hasattr(judging, "default_criteria")
        else [
            *judging.criteria,
            *extra,
        ]
    )
    return competition.model_copy(
        update={"judging": judging.model_copy(update={"criteria": criteria})}
    )


@pytest.mark.parametrize("competition", [five_criteria()])
async def test_five_criteria_are_split_over_two_modal_pages(harness: Harness):
    await ready(harness)
    judging = harness.services.judging
    queue = await harness.fake.invoke("judge queue", user_id=JUDGES[0])
    first = await press(harness, queue, "Score", JUDGES[0])
    page_one = modal_inputs(first)
    assert list(page_one) == ["c:feasibility", "c:innovation", "c:business_value", "c:team"]
    modal_id = first.response["data"]["custom_id"] if first.response else ""
    saved = await harness.fake.submit_modal(
        modal_id, user_id=JUDGES[0], values={key: "5" for key in page_one}
    )
    assert "Page 1 of 2 saved" in saved.text, saved.text
    second = await press(harness, saved, "Continue (2/2)", JUDGES[0])
    page_two = modal_inputs(second)
    assert list(page_two) == ["c:pitch", "comment"]
    modal_id = second.response["data"]["custom_id"] if second.response else ""
    done = await harness.fake.submit_modal(
        modal_id, user_id=JUDGES[0], values={"c:pitch": "9", "comment": ""}
    )
    assert "submitted (1 of 4 done)" in done.text, done.text
    judge = await judging.judge_of_user(JUDGES[0])
    assert judge is not None
    (scored,) = [t for t in await judging.queue(judge.id) if t.sheet is not None]
    assert scored.sheet is not None
    assert dict(scored.sheet.scores) == {
        "feasibility": 5,
        "innovation": 5,
        "business_value": 5,
        "team": 5,
        "pitch": 9,
    }


async def ledger_rows(harness: Harness) -> list[tuple[int, str, str]]:
    async with harness.services.db.read() as conn:
        rows = await conn.execute(
            select(points_ledger.c.amount, points_ledger.c.source, points_ledger.c.reference)
            .where(points_ledger.c.source == "judging")
            .order_by(points_ledger.c.amount.desc())
        )
        return [(int(r.amount), str(r.source), str(r.reference)) for r in rows]


async def test_close_preview_and_publish_post_the_results_once(harness: Harness):
    await ready(harness)
    fake, services = harness.fake, harness.services
    for judge_user in JUDGES:
        while "Score" in buttons(queue := await fake.invoke("judge queue", user_id=judge_user)):
            plan = int(re.search(r"Plan (\d)", queue.text)[1])  # type: ignore[index]
            values = {**FULL, "c:feasibility": str(2 * plan)}
            await score(harness, judge_user, queue, values)
    progress = await fake.invoke("judging progress", user_id=ORGANIZER_ID, options={"round": 1})
    assert "Judge 1: 4 of 4 submitted" in progress.text, progress.text
    assert "4 of 4 sheets" not in progress.text  # per entry: 3 judges each
    closed = await fake.invoke("judging round-close", user_id=ORGANIZER_ID, options={"round": 1})
    assert "is closed: scores are final" in closed.text, closed.text
    preview = await fake.invoke("judging results", user_id=ORGANIZER_ID, options={"round": 1})
    assert "Results preview (not published): Preliminary" in preview.text, preview.text
    text = preview.text
    assert text.index("Plan 4") < text.index("Plan 3") < text.index("Plan 2"), text

    ask = await fake.invoke("judging publish", user_id=ORGANIZER_ID, options={"round": 1})
    assert ask.ephemeral
    published = await press(harness, ask, "Publish", ORGANIZER_ID)
    assert "is published" in published.text, published.text
    gallery = (await services.setup.resource_ids())["channel:gallery"]

    def posts() -> list[dict[str, Any]]:
        return [m for m in fake.messages_in(gallery) if "Judging results" in message_text(m)]

    (post,) = posts()
    assert "Plan 4" in message_text(post)
    assert [amount for amount, _, _ in await ledger_rows(harness)] == [300, 200, 100]

    again = await press(harness, ask, "Publish", ORGANIZER_ID, locale="zh-CN")
    assert again.ephemeral
    assert again.text == "第 #1 轮的结果已经发布。", again.text
    assert len(posts()) == 1
    assert len(await ledger_rows(harness)) == 3


async def test_publish_again_sends_a_results_post_a_crash_left_unsent(harness: Harness):
    await ready(harness)
    fake, services = harness.fake, harness.services
    for judge_user in JUDGES:
        while "Score" in buttons(queue := await fake.invoke("judge queue", user_id=judge_user)):
            await score(harness, judge_user, queue, FULL)
    await services.judging.close_round(actor_id=ORGANIZER_ID, round_id=1)
    # Published in the database, but the process died before the post went out.
    await services.judging.publish(actor_id=ORGANIZER_ID, round_id=1)
    gallery = (await services.setup.resource_ids())["channel:gallery"]
    assert fake.messages_in(gallery) == []

    ask = await fake.invoke("judging publish", user_id=ORGANIZER_ID, options={"round": 1})
    refused = await press(harness, ask, "Publish", ORGANIZER_ID)
    assert refused.text == "The results of round #1 are already published.", refused.text
    (post,) = fake.messages_in(gallery)
    assert "Judging results: Preliminary" in message_text(post)
    assert "#1 Night Owls: a complete tie: the entries share the rank" in message_text(post)
    again = await press(harness, ask, "Publish", ORGANIZER_ID)
    assert again.text == refused.text
    assert len(fake.messages_in(gallery)) == 1


async def test_score_on_a_closed_round_is_refused_before_the_form_opens(harness: Harness):
    await ready(harness)
    queue = await harness.fake.invoke("judge queue", user_id=JUDGES[0])
    await harness.services.judging.close_round(actor_id=ORGANIZER_ID, round_id=1)
    late = await press(harness, queue, "Score", JUDGES[0], locale="zh-CN")
    assert late.response_type == 4
    assert late.ephemeral
    assert late.text == "第 #1 轮已关闭：评分不能再修改。", late.text
    rounds = await harness.fake.autocomplete(
        "judging progress", user_id=ORGANIZER_ID, focused="round", value="", locale="zh-CN"
    )
    assert rounds == [{"name": "#1 Preliminary (已关闭)", "value": 1}]


async def test_a_judge_cannot_score_an_entry_assigned_to_someone_else(harness: Harness):
    await ready(harness)
    judging = harness.services.judging
    other = await judging.judge_of_user(JUDGES[1])
    assert other is not None
    theirs = (await judging.queue(other.id))[0].assignment.id
    forged = await harness.fake.submit_modal(
        f"podium:judge:score:{theirs}:0", user_id=JUDGES[0], values=FULL
    )
    assert forged.ephemeral
    assert forged.text == "Only judges can do that, and only with the entries assigned to them."
    assert all(t.sheet is None for t in await judging.queue(other.id))
    stranger = await harness.fake.submit_modal(
        f"podium:judge:score:{theirs}:0", user_id=PARTICIPANT_ID, values=FULL
    )
    assert stranger.text == forged.text
