"""`/lfg` through the real command tree and the fake Discord: the card form, browsing,
invites by DM and their Accept / Decline buttons, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dispatch.conftest import PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for

CAPTAIN = PARTICIPANT_ID
AGENT = 100000000000000050
OTHER_AGENT = 100000000000000060

CARD = {
    "skills": "Python, UI design",
    "languages": "English, 中文",
    "timezone": "Asia/Shanghai",
    "looking_for": "@everyone a team that ships <@100000000000000020> weekly",
}


@pytest.fixture
async def people(harness: Harness) -> Harness:
    harness.fake.add_member(AGENT, "Ada Agent")
    harness.fake.add_member(OTHER_AGENT, "Omar Other")
    return harness


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def post_card(harness: Harness, user_id: int = AGENT, locale: str = "en-US", **values: str):
    opened = await harness.fake.invoke(
        "lfg post", user_id=user_id, options={"track": "student"}, locale=locale
    )
    assert opened.response_type == 9, opened.text
    modal = opened.response["data"]  # type: ignore[index]
    return modal, await harness.fake.submit_modal(
        modal["custom_id"], {**CARD, **values}, user_id=user_id, locale=locale
    )


async def test_the_form_publishes_a_card_shown_escaped_without_pinging(people: Harness):
    modal, reply = await post_card(people)
    inputs = [c["components"][0] for c in modal["components"]]
    assert [i["custom_id"] for i in inputs] == ["skills", "languages", "timezone", "looking_for"]
    assert modal["title"] == "Your team-finder card"
    assert reply.ephemeral
    assert "Your card is in the team finder" in reply.text
    assert "Python, UI design" in reply.text
    assert "@everyone" not in reply.text  # escaped: shown, never a mention
    assert reply.response["data"]["allowed_mentions"]["parse"] == []
    card = await people.services.lfg.card(AGENT)
    assert card is not None
    assert card.timezone == "Asia/Shanghai"
    again = await people.fake.invoke("lfg post", user_id=AGENT, options={"track": "student"})
    prefilled = [c["components"][0] for c in again.response["data"]["components"]]  # type: ignore[index]
    assert prefilled[0]["value"] == "Python, UI design"


async def test_a_bad_timezone_is_refused_in_chinese_and_nothing_is_saved(people: Harness):
    modal, reply = await post_card(people, locale="zh-CN", timezone="Mars/Olympus")
    assert modal["title"] == "你的组队名片"
    assert reply.ephemeral
    assert "Mars/Olympus" in reply.text
    assert "时区" in reply.text
    assert await people.services.lfg.card(AGENT) is None


async def test_a_member_in_a_team_gets_no_form_but_a_clear_refusal(people: Harness):
    await people.services.teams.create(user_id=AGENT, name="Agents", track="student")
    for locale, words in (
        ("en-US", "You are in the team Agents already"),
        ("zh-CN", "你已经在队伍 Agents 中"),
    ):
        reply = await people.fake.invoke(
            "lfg post", user_id=AGENT, options={"track": "student"}, locale=locale
        )
        assert reply.response_type == 4
        assert reply.ephemeral
        assert words in reply.text
    zh = await people.fake.invoke("lfg remove", user_id=AGENT, locale="zh-CN")
    assert zh.ephemeral
    assert zh.text == "你在组队大厅没有名片。请用 /lfg post 发布一张。"


async def test_remove_takes_the_card_down(people: Harness):
    await post_card(people)
    reply = await people.fake.invoke("lfg remove", user_id=AGENT)
    assert reply.ephemeral
    assert "no longer in the team finder" in reply.text
    assert await people.services.lfg.card(AGENT) is None


async def invite_agent(harness: Harness, locale: str = "en-US") -> dict[str, Any]:
    """The captain browses, presses Invite on the agent's card; returns the DM."""
    await harness.services.teams.create(user_id=CAPTAIN, name="Rocket Sellers", track="student")
    await post_card(harness)
    page = await harness.fake.invoke(
        "lfg browse", user_id=CAPTAIN, options={"skill": "python"}, locale=locale
    )
    assert page.ephemeral
    assert "1. Ada Agent" in page.text
    message_id = int(page.response["_message_id"])  # type: ignore[index]
    [invite] = [c for c in custom_ids(harness.fake.messages[message_id]) if "invite" in c]
    sent = await harness.fake.click(invite, user_id=CAPTAIN, message_id=message_id, locale=locale)
    assert sent.ephemeral
    await wait_for(lambda: bool(harness.fake.dms_to(AGENT)))
    return {"sent": sent, "dm": harness.fake.dms_to(AGENT)[-1]}


