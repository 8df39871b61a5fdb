"""Consent comes from the database alone, through the real path: a signed webhook to the
production routes, then a broadcast, then the relay (issue 13 defects 2 and 3, issue 19).

Opt-out has three protections, and each test here fails when its own one is removed:
STOP cancels queued rows; the relay's claim skips opted-out numbers; a row already
claimed when STOP arrives is checked against the database just before it is sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from storage.queries import relay as relay_queries
from storage.schema import consent_records, outbox, subscribers, webhook_receipts
from tests.fakes.discord import wait_for
from tests.whatsapp.conftest import RelayEnv, phone
from tests.whatsapp.test_linking import NUMBER, start
from tests.whatsapp.test_relay import TEXTS, broadcast


async def stop(env: RelayEnv, n: int, body: str = "STOP") -> str:
    """``phone(n)`` writes ``body`` through a signed inbound webhook; returns its SID."""
    status, _ = await env.fake.send_inbound(env.inbound_url, from_=phone(n), body=body)
    assert status == 200
    return env.fake.inbound[-1].sid


async def statuses_of(env: RelayEnv, subscriber_id: int) -> list[str]:
    return [r["status"] for r in await env.rows() if r["subscriber_id"] == subscriber_id]


def sent_to(env: RelayEnv, n: int) -> list[str]:
    """Bodies (or template variables) of the messages the fake got for ``phone(n)``."""
    return [m.body or m.content_variables or "" for m in env.fake.messages_to(phone(n))]


# -- the three opt-out protections ----------------------------------------------------------


async def test_stop_cancels_the_numbers_queued_rows_at_once(relay_env: RelayEnv) -> None:
    env = relay_env
    ids = await env.add_subscribers(2)
    await broadcast(env, key="broadcast:1:a")
    await broadcast(env, key="broadcast:1:b")

    await stop(env, 1)

    # Before the relay runs at all, the STOP itself cancelled both of its rows.
    assert await statuses_of(env, ids[0]) == ["cancelled", "cancelled"]
    assert await statuses_of(env, ids[1]) == ["queued", "queued"]
    await env.drain_all()
    assert env.fake.messages_to(phone(1)) == []
    assert len(env.fake.messages_to(phone(2))) == 2


async def test_the_relays_claim_skips_a_number_that_opted_out(relay_env: RelayEnv) -> None:
    env = relay_env
    ids = await env.add_subscribers(1)
    await broadcast(env)
    # A process claims the row and dies before sending; STOP arrives while it is down
    # (it cancels queued rows only, and this one is `sending`); the restart requeues it.
    async with env.services.db.write() as conn:
        assert len(await relay_queries.claim_batch(conn, now=env.clock.now(), limit=10)) == 1
    await stop(env, 1)
    assert await env.relay.recover() == 1
    requests_before = len(env.fake.requests)

    handled = await env.relay.drain()

    # The claim cancelled it: not handed to the sender, no attempt counted, no Twilio
    # request at all (not even the list a requeued row is checked against).
    assert handled == 0
    (row,) = await env.rows()
    assert (row["subscriber_id"], row["status"], row["attempts"]) == (ids[0], "cancelled", 1)
    assert env.fake.requests[requests_before:] == []
    assert env.fake.messages_to(phone(1)) == []


@pytest.mark.parametrize(("relay_concurrency", "twilio_timeout"), [(1, 60.0)])
async def test_a_row_already_claimed_when_stop_arrives_is_not_sent(relay_env: RelayEnv) -> None:
    env = relay_env
    ids = await env.add_subscribers(2)
    await broadcast(env)
    # One send at a time: phone 1's create call hangs in Twilio while phone 2's row,
    # claimed in the same batch, waits its turn.
    env.fake.inject_hangs(1, accept=True)
    sending = asyncio.create_task(env.relay.drain(max_batches=1))
    await wait_for(lambda: any(r.status == 0 for r in env.fake.requests), timeout=30)
    assert await statuses_of(env, ids[1]) == ["sending"]

    await stop(env, 2)
    env.fake.release_hangs()
    await sending

    assert [m.to for m in env.fake.messages] == ["whatsapp:" + phone(1)]
    assert await statuses_of(env, ids[1]) == ["cancelled"]


# -- START resumes delivery (defect 2) ---------------------------------------------------------


async def test_start_after_stop_resumes_delivery_without_a_restart(relay_env: RelayEnv) -> None:
    env = relay_env
    ids = await env.add_subscribers(1)
    await broadcast(env, key="broadcast:1:before")
    await env.drain_all()

    await stop(env, 1)
    await broadcast(env, key="broadcast:1:while-stopped")  # not queued: opted out
    await stop(env, 1, "START")
    await broadcast(env, key="broadcast:1:after")
    await env.drain_all()

    assert len(env.fake.messages_to(phone(1))) == 2
    assert await statuses_of(env, ids[0]) == ["delivered", "delivered"]


async def link(env: RelayEnv, user_id: int = 7) -> None:
    code, _ = await start(env, user_id=user_id, number=NUMBER)
    await env.services.whatsapp.verify(user_id=user_id, code=code)


def broadcasts_to(env: RelayEnv, number: str) -> list[str]:
    return [m.sid for m in env.fake.messages_to(number) if TEXTS["en"] in (m.body or "")]


async def test_unlink_then_link_again_resumes_delivery(relay_env: RelayEnv) -> None:
    env = relay_env
    await link(env)
    await env.services.whatsapp.unlink(user_id=7)
    await link(env)

    await broadcast(env)
    await env.drain_all()

    assert len(broadcasts_to(env, NUMBER)) == 1


async def test_erasing_ones_data_then_linking_again_resumes_delivery(relay_env: RelayEnv) -> None:
    env = relay_env
    await link(env)
    await env.services.privacy.delete(7, actor_id=7)
    await link(env)

    await broadcast(env)
    await env.drain_all()

    assert len(broadcasts_to(env, NUMBER)) == 1


# -- replayed and outdated webhooks (defect 3) ------------------------------------------------


async def consent_actions(env: RelayEnv) -> list[str]:
    async with env.services.db.read() as conn:
        rows = await conn.execute(select(consent_records.c.action).order_by(consent_records.c.id))
        return [r.action for r in rows]


async def opted_out(env: RelayEnv, n: int) -> bool:
    async with env.services.db.read() as conn:
        value = (
            await conn.execute(
                select(subscribers.c.opted_out_at).where(subscribers.c.phone_e164 == phone(n))
            )
        ).scalar_one()
    return value is not None


async def test_a_replayed_stop_after_start_changes_nothing_and_records_nothing(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    stop_sid = await stop(env, 1)
    await stop(env, 1, "START")
    assert await consent_actions(env) == ["opt_out", "resubscribe"]

    status, reply = await env.replay_inbound(stop_sid)
    again = await env.replay_inbound(stop_sid)

    assert (status, again[0]) == (200, 200)
    assert "<Message>" not in reply  # no second reply message either
    assert not await opted_out(env, 1)
    assert await consent_actions(env) == ["opt_out", "resubscribe"]
    await broadcast(env)
    await env.drain_all()
    assert len(env.fake.messages_to(phone(1))) == 1


async def test_a_stop_received_before_the_last_consent_change_changes_nothing(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    await stop(env, 1)
    later = env.clock.now() + dt.timedelta(seconds=5)
    env.clock.set(later)
    await stop(env, 1, "START")
    # A STOP that reached Podium before that START (its SID first seen then) but is
    # applied only now, e.g. it waited for the writer behind the START.
    env.clock.set(later - dt.timedelta(seconds=1))

    status, reply = await env.fake.send_inbound(env.inbound_url, from_=phone(1), body="STOP")

    assert status == 200
    assert "<Message>" not in reply
    assert not await opted_out(env, 1)
    assert await consent_actions(env) == ["opt_out", "resubscribe"]


async def test_replayed_status_callbacks_apply_once_and_never_move_a_status_back(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    env.fake.callback_statuses = ("sent", "delivered")
    await env.add_subscribers(1)
    await broadcast(env)
    await env.drain_all()
    (row,) = await env.rows()
    assert row["status"] == "delivered"
    callbacks = {c.params["MessageStatus"]: c for c in env.fake.callback_log}

    for name in ("sent", "delivered", "sent"):
        status, _ = await env.post_signed(callbacks[name].url, callbacks[name].params)
        assert status == 204

    (after,) = await env.rows()
    assert (after["status"], after["status_at"]) == ("delivered", row["status_at"])
    async with env.services.db.read() as conn:
        receipts = (
            await conn.execute(
                select(webhook_receipts.c.key).where(webhook_receipts.c.kind == "status")
            )
        ).all()
    assert sorted(r.key for r in receipts) == sorted(
        f"{row['twilio_sid']}:{name}" for name in ("sent", "delivered")
    )


async def test_a_replayed_inbound_message_does_not_move_the_24_hour_window(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    sid = await stop(env, 1, "hello")
    opened = env.clock.now()
    env.clock.advance(dt.timedelta(hours=23, minutes=50))

    await env.replay_inbound(sid)

    async with env.services.db.read() as conn:
        window = (await conn.execute(select(subscribers.c.last_inbound_at))).scalar_one()
        receipts = (
            await conn.execute(select(func.count()).select_from(webhook_receipts))
        ).scalar_one()
    assert (window, receipts) == (opened, 1)
    await broadcast(env)
    await env.drain_all()
    (message,) = env.fake.messages_to(phone(1))
    assert message.content_sid is not None  # outside the window: the template
    async with env.services.db.read() as conn:
        assert (await conn.execute(select(outbox.c.mode))).scalar_one() == "template"
