"""Several workers on one database (``podium run --only worker``): a job another process
scheduled, moved or cancelled is armed or dropped at the next re-sync; a due job two
workers race for runs once; a running job stays with its worker while that worker's lease
is held and is taken over once it is gone; PostgreSQL wakes workers with NOTIFY; two
workers racing one Discord post claim it once, and a dead one's claim is resumed."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.scheduler import Scheduler
from bot.services.posts import PostService
from storage.engine import Database
from storage.queries import jobs as job_queries
from storage.wakeup import LeaseWatch, WakeConnection, new_lease_key
from tests.unit.test_scheduler import GRACE, make, status_of


async def test_a_worker_arms_a_job_another_process_scheduled_and_drops_one_it_cancelled(
    db: Database, clock: FrozenClock
) -> None:
    gateway, _ = make(db, clock)  # schedules, never started: no timers of its own
    worker, ran = make(db, clock)
    await worker.start()
    try:
        await gateway.schedule("test", "later", clock.now() + dt.timedelta(hours=1))
        assert worker.timer_count == 0  # not yet told
        await worker.resync()
        assert worker.timer_count == 1
        await gateway.cancel("later")
        await worker.resync()
        assert worker.timer_count == 0
    finally:
        await worker.shutdown()
    assert ran == []


async def test_two_workers_told_of_a_due_job_run_it_once(db: Database, clock: FrozenClock) -> None:
    gateway, _ = make(db, clock)
    first, ran_first = make(db, clock)
    second, ran_second = make(db, clock)
    await first.start()
    await second.start()
    await gateway.schedule("test", "now", clock.now())
    await asyncio.gather(first.resync(), second.resync())
    await first.shutdown()  # waits for the fires the re-syncs started
    await second.shutdown()
    assert len(ran_first) + len(ran_second) == 1
    assert await status_of(db, "now") == "done"


async def test_a_job_missed_by_two_workers_is_marked_and_told_once(
    db: Database, clock: FrozenClock
) -> None:
    gateway, _ = make(db, clock)
    await gateway.schedule("test", "old", clock.now())
    clock.advance(GRACE + dt.timedelta(minutes=1))
    told: list[list[str]] = []
    workers = []
    for _ in range(2):
        worker, _ran = make(db, clock)

        async def listener(jobs, told=told) -> None:
            told.append([job.key for job in jobs])

        worker.on_missed(listener)
        workers.append(worker)
    await asyncio.gather(*(worker.start() for worker in workers))
    for worker in workers:
        await worker.shutdown()
    assert told == [["old"]]
    assert await status_of(db, "old") == "missed"


async def _claim_as(db: Database, clock: FrozenClock, key: str, owner: int) -> None:
    async with db.write() as conn:
        row = await job_queries.get_by_key(conn, key)
        assert row is not None
        assert await job_queries.claim(conn, row.id, now=clock.now(), owner=owner)


async def test_a_job_running_in_a_live_worker_stays_with_it_and_is_taken_over_once_it_is_gone(
    db: Database, clock: FrozenClock
) -> None:
    if db.is_sqlite:
        pytest.skip("one process per SQLite database: nothing to share")
    gateway, _ = make(db, clock)
    await gateway.schedule("test", "long", clock.now())
    alive = new_lease_key()
    lease = WakeConnection(db.url, alive, on_wake=lambda _p: None, on_reconnect=lambda: None)
    await lease.start()
    await _claim_as(db, clock, "long", alive)
    worker, ran = make(db, clock)
    try:
        report = await worker.start()
        assert report.fired_late == []
        assert await status_of(db, "long") == "running"
        await lease.stop()  # the worker is gone: PostgreSQL drops its lock
        await worker.resync()
    finally:
        await lease.stop()
        await worker.shutdown()
    assert ran == ["long"]
    assert await status_of(db, "long") == "done"


async def test_a_worker_whose_lease_is_free_only_briefly_keeps_its_job_until_the_grace_ends(
    db: Database, clock: FrozenClock
) -> None:
    """A lease free for a moment (its worker lost its connection and takes the lock again)
    is not a dead worker: its running job is taken over only once the lease has been seen
    free for the whole grace, and seeing it held again starts the grace over."""
    if db.is_sqlite:
        pytest.skip("one process per SQLite database: nothing to share")
    gateway, _ = make(db, clock)
    await gateway.schedule("test", "long", clock.now())
    alive = new_lease_key()
    lease = WakeConnection(db.url, alive, on_wake=lambda _p: None, on_reconnect=lambda: None)
    await lease.start()
    await _claim_as(db, clock, "long", alive)
    seconds = [0.0]
    worker, ran = make(db, clock)
    worker.leases = LeaseWatch(20.0, clock=lambda: seconds[0])
    try:
        await worker.start()
        await lease.stop()  # the connection dropped: the lock is free
        await worker.resync()
        seconds[0] = 10.0
        await worker.resync()
        assert await status_of(db, "long") == "running", "free for less than the grace"
        await lease.start()  # back, the lock taken again
        seconds[0] = 25.0
        await worker.resync()
        await lease.stop()  # dropped again: the grace starts over
        seconds[0] = 30.0
        await worker.resync()
        assert await status_of(db, "long") == "running"
        assert ran == []
        seconds[0] = 50.0
        await worker.resync()
    finally:
        await lease.stop()
        await worker.shutdown()
    assert ran == ["long"]
    assert await status_of(db, "long") == "done"


async def test_on_sqlite_a_job_left_running_by_another_process_is_taken_over_at_start(
    db: Database, clock: FrozenClock
) -> None:
    if not db.is_sqlite:
        pytest.skip("the SQLite rule: the writer lock leaves one process alive")
    gateway, _ = make(db, clock)
    await gateway.schedule("test", "left", clock.now())
    await _claim_as(db, clock, "left", new_lease_key())
    worker, ran = make(db, clock)
    await worker.start()
    await worker.shutdown()
    assert ran == ["left"]


async def test_postgres_wakes_a_listening_worker_when_a_job_is_scheduled_or_a_message_queued(
    db: Database, clock: FrozenClock
) -> None:
    if db.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    async with db.read() as conn:
        schema = await conn.scalar(text("SELECT current_schema()"))
    woken: asyncio.Queue[str] = asyncio.Queue()

    def on_wake(payload: str) -> None:
        if payload.startswith(f"{schema}."):  # other tests share the database
            woken.put_nowait(payload)

    listener = WakeConnection(db.url, new_lease_key(), on_wake=on_wake, on_reconnect=lambda: None)
    await listener.start()
    try:
        scheduler = Scheduler(db, clock, grace=GRACE)
        await scheduler.schedule("test", "wake", clock.now() + dt.timedelta(hours=1))
        assert await asyncio.wait_for(woken.get(), 10) == f"{schema}.jobs"
        async with db.write() as conn:
            await conn.execute(
                text(
                    "INSERT INTO outbox (occurrence_key, kind, language, body, variables,"
                    " status, attempts, next_attempt_at, created_at, updated_at) VALUES"
                    " ('k', 'broadcast', 'en', 'hi', '{}', 'queued', 0, :now, :now, :now)"
                ),
                {"now": clock.now().replace(tzinfo=None)},
            )
        assert await asyncio.wait_for(woken.get(), 10) == f"{schema}.outbox"
        await scheduler.schedule("test", "wake", clock.now() + dt.timedelta(hours=2))  # moved
        assert await asyncio.wait_for(woken.get(), 10) == f"{schema}.jobs"
    finally:
        await listener.stop()


async def test_two_live_workers_racing_one_discord_post_claim_it_once_and_a_gone_ones_is_resumed(
    db: Database, clock: FrozenClock
) -> None:
    if db.is_sqlite:
        pytest.skip("one process per SQLite database: another's claim is a dead one's")
    keys = [new_lease_key(), new_lease_key()]
    leases = [
        WakeConnection(db.url, key, on_wake=lambda _p: None, on_reconnect=lambda: None)
        for key in keys
    ]
    for lease in leases:
        await lease.start()
    first, second = (PostService(db, clock, owner=str(key)) for key in keys)
    try:
        claims = await asyncio.gather(
            *(service.claim("broadcast:7:discord") for service in (first, second, first, second))
        )
        assert sorted(claim.state for claim in claims) == ["busy", "busy", "busy", "new"]
        won = [claim.state for claim in claims].index("new")
        winner = (first, second)[won % 2]
        loser = (first, second)[1 - won % 2]
        await leases[keys.index(int(winner.owner))].stop()  # the winner dies mid-post
        resumed = await loser.claim("broadcast:7:discord")
        assert (resumed.state, resumed.nonce) == ("resume", claims[won].nonce)
    finally:
        for lease in leases:
            await lease.stop()
