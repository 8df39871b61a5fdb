"""Linking a number: codes (hashed, 10 minutes, 5 attempts), consent, LINK from the number."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.whatsapp import (
    CodeExpired,
    InvalidPhone,
    NoPendingCode,
    NotLinked,
    PhoneTaken,
    TooManyAttempts,
    WhatsAppDisabled,
    WrongCode,
)
from storage.schema import consent_records, outbox, subscribers, verification_codes
from tests.whatsapp.conftest import RelayEnv
from tests.whatsapp.test_relay import broadcast

NUMBER = "+8613812345678"
CONSENT = "I agree to WhatsApp messages"


async def start(env: RelayEnv, user_id: int = 7, number: str = NUMBER) -> tuple[str, str]:
    """Start linking; returns (code sent to the number, code for the wa.me link)."""
    started = await env.services.whatsapp.start_link(
        user_id=user_id, phone=number, language="en", consent_text=CONSENT
    )
    assert started.code_sent
    await env.relay.drain()  # the code goes out through the outbox, like every message
    sent = env.fake.messages_to(number)[-1]
    assert sent.content_sid == "HX00000000000000000000000000000007"  # verification template
    code = json.loads(sent.content_variables or "{}")["1"]
    return code, started.link_code


async def test_code_sent_with_the_verification_template_links_the_number_with_consent(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    code, _ = await start(env)
    async with env.services.db.read() as conn:
        stored = (await conn.execute(select(verification_codes))).one()
    assert code not in (stored.code_hash + stored.link_hash)  # hashed at rest
    assert env.fake.violations_63016 == 0

    linked = await env.services.whatsapp.verify(user_id=7, code=code)

    assert linked.phone_e164 == NUMBER
    assert linked.masked == "+86 •••••••5678"
    async with env.services.db.read() as conn:
        sub = (await conn.execute(select(subscribers))).one()
        consent = (await conn.execute(select(consent_records))).one()
        assert (await conn.execute(select(verification_codes))).all() == []
    assert (sub.user_id, sub.consent_source, sub.consent_text) == (7, "discord_code", CONSENT)
    assert (consent.action, consent.source, consent.wording) == ("opt_in", "discord_code", CONSENT)


async def test_wrong_codes_count_down_and_the_fifth_ends_the_attempt(relay_env: RelayEnv) -> None:
    env = relay_env
    code = (await start(env))[0]
    wrong = "000000" if code != "000000" else "111111"
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongCode) as caught:
            await env.services.whatsapp.verify(user_id=7, code=wrong)
        assert caught.value.params == {"remaining": remaining}
    with pytest.raises(TooManyAttempts):
        await env.services.whatsapp.verify(user_id=7, code=wrong)
    with pytest.raises(NoPendingCode):
        await env.services.whatsapp.verify(user_id=7, code=code)


async def test_codes_expire_after_ten_minutes(relay_env: RelayEnv) -> None:
    env = relay_env
    code = (await start(env))[0]
    env.clock.advance(dt.timedelta(minutes=10))
    with pytest.raises(CodeExpired):
        await env.services.whatsapp.verify(user_id=7, code=code)


async def test_link_message_from_the_number_links_it_and_opens_the_window(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    _, link_code = await start(env)

    other = await env.fake.send_inbound(
        env.inbound_url, from_="+8613800000000", body=f"LINK {link_code}"
    )
    status, reply = await env.fake.send_inbound(
        env.inbound_url, from_=NUMBER, body=f"link {link_code}"
    )

    assert "not valid" in other[1]
    assert status == 200
    assert "linked" in reply
    async with env.services.db.read() as conn:
        sub = (await conn.execute(select(subscribers))).one()
    assert (sub.user_id, sub.consent_source) == (7, "whatsapp_link")
    assert sub.last_inbound_at == env.clock.now()
    # Its window is open, so the next broadcast goes out as freeform text.
    await broadcast(env)
    await env.drain_all()
    assert env.fake.messages_to(NUMBER)[-1].content_sid is None
    assert env.fake.violations_63016 == 0


async def test_a_number_linked_by_someone_else_cannot_be_taken(relay_env: RelayEnv) -> None:
    env = relay_env
    code = (await start(env, user_id=7))[0]
    await env.services.whatsapp.verify(user_id=7, code=code)
    with pytest.raises(PhoneTaken):
        await env.services.whatsapp.start_link(
            user_id=8, phone=NUMBER, language="en", consent_text=CONSENT
        )


@pytest.mark.parametrize("raw", ["13812345678", "+86 123", "call me", "+999999999999"])
async def test_invalid_numbers_are_refused(relay_env: RelayEnv, raw: str) -> None:
    with pytest.raises(InvalidPhone):
        await relay_env.services.whatsapp.start_link(
            user_id=7, phone=raw, language="en", consent_text=CONSENT
        )


async def test_linking_without_twilio_configured_is_refused(services) -> None:
    with pytest.raises(WhatsAppDisabled):
        await services.whatsapp.start_link(
            user_id=7, phone=NUMBER, language="en", consent_text=CONSENT
        )


async def test_unlink_cancels_pending_messages_and_language_changes(relay_env: RelayEnv) -> None:
    env = relay_env
    code = (await start(env))[0]
    await env.services.whatsapp.verify(user_id=7, code=code)
    changed = await env.services.whatsapp.set_language(user_id=7, language="zh-CN")
    assert changed.language == "zh_CN"
    await broadcast(env)

    gone = await env.services.whatsapp.unlink(user_id=7)

    assert gone.phone_e164 == NUMBER
    async with env.services.db.read() as conn:
        statuses = [
            r.status
            for r in await conn.execute(select(outbox.c.status).where(outbox.c.kind == "broadcast"))
        ]
        actions = [r.action for r in await conn.execute(select(consent_records.c.action))]
    assert statuses == ["cancelled"]
    assert actions == ["opt_in", "unlink"]
    with pytest.raises(NotLinked):
        await env.services.whatsapp.unlink(user_id=7)
    await env.drain_all()
    assert len(env.fake.messages_to(NUMBER)) == 1  # only the verification code


async def test_codes_are_hashed_in_a_worker_thread_and_never_while_the_writer_is_held(
    relay_env: RelayEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scrypt (tens of ms each) must neither block the event loop nor hold SQLite's one
    writer: every hash of start_link, verify and a LINK message runs outside both."""
    from contextlib import asynccontextmanager

    import bot.services.whatsapp.service as whatsapp_service

    env = relay_env
    db = env.services.db
    loop_thread = threading.get_ident()
    # Per task (asyncio.to_thread carries the caller's context into the thread), so the
    # relay's own writes in the background do not count.
    writing: contextvars.ContextVar[bool] = contextvars.ContextVar("writing", default=False)
    calls: list[tuple[bool, bool]] = []  # (on the loop's thread, inside a write)
    real_hash, real_write = whatsapp_service._hash, db.write

    def spy_hash(code: str, salt: str) -> str:
        calls.append((threading.get_ident() == loop_thread, writing.get()))
        return real_hash(code, salt)

    @asynccontextmanager
    async def spy_write() -> AsyncIterator[Any]:
        async with real_write() as conn:
            token = writing.set(True)
            try:
                yield conn
            finally:
                writing.reset(token)

    monkeypatch.setattr(whatsapp_service, "_hash", spy_hash)
    monkeypatch.setattr(db, "write", spy_write)

    code, _ = await start(env)  # two hashes: the code and the link code
    with pytest.raises(WrongCode):
        await env.services.whatsapp.verify(user_id=7, code="000000" if code != "000000" else "1")
    await env.services.whatsapp.verify(user_id=7, code=code)
    _, link_code = await start(env, user_id=8, number="+8613900000000")
    await env.fake.send_inbound(env.inbound_url, from_="+8613900000000", body=f"LINK {link_code}")

    assert len(calls) == 7  # 2 + wrong + right + 2 + the LINK message's check
    assert calls == [(False, False)] * 7
