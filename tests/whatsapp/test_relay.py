"""The relay worker against the fake Twilio (SPEC §4)."""

from __future__ import annotations

import collections
import datetime as dt
import json

from sqlalchemy import select, update

from bot.services.outbox.rules import MAX_ATTEMPTS
from storage.queries import relay as relay_queries
from storage.schema import outbox, subscribers
from tests.whatsapp.conftest import SENDER, RelayEnv, phone

TEXTS = {"en": "Round 2 opens tomorrow", "zh_CN": "第二轮明天开始"}


async def broadcast(env: RelayEnv, key: str = "broadcast:1:2026-11-25T06:00:00+00:00") -> int:
    return await env.services.outbox.enqueue(
        occurrence_key=key,
        kind="broadcast",
        texts=TEXTS,
        variables={"en": {"message": TEXTS["en"]}, "zh_CN": {"message": TEXTS["zh_CN"]}},
    )


async def test_a_thousand_subscribers_get_the_broadcast_exactly_once_despite_429_and_500(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    env.fake.fault_rate = 0.10
    # A sender whose throughput was raised to the relay's rate, so the faults are the
    # subject here; a sender slower than the relay is the next test's.
    env.fake.set_rate_cap(2000)
    await env.add_subscribers(1000)
    assert await broadcast(env) == 1000

    await env.drain_all()

    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert len(per_number) == 1000
    assert set(per_number.values()) == {1}
    faults = [r for r in env.fake.requests if r.status in (429, 500)]
    assert len(faults) > 50  # the faults really happened and were retried
    rows = await env.rows()
    assert {r["status"] for r in rows} == {"delivered"}
    assert len({r["twilio_sid"] for r in rows}) == 1000
    assert env.fake.violations_63016 == 0


async def test_a_broadcast_beyond_the_senders_rate_cap_is_throttled_then_sent_exactly_once(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    # Twilio answers 429 / 20429 above the sender's throughput; the relay is configured
    # faster. 50 rows at 5 per (frozen) second: the last ones see 429 ten times over.
    env.fake.set_rate_cap(5)
    await env.add_subscribers(50)
    await broadcast(env)

    await env.drain_all()

    throttled = [r for r in env.fake.requests if r.error_code == 20429]
    assert len(throttled) > 50 * MAX_ATTEMPTS // 2
    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert len(per_number) == 50
    assert set(per_number.values()) == {1}
    rows = await env.rows()
    assert {r["status"] for r in rows} == {"delivered"}
    assert max(r["attempts"] for r in rows) > MAX_ATTEMPTS


async def test_templates_outside_the_window_freeform_inside_and_never_63016(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(3)
    # 2 writes now, 1 writes 23h50m later; then the broadcast goes out. 2 is still inside
    # Twilio's window, but too close to its end for a message that may wait in a queue.
    await env.fake.send_inbound(env.inbound_url, from_=phone(2), body="hello")
    env.clock.advance(dt.timedelta(hours=23, minutes=50))
    status, _ = await env.fake.send_inbound(env.inbound_url, from_=phone(1), body="hi")
    assert status == 200
    await broadcast(env)

    await env.drain_all()

    by_to = {m.to: m for m in env.fake.messages}
    fresh, old, never = (by_to["whatsapp:" + phone(n)] for n in (1, 2, 3))
    assert fresh.content_sid is None
    assert fresh.body == TEXTS["en"]
    assert old.content_sid == "HX00000000000000000000000000000003"
    assert never.content_sid == "HX00000000000000000000000000000003"
    assert json.loads(never.content_variables or "{}") == {"1": TEXTS["en"]}
    assert env.fake.violations_63016 == 0
    modes = sorted(r["mode"] for r in await env.rows())
    assert modes == ["freeform", "template", "template"]


async def test_errors_that_cannot_succeed_fail_at_once_with_their_code(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(3)
    env.fake.set_number_error(phone(1), 21610)
    env.fake.set_number_error(phone(2), 63003, on_delivery=True)
    await broadcast(env)

    await env.drain_all()

    rows = {r["subscriber_id"]: r for r in await env.rows()}
    statuses = sorted((r["status"], r["error_code"], r["attempts"]) for r in rows.values())
    assert statuses == [("delivered", None, 1), ("failed", 21610, 1), ("failed", 63003, 1)]
    creates = [r for r in env.fake.requests if r.method == "POST"]
    assert len(creates) == 3


async def test_a_row_that_keeps_failing_ends_failed_with_the_last_code(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    env.fake.inject_faults([503] * MAX_ATTEMPTS)
    await broadcast(env)

    await env.drain_all()

    (row,) = await env.rows()
    assert (row["status"], row["error_code"], row["attempts"]) == ("failed", 20503, MAX_ATTEMPTS)
    assert env.fake.messages == []


async def test_timeout_after_twilio_accepted_is_reconciled_not_resent(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(2)
    env.fake.inject_hangs(1, accept=True)
    await broadcast(env)

    await env.drain_all()
    env.fake.release_hangs()

    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert sorted(per_number.values()) == [1, 1]
    rows = await env.rows()
    assert {r["status"] for r in rows} == {"delivered"}
    assert {r["twilio_sid"] for r in rows} == {m.sid for m in env.fake.messages}


async def test_timeout_before_any_callback_is_checked_against_twilios_list(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    env.fake.callback_delay = 3.0  # longer than the client's 2 s timeout
    await env.add_subscribers(1)
    env.fake.inject_hangs(1, accept=True)
    await broadcast(env)

    await env.drain_all()
    env.fake.release_hangs()
    await env.fake.flush_callbacks()

    assert len(env.fake.messages) == 1
    assert any(r.method == "GET" for r in env.fake.requests)  # the list was consulted
    (row,) = await env.rows()
    assert (row["twilio_sid"], row["status"]) == (env.fake.messages[0].sid, "delivered")


async def test_rows_left_sending_by_a_crash_are_checked_before_any_resend(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(2)
    await broadcast(env)
    async with env.services.db.write() as conn:
        claimed = await relay_queries.claim_batch(conn, now=env.clock.now(), limit=10)
    assert len(claimed) == 2
    # The crashed process got subscriber 1's message through before dying: the very
    # message the relay sends outside the window (its template, its variables).
    delivered = await env.relay.client.messages.create_async(
        to="whatsapp:" + phone(1),
        from_=SENDER,
        content_sid="HX00000000000000000000000000000003",
        content_variables=json.dumps({"1": TEXTS["en"]}),
    )

    assert await env.relay.recover() == 2
    await env.drain_all()

    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert per_number == {"whatsapp:" + phone(1): 1, "whatsapp:" + phone(2): 1}
    rows = {r["subscriber_id"]: r for r in await env.rows()}
    sids = {r["twilio_sid"] for r in rows.values()}
    assert delivered.sid in sids


async def test_stop_mid_broadcast_stops_the_rest_for_that_number(relay_env: RelayEnv) -> None:
    env = relay_env
    await env.add_subscribers(3)
    for week in range(3):
        await broadcast(env, key=f"broadcast:1:week{week}")
    env.relay.batch_size = 3  # one occurrence per batch
    await env.relay.drain(max_batches=1)
    await env.fake.flush_callbacks()

    status, reply = await env.fake.send_inbound(env.inbound_url, from_=phone(2), body="STOP")

    assert status == 200
    assert "unsubscribed" in reply
    await env.drain_all()
    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert per_number["whatsapp:" + phone(1)] == 3
    assert per_number["whatsapp:" + phone(3)] == 3
    assert per_number["whatsapp:" + phone(2)] == 1
    async with env.services.db.read() as conn:
        opted = (
            await conn.execute(
                select(subscribers.c.opted_out_at).where(subscribers.c.phone_e164 == phone(2))
            )
        ).scalar_one()
    assert opted is not None
    cancelled = [r for r in await env.rows() if r["status"] == "cancelled"]
    assert len(cancelled) == 2


async def test_statuses_whose_callbacks_were_lost_are_fetched_from_twilio(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(2)
    await broadcast(env)
    await env.drain_all()
    # As if both callbacks had gone to a process that was down.
    async with env.services.db.write() as conn:
        await conn.execute(update(outbox).values(status="accepted", status_at=env.clock.now()))
    env.clock.advance(dt.timedelta(minutes=11))

    assert await env.relay.refresh_stale() == 2

    assert {r["status"] for r in await env.rows()} == {"delivered"}
    assert await env.relay.refresh_stale() == 0
