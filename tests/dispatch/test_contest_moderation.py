"""Entry moderation through the real command tree: the gallery's Report button and its form as
real component and modal-submit payloads, /contest entry-hide, entry-disqualify,
entry-restore and reports (with its buttons), in en-US and zh-CN, and participants refused."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.schema import entry_reports
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.dispatch.test_contests import CAPTAIN, VOTERS, setup_contest, vote_button
from tests.dispatch.test_persistent_buttons import old_post
from tests.fakes.discord import message_text, wait_for


def report_button(message: dict[str, Any]) -> dict[str, Any]:
    return message["components"][0]["components"][1]


def entry_id(post: dict[str, Any]) -> int:
    return int(vote_button(post)["custom_id"].rsplit(":", 1)[1])


async def report(harness: Harness, post: dict[str, Any], user_id: int, reason: str, **kw: Any):
    fake = harness.fake
    opened = await fake.click(
        report_button(post)["custom_id"], user_id=user_id, message_id=int(post["id"]), **kw
    )
    return await fake.submit_modal(opened, user_id=user_id, values={"reason": reason}, **kw)


async def stored_reports(harness: Harness) -> list[tuple[int, str | None]]:
    async with harness.services.db.read() as conn:
        rows = await conn.execute(select(entry_reports.c.user_id, entry_reports.c.text))
        return [(int(u), t) for u, t in rows]


def dms_to(harness: Harness, user_id: int) -> list[str]:
    fake = harness.fake
    return [
        message_text(m)
        for channel in fake.dm_channels.values()
        if channel["recipients"][0]["id"] == str(user_id)
        for m in fake.messages_in(int(channel["id"]))
    ]


async def test_report_opens_a_form_records_the_report_once_and_refuses_a_second(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    button = report_button(post)
    assert (button["label"], button["custom_id"]) == ("Report", f"podium:report:{entry_id(post)}")

    opened = await fake.click(button["custom_id"], user_id=VOTERS[0], message_id=int(post["id"]))
    assert opened.response_type == 9
    assert opened.response is not None
    assert opened.response["data"]["title"] == f"Report entry #{entry_id(post)}"
    done = await fake.submit_modal(opened, user_id=VOTERS[0], values={"reason": "copied @everyone"})
    assert done.ephemeral
    assert done.text == f"Thank you: your report of entry #{entry_id(post)} went to the organizers."

    again = await fake.click(button["custom_id"], user_id=VOTERS[0], message_id=int(post["id"]))
    assert again.response_type == 4
    assert again.ephemeral
    assert again.text == "You already reported this entry. The organizers have your report."
    own = await fake.click(button["custom_id"], user_id=CAPTAIN, message_id=int(post["id"]))
    assert own.text == "You cannot report your own team's entry."
    assert await stored_reports(harness) == [(VOTERS[0], "copied @everyone")]


async def test_report_form_and_refusal_are_in_simplified_chinese_for_zh_cn_members(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    custom_id = report_button(post)["custom_id"]
    opened = await fake.click(
        custom_id, user_id=VOTERS[1], message_id=int(post["id"]), locale="zh-CN"
    )
    assert opened.response is not None
    assert opened.response["data"]["title"] == f"举报作品 #{entry_id(post)}"
    done = await fake.submit_modal(opened, user_id=VOTERS[1], values={}, locale="zh-CN")
    assert done.text == f"谢谢：你对作品 #{entry_id(post)} 的举报已转交组织者。"
    again = await fake.click(
        custom_id, user_id=VOTERS[1], message_id=int(post["id"]), locale="zh-CN"
    )
    assert again.ephemeral
    assert again.text == "你已经举报过这个作品，组织者已收到你的举报。"
    assert await stored_reports(harness) == [(VOTERS[1], None)]


async def test_hiding_updates_the_gallery_post_tells_the_team_and_restore_brings_it_back(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    entry, vote_id = entry_id(post), vote_button(post)["custom_id"]
    choices = await fake.autocomplete(
        "contest entry-hide", user_id=ORGANIZER_ID, focused="entry", value="bubble"
    )
    assert [c["value"] for c in choices] == [entry]

    hidden = await fake.invoke(
        "contest entry-hide",
        user_id=ORGANIZER_ID,
        options={"entry": entry, "reason": "Contains a phone number"},
    )

    assert hidden.ephemeral
    assert (
        hidden.text
        == f"Entry #{entry} **Bubble tea \\*pricing\\*** is hidden; its team is told why."
    )
    stored = fake.messages[int(post["id"])]
    await wait_for(lambda: stored["embeds"][0]["title"] == "Hidden entry")
    assert "pricing" not in message_text(stored)
    assert not stored.get("components")
    await wait_for(lambda: len(dms_to(harness, CAPTAIN)) == 1)
    assert "Reason: Contains a phone number" in dms_to(harness, CAPTAIN)[0]
    stale = old_post(fake, [vote_id])  # e.g. a post whose edit did not go through
    refused = await fake.click(vote_id, user_id=VOTERS[0], message_id=int(stale["id"]))
    assert refused.text == (
        "The organizers took this entry out of the contest, so it takes no votes or reports."
    )
    assert await harness.services.contests.count(entry) == 0

    restored = await fake.invoke(
        "contest entry-restore", user_id=ORGANIZER_ID, options={"entry": entry}
    )
    assert restored.text.startswith(f"Entry #{entry} ")
    await wait_for(lambda: bool(fake.messages[int(post["id"])].get("components")))
    assert vote_button(fake.messages[int(post["id"])])["label"] == "Vote (0)"
    await wait_for(lambda: len(dms_to(harness, CAPTAIN)) == 2)
    assert "restored" in dms_to(harness, CAPTAIN)[1]


async def test_participants_cannot_moderate_and_organizer_refusals_are_localized(
    harness: Harness,
):
    state = await setup_contest(harness)
    entry = entry_id(state["post"])
    fake = harness.fake
    for command in ("contest entry-hide", "contest entry-disqualify"):
        refused = await fake.invoke(
            command, user_id=PARTICIPANT_ID, options={"entry": entry, "reason": "mine now"}
        )
        assert refused.ephemeral
        assert refused.text.startswith("Only organizers can do that.")
    queue = await fake.invoke("contest reports", user_id=PARTICIPANT_ID)
    assert queue.text.startswith("Only organizers can do that.")
    not_hidden = await fake.invoke(
        "contest entry-restore", user_id=ORGANIZER_ID, options={"entry": entry}, locale="zh-CN"
    )
    assert not_hidden.ephemeral
    assert not_hidden.text == f"作品 #{entry} 既未被隐藏，也未被取消资格。"


async def test_the_report_queue_lists_counts_and_its_buttons_dismiss_or_disqualify(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    entry = entry_id(post)
    await report(harness, post, VOTERS[0], "looks copied")
    await report(harness, post, VOTERS[1], "")

    queue = await fake.invoke("contest reports", user_id=ORGANIZER_ID)
    assert queue.ephemeral
    assert "2 reports" in queue.text
    assert "> looks copied" in queue.text
    rows = queue.final_message["components"]
    ids = [b["custom_id"] for b in rows[0]["components"]]
    assert ids == [
        f"podium:report-queue:hidden:{entry}",
        f"podium:report-queue:disqualified:{entry}",
        f"podium:report-queue:dismiss:{entry}",
    ]
    assert queue.response is not None
    listing = int(queue.response["_message_id"])
    participant = await fake.click(ids[2], user_id=PARTICIPANT_ID, message_id=listing)
    assert participant.text.startswith("Only organizers can do that.")
    dismissed = await fake.click(ids[2], user_id=ORGANIZER_ID, message_id=listing)
    assert dismissed.text == f"2 reports of entry #{entry} dismissed; it stays in the gallery."
    empty = await fake.invoke("contest reports", user_id=ORGANIZER_ID)
    assert empty.text == "Reported entries\nNo entry has open reports."

    await report(harness, post, VOTERS[2], "offensive")
    opened = await fake.click(ids[1], user_id=ORGANIZER_ID, message_id=listing)
    assert opened.response is not None
    assert opened.response["data"]["title"] == f"Disqualify entry #{entry}"
    done = await fake.submit_modal(opened, user_id=ORGANIZER_ID, values={"reason": "plagiarism"})
    assert done.text.endswith("is disqualified; its team is told why.")
    stored = fake.messages[int(post["id"])]
    await wait_for(lambda: "disqualified this entry" in message_text(stored))
    assert not stored.get("components")
    await wait_for(lambda: len(dms_to(harness, CAPTAIN)) == 1)
    assert "Reason: plagiarism" in dms_to(harness, CAPTAIN)[0]


async def test_organizers_are_notified_once_when_an_entry_reaches_the_report_threshold(
    harness: Harness,
):
    state = await setup_contest(harness)
    post, fake = state["post"], harness.fake
    organizers = fake.channel_named(harness.bot.competition.channels.organizers)
    assert organizers is not None
    before = len(fake.messages_in(int(organizers["id"])))
    for voter in VOTERS[:4]:  # the example config's threshold is 3
        await report(harness, post, voter, "spam")
    await wait_for(lambda: len(fake.messages_in(int(organizers["id"]))) > before)
    notices = fake.messages_in(int(organizers["id"]))[before:]
    assert len(notices) == 1
    assert f"Entry #{entry_id(post)}" in notices[0]["content"]
    assert "has 3 open reports" in notices[0]["content"]
