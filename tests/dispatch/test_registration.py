"""/register, /profile and /eligibility through the command tree: the modal pages as real
MODAL_SUBMIT payloads, the approval queue's buttons and reason modal, refusals in both
languages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import CompetitionConfig
from bot.mail import SmtpMailer
from storage.schema import eligibility_grants, profile_consents, profiles
from tests.dispatch.conftest import ORGANIZER_ID, PARTICIPANT_ID, Harness
from tests.fakes.discord.fake import wait_for
from tests.registration_support import (
    SmtpServer,
    local_smtp,
    submit_modal,
    with_eligibility,
    with_fields,
)

ANSWERS = {
    "field:full_name": "Pat Participant",
    "field:school": "Tsinghua",
    "field:country": "China",
    "field:level": "master",
}


@pytest.fixture
def competition(competition: CompetitionConfig) -> CompetitionConfig:
    return with_eligibility(competition)


async def _dms(harness: Harness) -> list[dict[str, Any]]:
    """The DMs the bot sent (after its reply: waits for the first one)."""
    fake = harness.fake

    def sent() -> list[dict[str, Any]]:
        return [m for c in fake.dm_channels.values() for m in fake.messages_in(int(c["id"]))]

    await wait_for(lambda: bool(sent()))
    return sent()


def _message_id(result: Any) -> int:
    """The id of the message an interaction's answer posted (to press its buttons)."""
    return int(result.response["_message_id"])


def _inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        item
        for row in modal["components"]
        if row["type"] == 1
        for item in row["components"]
        if item["type"] == 4
    ]