async def test_a_captain_invites_from_browse_and_the_member_accepts_in_their_dms(
    people: Harness,
):
    got = await invite_agent(people)
    assert "Invite sent to <@" in got["sent"].text
    dm = got["dm"]
    assert "invites you to join the team **Rocket Sellers**" in dm["content"]
    accept, decline = custom_ids(dm)
    assert accept.startswith("podium:lfg-invite:accept:")
    assert decline.startswith("podium:lfg-invite:decline:")
    pressed = await people.fake.click(accept, user_id=AGENT, message_id=int(dm["id"]), in_dm=True)
    assert pressed.response_type == 7
    assert "Welcome to **Rocket Sellers**" in pressed.text
    assert pressed.final_message.get("components") == []
    team = await people.services.teams.team_of(AGENT)
    assert team is not None
    assert team.name == "Rocket Sellers"
    assert await people.services.lfg.card(AGENT) is None
    await wait_for(lambda: bool(people.fake.dms_to(CAPTAIN)))
    assert "accepted your invite" in people.fake.dms_to(CAPTAIN)[-1]["content"]
    again = await people.fake.click(accept, user_id=AGENT, message_id=int(dm["id"]), in_dm=True)
    assert again.ephemeral
    assert "answered this invite already" in again.text


async def test_declining_in_chinese_keeps_the_card_and_tells_the_captain(people: Harness):
    got = await invite_agent(people, locale="zh-CN")
    assert "已向 <@" in got["sent"].text
    _, decline = custom_ids(got["dm"])
    pressed = await people.fake.click(
        decline, user_id=AGENT, message_id=int(got["dm"]["id"]), in_dm=True, locale="zh-CN"
    )
    assert pressed.text == "你拒绝了加入 **Rocket Sellers** 的邀请。"
    assert await people.services.teams.team_of(AGENT) is None
    assert await people.services.lfg.card(AGENT) is not None
    await wait_for(lambda: bool(people.fake.dms_to(CAPTAIN)))
    notice = people.fake.dms_to(CAPTAIN)[-1]["content"]
    assert notice == f"<@{AGENT}> 拒绝了加入 **Rocket Sellers** 的邀请。"


async def test_a_second_invite_is_refused_and_someone_else_cannot_answer(people: Harness):
    got = await invite_agent(people)
    accept, _ = custom_ids(got["dm"])
    stranger = await people.fake.click(
        accept, user_id=OTHER_AGENT, message_id=int(got["dm"]["id"]), in_dm=True
    )
    assert stranger.ephemeral
    assert "not for you" in stranger.text
    page = await people.fake.invoke("lfg browse", user_id=CAPTAIN, locale="zh-CN")
    message_id = int(page.response["_message_id"])  # type: ignore[index]
    [invite] = [c for c in custom_ids(people.fake.messages[message_id]) if "invite" in c]
    twice = await people.fake.click(invite, user_id=CAPTAIN, message_id=message_id)
    assert twice.ephemeral
    assert "invited <@" in twice.text
    assert len(people.fake.dms_to(AGENT)) == 1


async def test_invites_lists_waiting_invites_with_buttons_that_join(people: Harness):
    await invite_agent(people)
    listed = await people.fake.invoke("lfg invites", user_id=AGENT)
    assert listed.ephemeral
    assert "Rocket Sellers" in listed.text
    message_id = int(listed.response["_message_id"])  # type: ignore[index]
    accept, _ = custom_ids(people.fake.messages[message_id])
    joined = await people.fake.click(accept, user_id=AGENT, message_id=message_id)
    assert joined.ephemeral
    assert "Welcome to **Rocket Sellers**" in joined.text
    empty = await people.fake.invoke("lfg invites", user_id=AGENT, locale="zh-CN")
    assert empty.ephemeral
    assert empty.text == "你没有等待回复的邀请。"


