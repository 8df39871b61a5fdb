"""/whatsapp through discord.py's command tree (real payloads, fake Discord)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.whatsapp import WhatsAppSetup
from storage.schema import subscribers, verification_codes
from tests.dispatch.conftest import PARTICIPANT_ID, Harness

#: WhatsApp on, with no relay in this process: codes are not queued.
LINKING_ON = pytest.mark.parametrize(
    "whatsapp_setup", [WhatsAppSetup(bot_number="+14155238886", send_codes=False)], ids=["on"]
)


@LINKING_ON
async def test_link_shows_consent_the_full_number_to_its_owner_and_the_wa_me_link(
    harness: Harness,
) -> None:
    result = await harness.fake.invoke(
        "whatsapp link", user_id=PARTICIPANT_ID, options={"phone": "+86 138 1234 5678"}
    )
    assert result.ephemeral
    assert "you agree to receive" in result.text
    assert "+8613812345678" in result.text  # the owner sees their own number
    assert "https://wa.me/14155238886?text=LINK%20" in result.text
    assert "No code could be sent" in result.text
    async with harness.services.db.read() as conn:
        row = (await conn.execute(select(verification_codes))).one()
    assert row.user_id == PARTICIPANT_ID
    assert "you agree to receive" in row.consent_text


@LINKING_ON
async def test_link_with_an_invalid_number_says_how_to_write_it_and_stores_nothing(
    harness: Harness,
) -> None:
    result = await harness.fake.invoke(
        "whatsapp link", user_id=PARTICIPANT_ID, options={"phone": "12345"}
    )
    assert result.ephemeral
    assert "not a valid phone number" in result.text
    async with harness.services.db.read() as conn:
        assert (await conn.execute(select(verification_codes))).all() == []


async def test_link_without_twilio_configured_says_whatsapp_is_not_set_up(harness: Harness) -> None:
    result = await harness.fake.invoke(
        "whatsapp link", user_id=PARTICIPANT_ID, options={"phone": "+8613812345678"}
    )
    assert "WhatsApp is not set up" in result.text


async def test_verify_without_a_pending_code_and_unlink_without_a_number_explain(
    harness: Harness,
) -> None:
    verify = await harness.fake.invoke(
        "whatsapp verify", user_id=PARTICIPANT_ID, options={"code": "123456"}
    )
    unlink = await harness.fake.invoke("whatsapp unlink", user_id=PARTICIPANT_ID)
    language = await harness.fake.invoke(
        "whatsapp language", user_id=PARTICIPANT_ID, options={"language": "zh_CN"}
    )
    assert verify.ephemeral
    assert "no code waiting" in verify.text
    assert unlink.ephemeral
    assert "no WhatsApp number linked" in unlink.text
    assert "no WhatsApp number linked" in language.text
    async with harness.services.db.read() as conn:
        assert (await conn.execute(select(subscribers))).all() == []


async def test_verify_without_a_code_answers_in_simplified_chinese_for_a_chinese_client(
    harness: Harness,
) -> None:
    result = await harness.fake.invoke(
        "whatsapp verify", user_id=PARTICIPANT_ID, options={"code": "123456"}, locale="zh-CN"
    )
    assert result.ephemeral
    assert "没有待验证的验证码" in result.text