async def test_register_shows_the_consent_and_fields_and_a_submit_saves_them(
    harness: Harness,
) -> None:
    opened = await harness.fake.invoke("register", user_id=PARTICIPANT_ID)
    assert opened.response_type == 9
    modal = opened.response["data"]  # type: ignore[index]
    assert modal["custom_id"] == "podium:register:modal:0"
    assert modal["title"] == "Registration (1 of 1)"
    consent = harness.services.competition.registration.consent.en
    assert any(c["type"] == 10 and consent in c["content"] for c in modal["components"])
    assert [i["label"] for i in _inputs(modal)] == [
        "Full name",
        "School or company",
        "Country or region",
        "Level of study",
    ]

    saved = await submit_modal(
        harness.fake, "podium:register:modal:0", ANSWERS, user_id=PARTICIPANT_ID
    )
    assert saved.ephemeral
    assert "You are registered" in saved.text
    assert "China" in saved.text
    async with harness.services.db.read() as conn:
        row = (await conn.execute(select(profiles))).one()
        consent_row = (await conn.execute(select(profile_consents))).one()
    assert row.answers["country"] == "CN"
    assert row.answers["level"] == "Master"
    assert consent_row.text == consent

    shown = await harness.fake.invoke("profile", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert shown.ephemeral
    assert "中国" in shown.text  # the country in the reader's language
    edit = shown.final_message["components"][0]["components"][0]
    assert edit["custom_id"] == "podium:register:page:0"
    reopened = await harness.fake.click(
        edit["custom_id"], user_id=PARTICIPANT_ID, message_id=_message_id(shown)
    )
    assert reopened.response_type == 9
    defaults = {i["custom_id"]: i.get("value") for i in _inputs(reopened.response["data"])}  # type: ignore[index]
    assert defaults["field:full_name"] == "Pat Participant"


async def test_a_bad_answer_is_refused_in_chinese_and_nothing_is_stored(harness: Harness) -> None:
    opened = await harness.fake.invoke("register", user_id=PARTICIPANT_ID, locale="zh-CN")
    assert opened.response["data"]["title"] == "报名（第 1 页，共 1 页）"  # type: ignore[index]
    refused = await submit_modal(
        harness.fake,
        "podium:register:modal:0",
        {**ANSWERS, "field:country": "Atlantis"},
        user_id=PARTICIPANT_ID,
        locale="zh-CN",
    )
    assert refused.ephemeral
    assert "没有名为 Atlantis 的国家或地区" in refused.text
    async with harness.services.db.read() as conn:
        assert (await conn.execute(select(profiles))).all() == []


async def test_profile_before_registering_says_how_to_register(harness: Harness) -> None:
    result = await harness.fake.invoke("profile", user_id=PARTICIPANT_ID)
    assert result.ephemeral
    assert "You have not registered yet. Use /register." in result.text


class TestTwoPages:
    @pytest.fixture
    def competition(self, competition: CompetitionConfig) -> CompetitionConfig:
        fields = [f.model_dump() for f in competition.registration.fields]
        fields += [{"key": f"extra{n}", "label": {"en": f"Extra {n}"}} for n in range(1, 4)]
        return with_fields(competition, fields)

    async def test_a_continue_button_opens_the_second_page(self, harness: Harness) -> None:
        await harness.fake.invoke("register", user_id=PARTICIPANT_ID)
        first = await submit_modal(
            harness.fake, "podium:register:modal:0", ANSWERS, user_id=PARTICIPANT_ID
        )
        assert "Page 1 of 2 saved" in first.text
        button = first.final_message["components"][0]["components"][0]
        assert (button["custom_id"], button["label"]) == (
            "podium:register:page:1",
            "Continue (2 of 2)",
        )
        second = await harness.fake.click(
            button["custom_id"], user_id=PARTICIPANT_ID, message_id=_message_id(first)
        )
        assert second.response_type == 9
        modal = second.response["data"]  # type: ignore[index]
        assert [i["custom_id"] for i in _inputs(modal)] == [
            "field:extra1",
            "field:extra2",
            "field:extra3",
        ]
        assert not any(c["type"] == 10 for c in modal["components"])  # consent on page 1
        done = await submit_modal(
            harness.fake,
            "podium:register:modal:1",
            {"field:extra1": "a", "field:extra2": "b", "field:extra3": "c"},
            user_id=PARTICIPANT_ID,
        )
        assert "You are registered" in done.text


CARD = {
    "id": "900000000000000001",
    "filename": "student-card.png",
    "size": 4096,
    "url": "https://cdn.example/student-card.png",
    "proxy_url": "https://media.example/student-card.png",
    "content_type": "image/png",
}


async def _proof(harness: Harness, locale: str = "en-US") -> Any:
    return await harness.fake.invoke(
        "eligibility proof",
        user_id=PARTICIPANT_ID,
        options={"track": "student", "file": CARD["id"]},
        attachments=[CARD],
        locale=locale,
    )


async def test_a_proof_is_approved_from_the_queue_and_the_member_gets_a_dm(
    harness: Harness,
) -> None:
    await harness.fake.invoke("admin setup", user_id=ORGANIZER_ID)
    queued = await _proof(harness)
    assert queued.ephemeral
    assert "Proof #1 received for the Student track" in queued.text

    refused = await harness.fake.invoke("eligibility queue", user_id=PARTICIPANT_ID)
    assert "Only organizers can do that" in refused.text
    queue = await harness.fake.invoke("eligibility queue", user_id=ORGANIZER_ID)
    assert queue.ephemeral
    assert "student-card.png" in queue.text
    buttons = [b["custom_id"] for b in queue.final_message["components"][0]["components"]]
    assert buttons == ["podium:eligibility:approve:1", "podium:eligibility:reject:1"]

    posted = _message_id(queue)
    not_allowed = await harness.fake.click(buttons[0], user_id=PARTICIPANT_ID, message_id=posted)
    assert "Only organizers can do that" in not_allowed.text
    approved = await harness.fake.click(buttons[0], user_id=ORGANIZER_ID, message_id=posted)
    assert approved.ephemeral
    assert "Proof #1 approved" in approved.text
    (dm,) = await _dms(harness)
    assert "was approved: you are eligible" in dm["content"]
    async with harness.services.db.read() as conn:
        grant = (await conn.execute(select(eligibility_grants))).one()
    assert (grant.user_id, grant.track, grant.method) == (PARTICIPANT_ID, "student", "proof")

    again = await harness.fake.click(buttons[0], user_id=ORGANIZER_ID, message_id=posted)
    assert "already decided" in again.text
    status = await harness.fake.invoke("eligibility status", user_id=PARTICIPANT_ID)
    assert "Eligible since" in status.text


async def test_a_rejection_asks_the_reason_and_dms_it_in_the_members_language(
    harness: Harness,
) -> None:
    await _proof(harness, locale="zh-CN")
    queue = await harness.fake.invoke("eligibility queue", user_id=ORGANIZER_ID)
    pressed = await harness.fake.click(
        "podium:eligibility:reject:1", user_id=ORGANIZER_ID, message_id=_message_id(queue)
    )
    assert pressed.response_type == 9
    assert pressed.response["data"]["custom_id"] == "podium:eligibility:reason:1"  # type: ignore[index]
    rejected = await submit_modal(
        harness.fake,
        "podium:eligibility:reason:1",
        {"reason": "The card expired in 2024."},
        user_id=ORGANIZER_ID,
    )
    assert "Proof #1 rejected" in rejected.text
    (dm,) = await _dms(harness)
    assert "未通过。理由：The card expired in 2024." in dm["content"]
    async with harness.services.db.read() as conn:
        assert (await conn.execute(select(eligibility_grants))).all() == []


async def test_a_team_of_ineligible_members_is_refused_the_track_in_both_languages(
    harness: Harness,
) -> None:
    english = await harness.fake.invoke(
        "team create", user_id=PARTICIPANT_ID, options={"name": "Scholars", "track": "student"}
    )
    assert english.ephemeral
    assert f"Not eligible yet: <@{PARTICIPANT_ID}>" in english.text
    chinese = await harness.fake.invoke(
        "team create",
        user_id=PARTICIPANT_ID,
        options={"name": "Scholars", "track": "student"},
        locale="zh-CN",
    )
    assert "尚未获得资格" in chinese.text
    assert await harness.services.teams.team_of(PARTICIPANT_ID) is None


async def test_email_without_smtp_says_it_is_not_set_up(harness: Harness) -> None:
    result = await harness.fake.invoke(
        "eligibility email",
        user_id=PARTICIPANT_ID,
        options={"track": "student", "address": "pat@tsinghua.edu.cn"},
    )
    assert result.ephemeral
    assert "E-mail codes are not set up" in result.text


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from local_smtp()


async def test_an_emailed_code_confirmed_in_discord_makes_the_member_eligible(
    harness: Harness, smtp: SmtpServer
) -> None:
    harness.services.eligibility.mailer = SmtpMailer(
        host=smtp.host,
        port=smtp.port,
        sender="podium@example.com",
        competition="Challenge",
        catalogs=harness.bot.catalogs,
        security="none",
    )
    wrong_domain = await harness.fake.invoke(
        "eligibility email",
        user_id=PARTICIPANT_ID,
        options={"track": "student", "address": "pat@gmail.com"},
    )
    assert "is not at an allowed domain" in wrong_domain.text
    sent = await harness.fake.invoke(
        "eligibility email",
        user_id=PARTICIPANT_ID,
        options={"track": "student", "address": "Pat@Tsinghua.edu.cn"},
    )
    assert "A code is on its way to pat@tsinghua.edu.cn" in sent.text
    wrong = "000000" if smtp.inbox.code() != "000000" else "111111"
    refused = await harness.fake.invoke(
        "eligibility confirm", user_id=PARTICIPANT_ID, options={"code": wrong}, locale="zh-CN"
    )
    assert "验证码不正确" in refused.text
    confirmed = await harness.fake.invoke(
        "eligibility confirm", user_id=PARTICIPANT_ID, options={"code": smtp.inbox.code()}
    )
    assert "Confirmed: you are eligible for the Student track." in confirmed.text
