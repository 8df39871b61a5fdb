"""After a crash, a row counts as sent only on a message provably its own; every message
Podium sends, verification codes included, goes through the outbox (issue 13 defect 4)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from storage.queries import relay as relay_queries
from storage.schema import outbox
from tests.whatsapp.conftest import SENDER, RelayEnv, phone
from tests.whatsapp.test_linking import NUMBER, start
from tests.whatsapp.test_relay import TEXTS, broadcast


async def crash_with_rows_claimed(env: RelayEnv) -> None:
    """A process claims the due rows, then dies before any create call."""
    async with env.services.db.write() as conn:
        assert await relay_queries.claim_batch(conn, now=env.clock.now(), limit=50)


def broadcasts_to(env: RelayEnv, number: str) -> list[str]:
    return [m.sid for m in env.fake.messages_to(number) if TEXTS["en"] in (m.body or "")]


async def test_verification_codes_are_outbox_rows_with_their_twilio_sid(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await start(env, user_id=7, number=NUMBER)
    await env.fake.flush_callbacks()

    async with env.services.db.read() as conn:
        (row,) = (await conn.execute(select(outbox))).all()
    (sent,) = env.fake.messages_to(NUMBER)
    assert (row.kind, row.subscriber_id, row.twilio_sid) == ("verification", None, sent.sid)
    assert row.status == "delivered"


async def test_a_verification_code_is_not_taken_for_a_broadcast_after_a_crash(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    code, _ = await start(env, user_id=7, number=NUMBER)
    await env.services.whatsapp.verify(user_id=7, code=code)
    await broadcast(env)
    await crash_with_rows_claimed(env)
    # The member asks for a new code just then: it reaches the number after the claim.
    await start(env, user_id=7, number=NUMBER)

    assert await env.relay.recover() == 1
    await env.drain_all()

    assert len(broadcasts_to(env, NUMBER)) == 1
    async with env.services.db.read() as conn:
        rows = {r.kind: r for r in await conn.execute(select(outbox))}
    assert rows["broadcast"].twilio_sid == broadcasts_to(env, NUMBER)[0]


async def test_the_same_text_sent_before_the_claim_is_not_taken_for_the_row(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    await env.fake.send_inbound(env.inbound_url, from_=phone(1), body="hi")  # window open
    await broadcast(env)
    # Someone sent the very same text from the console a second before the relay claimed.
    elsewhere = await env.relay.client.messages.create_async(
        to="whatsapp:" + phone(1), from_=SENDER, body=TEXTS["en"]
    )
    env.clock.advance(dt.timedelta(seconds=1))
    await crash_with_rows_claimed(env)

    assert await env.relay.recover() == 1
    await env.drain_all()

    ours = [m for m in env.fake.messages_to(phone(1)) if m.sid != elsewhere.sid]
    assert [m.body for m in ours] == [TEXTS["en"]]
    (row,) = await env.rows()
    assert row["twilio_sid"] == ours[0].sid


async def test_a_template_message_with_other_variables_is_not_taken_for_the_row(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    await broadcast(env)
    await crash_with_rows_claimed(env)
    # The crashed process had sent another broadcast's text with the same template.
    other = await env.relay.client.messages.create_async(
        to="whatsapp:" + phone(1),
        from_=SENDER,
        content_sid="HX00000000000000000000000000000003",
        content_variables=json.dumps({"1": "Round 3 opens next week"}),
    )

    assert await env.relay.recover() == 1
    await env.drain_all()

    (row,) = await env.rows()
    assert row["twilio_sid"] != other.sid
    assert len(broadcasts_to(env, phone(1))) == 1
