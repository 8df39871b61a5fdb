"""Capacity through the real command tree and the fake Discord: the waitlist in /team
create and /team info, /team withdraw with its confirm button, the offer DM's Accept and
Decline, check-in by button and command, and /capacity status, in en-US and zh-CN."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.config import CompetitionConfig, load_competition
from tests.conftest import EXAMPLE_COMPETITION
from tests.dispatch.conftest import ORGANIZER_ID, Harness
from tests.fakes.discord import wait_for
from tests.unit.test_capacity import CLOSES, OPENS, capped

CAPTAINS = [100000000000000100 + n for n in range(1, 6)]


@pytest.fixture
def competition() -> CompetitionConfig:
    """The example rules with a cap of 3 student teams and a check-in window."""
    return capped(load_competition(EXAMPLE_COMPETITION))


async def register(harness: Harness, count: int) -> list[Any]:
    replies = []
    for number, captain in enumerate(CAPTAINS[:count], 1):
        harness.fake.add_member(captain, f"Captain {number}")
        replies.append(
            await harness.fake.invoke(
                "team create",
                user_id=captain,
                options={"name": f"Team {number}", "track": "student"},
            )
        )
    return replies


def dms_to(harness: Harness, user_id: int) -> list[dict[str, Any]]:
    channels = [
        int(c["id"])
        for c in harness.fake.dm_channels.values()
        if c["recipients"][0]["id"] == str(user_id)
    ]
    return [m for channel in channels for m in harness.fake.messages_in(channel)]


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["custom_id"] for row in message["components"] for b in row["components"]]


async def test_a_team_past_the_cap_is_told_its_waitlist_position(harness: Harness):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    replies = await register(harness, 5)
    assert "Waitlisted" not in replies[2].text
    assert "Waitlisted, position 2" in replies[4].text
    info = await harness.fake.invoke("team info", user_id=CAPTAINS[3], locale="zh-CN")
    fields = {f["name"]: f["value"] for f in info.final_message["embeds"][0]["fields"]}
    assert fields["参赛名额"] == "候补中，排第 1 位"


async def test_withdraw_asks_then_the_offer_dm_is_accepted_by_its_captain_only(
    harness: Harness,
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await register(harness, 5)
    ask = await harness.fake.invoke("team withdraw", user_id=CAPTAINS[0])
    assert ask.ephemeral
    assert "Withdraw **Team 1**?" in ask.text
    (confirm,) = buttons(ask.final_message)
    message_id = int(ask.response["_message_id"])  # type: ignore[index]
    done = await harness.fake.click(confirm, user_id=CAPTAINS[0], message_id=message_id)
    assert "**Team 1** is withdrawn" in done.text

    await wait_for(lambda: len(dms_to(harness, CAPTAINS[3])) == 1)
    (offer,) = dms_to(harness, CAPTAINS[3])
    assert "offered to your team **Team 4**" in offer["content"]
    assert offer["allowed_mentions"]["parse"] == []
    accept, decline = buttons(offer)
    assert accept.startswith("podium:cap-offer:accept:")
    assert decline.startswith("podium:cap-offer:decline:")

    stranger = await harness.fake.click(
        accept, user_id=CAPTAINS[4], message_id=int(offer["id"]), locale="zh-CN"
    )
    assert stranger.ephemeral
    assert stranger.text == "只有 Team 4 的队长才能这样做。"
    taken = await harness.fake.click(accept, user_id=CAPTAINS[3], message_id=int(offer["id"]))
    assert "**Team 4** has its place" in taken.text
    again = await harness.fake.click(decline, user_id=CAPTAINS[3], message_id=int(offer["id"]))
    assert again.ephemeral
    assert "no longer open" in again.text


async def test_declining_sends_the_offer_to_the_next_team(harness: Harness):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await register(harness, 5)
    await harness.services.capacity.withdraw(captain_id=CAPTAINS[1])
    await wait_for(lambda: len(dms_to(harness, CAPTAINS[3])) == 1)
    (offer,) = dms_to(harness, CAPTAINS[3])
    _accept, decline = buttons(offer)
    said = await harness.fake.click(
        decline, user_id=CAPTAINS[3], message_id=int(offer["id"]), locale="zh-CN"
    )
    assert "你已放弃该名额" in said.text
    await wait_for(lambda: len(dms_to(harness, CAPTAINS[4])) == 1)


async def test_check_in_by_button_and_command_with_refusals_in_both_languages(
    harness: Harness, clock: FrozenClock
):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await register(harness, 4)
    early = await harness.fake.invoke("team checkin", user_id=CAPTAINS[0], locale="zh-CN")
    assert early.ephemeral
    assert early.text.startswith("签到将于 <t:")
    clock.set(OPENS)
    await harness.services.scheduler.run_due()
    await wait_for(lambda: len(dms_to(harness, CAPTAINS[0])) == 1)
    (notice,) = dms_to(harness, CAPTAINS[0])
    # the captain last spoke Chinese to the bot, so the DM is in Chinese
    assert notice["content"].startswith("✅ 签到已开始")
    (button,) = buttons(notice)
    pressed = await harness.fake.click(button, user_id=CAPTAINS[0], message_id=int(notice["id"]))
    assert pressed.text == "**Team 1** is checked in. See you at the start!"
    twice = await harness.fake.invoke("team checkin", user_id=CAPTAINS[0])
    assert "already checked in" in twice.text
    waiting = await harness.fake.invoke("team checkin", user_id=CAPTAINS[3])
    assert "does not hold a place" in waiting.text
    by_command = await harness.fake.invoke("team checkin", user_id=CAPTAINS[1], locale="zh-CN")
    assert by_command.text == "**Team 2** 签到成功，开赛见！"
    clock.set(CLOSES - dt.timedelta(hours=24))
    await harness.services.scheduler.run_due()
    await wait_for(lambda: len(dms_to(harness, CAPTAINS[2])) == 2)
    assert "has not checked in yet" in dms_to(harness, CAPTAINS[2])[-1]["content"]
    assert len(dms_to(harness, CAPTAINS[0])) == 1, "no reminder to a team checked in"
    clock.set(CLOSES)
    await harness.services.scheduler.run_due()
    await wait_for(lambda: len(dms_to(harness, CAPTAINS[2])) == 3)
    assert "did not check in before" in dms_to(harness, CAPTAINS[2])[-1]["content"]
    await wait_for(lambda: len(dms_to(harness, CAPTAINS[3])) == 1)

    status = await harness.fake.invoke("capacity status", user_id=ORGANIZER_ID)
    fields = {f["name"]: f["value"] for f in status.final_message["embeds"][0]["fields"]}
    assert fields["Student"].startswith("Places taken: 3 of 3\nWaitlist: 0\nOpen offers: 1")
    assert "Checked in: 2" in fields["Student"]
    assert fields["Professional"].startswith("Places taken: 0 of no cap")


async def test_capacity_status_is_for_organizers_and_withdraw_for_captains(harness: Harness):
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    await register(harness, 1)
    refused = await harness.fake.invoke("capacity status", user_id=CAPTAINS[0], locale="zh-CN")
    assert refused.ephemeral
    assert "组织者" in refused.text
    nobody = await harness.fake.invoke("team withdraw", user_id=ORGANIZER_ID)
    assert nobody.ephemeral
    assert "You are not in a team this season" in nobody.text