async def test_browse_pages_with_next_and_shows_no_invite_buttons_to_a_non_captain(
    people: Harness,
):
    for n in range(6):
        user = 200000000000000000 + n
        people.fake.add_member(user, f"Agent {n}")
        await people.services.lfg.publish(
            user_id=user,
            track="student",
            skills="Go",
            languages="English",
            timezone="UTC",
            looking_for="Looking for a team.",
        )
    page = await people.fake.invoke("lfg browse", user_id=AGENT)
    assert "page 1 of 2" in page.text
    message_id = int(page.response["_message_id"])  # type: ignore[index]
    ids = custom_ids(people.fake.messages[message_id])
    assert not [c for c in ids if "invite" in c]
    turned = await people.fake.click("lfg-browse:next", user_id=AGENT, message_id=message_id)
    assert turned.response_type == 7
    assert "page 2 of 2" in turned.text
    other = await people.fake.click(
        "lfg-browse:previous", user_id=OTHER_AGENT, message_id=message_id
    )
    assert other.ephemeral
    assert "Only the member who ran /lfg browse" in other.text


async def test_browse_autocompletes_skills_and_timezones_from_the_cards(people: Harness):
    await post_card(people)
    skills = await people.fake.autocomplete(
        "lfg browse", user_id=CAPTAIN, focused="skill", value="p"
    )
    assert [c["value"] for c in skills] == ["python"]
    zones = await people.fake.autocomplete(
        "lfg browse", user_id=CAPTAIN, focused="timezone", value="shang"
    )
    assert zones == [{"name": "Asia/Shanghai (UTC+08:00)", "value": "Asia/Shanghai"}]


async def test_accept_works_on_a_dm_the_bot_posted_before_a_restart(people: Harness):
    """The button is rebuilt from its custom id alone: a DM whose view this process never
    held (as after a restart) still joins the team."""
    await people.services.teams.create(user_id=CAPTAIN, name="Rocket Sellers", track="student")
    await post_card(people)
    invite = await people.services.lfg.invite(captain_id=CAPTAIN, member_id=AGENT)
    fake = people.fake
    channel = fake._dm_channel(AGENT)
    body = {
        "content": "invited before the restart",
        "components": [
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 3,
                        "label": "Accept",
                        "custom_id": f"podium:lfg-invite:accept:{invite.id}",
                    }
                ],
            }
        ],
    }
    message = fake._message_payload(int(channel["id"]), body, author=fake.bot_user)
    fake.messages[int(message["id"])] = message
    pressed = await fake.click(
        f"podium:lfg-invite:accept:{invite.id}",
        user_id=AGENT,
        message_id=int(message["id"]),
        in_dm=True,
    )
    assert "Welcome to **Rocket Sellers**" in pressed.text
    team = await people.services.teams.team_of(AGENT)
    assert team is not None
    assert team.name == "Rocket Sellers"


async def test_a_page_of_the_longest_cards_stays_within_discords_limits(people: Harness):
    await people.services.teams.create(user_id=CAPTAIN, name="Rocket Sellers", track="student")
    for n in range(5):
        user = 300000000000000000 + n
        people.fake.add_member(user, "N" * 32)
        await people.services.members.seen(user_id=user, display_name="_" * 100, locale="en")
        await people.services.lfg.publish(
            user_id=user,
            track="student",
            skills=", ".join(f"{n}{'*' * 29}{k}"[:30] for k in range(6)),
            languages=", ".join("~" * 18 for _ in range(5))[:100],
            timezone="America/Argentina/ComodRivadavia",
            looking_for="<@&1> " + "`" * 294,
        )
    page = await people.fake.invoke(
        "lfg browse", user_id=CAPTAIN, options={"timezone": "UTC-3", "language": "~" * 18}
    )
    assert "page 1 of 1" in page.text
    assert len(page.final_message["embeds"][0]["fields"]) == 5
    assert not people.fake.limit_errors


async def test_a_member_with_closed_dms_answers_through_lfg_invites(people: Harness):
    await people.services.teams.create(user_id=CAPTAIN, name="Rocket Sellers", track="student")
    await post_card(people)
    dm = people.fake._dm_channel(AGENT)
    people.fake.fail(
        "POST",
        f"/channels/{dm['id']}/messages",
        message="Cannot send messages to this user",
        code=50007,
    )
    page = await people.fake.invoke("lfg browse", user_id=CAPTAIN)
    message_id = int(page.response["_message_id"])  # type: ignore[index]
    [invite] = [c for c in custom_ids(people.fake.messages[message_id]) if "invite" in c]
    sent = await people.fake.click(invite, user_id=CAPTAIN, message_id=message_id)
    assert "could not send them a DM" in sent.text
    assert people.fake.dms_to(AGENT) == []
    listed = await people.fake.invoke("lfg invites", user_id=AGENT, locale="zh-CN")
    assert "Rocket Sellers" in listed.text
    assert "通过组队大厅邀请你加入队伍" in listed.text
