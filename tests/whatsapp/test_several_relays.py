"""Several workers' relays on one outbox: two relays draining at once send each row once
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single writer on SQLite), and the rows a
live worker claimed stay with it until its lease is gone, then another relay checks them
against Twilio's list and sends each once."""

from __future__ import annotations

import asyncio
import collections

import pytest

from bot.whatsapp.relay import Relay
from storage.queries import relay as relay_queries
from storage.wakeup import WakeConnection, new_lease_key
from tests.whatsapp.conftest import SENDER, RelayEnv
from tests.whatsapp.test_relay import broadcast


def another_relay(env: RelayEnv, owner: int) -> Relay:
    """A second worker's relay: same database and Twilio account, its own lease key."""
    return Relay(
        outbox=env.services.outbox,
        clock=env.clock,
        competition=env.services.competition,
        client=env.relay.client,
        public_base_url=env.base_url,
        whatsapp_from=SENDER,
        owner=owner,
    )


async def test_two_relays_draining_one_outbox_at_once_send_each_row_once(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    env.fake.set_rate_cap(100_000)
    await env.add_subscribers(120)
    await broadcast(env)
    env.relay.owner = new_lease_key()
    second = another_relay(env, new_lease_key())
    env.relay.batch_size = second.batch_size = 20  # six batches to share

    await asyncio.gather(env.relay.drain(), second.drain())

    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert len(per_number) == 120
    assert set(per_number.values()) == {1}
    assert env.relay.sent > 0
    assert second.sent > 0  # both took part
    assert env.relay.sent + second.sent == 120


async def test_a_live_workers_claims_stay_with_it_and_a_gone_ones_are_sent_once_by_another(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    if env.services.db.is_sqlite:
        pytest.skip("one process per SQLite database: no leases to respect")
    env.fake.set_rate_cap(100_000)
    await env.add_subscribers(60)
    await broadcast(env)
    gone = new_lease_key()
    lease = WakeConnection(
        env.services.db.url, gone, on_wake=lambda _p: None, on_reconnect=lambda: None
    )
    await lease.start()
    try:
        async with env.services.db.write() as conn:
            claimed = await relay_queries.claim_batch(
                conn, now=env.clock.now(), limit=50, owner=gone
            )
        assert len(claimed) == 50
        survivor = another_relay(env, new_lease_key())
        assert await survivor.recover() == 0  # its worker still runs
        await survivor.drain()
        assert len(env.fake.messages) == 10  # only the rows nobody had
        await lease.stop()  # the worker dies with its 50 rows claimed
        assert await survivor.recover() == 50
        await survivor.drain()
    finally:
        await lease.stop()
    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert len(per_number) == 60
    assert set(per_number.values()) == {1}


async def test_a_relay_whose_lease_was_lost_mid_batch_sends_none_of_the_rest_and_hands_it_back(
    relay_env: RelayEnv,
) -> None:
    """A worker's lease lost (its database connection dropped) while it works a batch: the
    rows it claimed may be another worker's by now, so it sends none of the rest and hands
    back those still its own; while the lease is lost it claims nothing; once it holds the
    lease again every number gets the message exactly once."""
    env = relay_env
    env.fake.set_rate_cap(100_000)
    await env.add_subscribers(12)
    await broadcast(env)
    env.relay.owner = new_lease_key()
    env.relay.batch_size = 12
    calls = [0]
    lost: list[bool] = [False]

    def lease() -> int | None:
        if lost[0]:
            return None
        calls[0] += 1
        return 1 if calls[0] <= 5 else 2  # one check before the claim, then four sends

    env.relay.lease = lease
    await env.relay.drain(max_batches=1)
    assert len(env.fake.messages) == 4
    rows = await env.rows()
    assert sorted(r["status"] for r in rows).count("queued") == 8
    assert all(r["lease_key"] is None for r in rows if r["status"] == "queued")
    lost[0] = True
    assert await env.relay.drain() == 0, "no claim while the lease is lost"
    lost[0] = False
    await env.relay.drain()
    per_number = collections.Counter(m.to for m in env.fake.messages)
    assert len(per_number) == 12
    assert set(per_number.values()) == {1}
