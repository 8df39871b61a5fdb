import asyncio
import datetime as dt

from bot.clock import FrozenClock
from bot.scheduler import Scheduler
from storage.engine import Database
from storage.queries import jobs as job_queries

GRACE = dt.timedelta(minutes=15)


def make(db: Database, clock: FrozenClock) -> tuple[Scheduler, list[str]]:
    scheduler = Scheduler(db, clock, grace=GRACE)
    ran: list[str] = []

    async def handler(job):
        ran.append(job.key)

    scheduler.register("test", handler)
    return scheduler, ran


async def status_of(db: Database, key: str) -> str:
    async with db.read() as conn:
        row = await job_queries.get_by_key(conn, key)
    assert row is not None
    return row.status


async def test_a_due_job_runs_once_and_is_marked_done(db, clock):
    scheduler, ran = make(db, clock)
    await scheduler.schedule("test", "a", clock.now() + dt.timedelta(minutes=5))
    assert await scheduler.run_due() == []
    clock.advance(dt.timedelta(minutes=5))
    assert await scheduler.run_due() == ["done"]
    assert await scheduler.run_due() == []
    assert ran == ["a"]
    assert await status_of(db, "a") == "done"


async def test_two_simultaneous_fires_of_one_job_run_it_once(db, clock):
    scheduler, ran = make(db, clock)
    row = await scheduler.schedule("test", "race", clock.now())
    outcomes = await asyncio.gather(*(scheduler.fire(row.id) for _ in range(5)))
    assert sorted(outcomes) == ["done", "skipped", "skipped", "skipped", "skipped"]
    assert ran == ["race"]


async def test_two_schedulers_on_one_database_never_run_a_job_twice(db, clock):
    first, ran_first = make(db, clock)
    second, ran_second = make(db, clock)
    row = await first.schedule("test", "shared", clock.now())
    await asyncio.gather(first.fire(row.id), second.fire(row.id))
    assert len(ran_first) + len(ran_second) == 1


async def test_scheduling_a_pending_key_again_moves_it_and_a_done_key_stays_done(db, clock):
    scheduler, ran = make(db, clock)
    await scheduler.schedule("test", "k", clock.now() + dt.timedelta(hours=1))
    moved = await scheduler.schedule("test", "k", clock.now() + dt.timedelta(hours=2))
    assert moved.run_at == clock.now() + dt.timedelta(hours=2)
    clock.advance(dt.timedelta(hours=2))
    await scheduler.run_due()
    again = await scheduler.schedule("test", "k", clock.now() + dt.timedelta(hours=1))
    assert again.status == "done"
    clock.advance(dt.timedelta(hours=1))
    assert await scheduler.run_due() == []
    assert ran == ["k"]


async def test_cancelled_job_never_runs(db, clock):
    scheduler, ran = make(db, clock)
    await scheduler.schedule("test", "c", clock.now() + dt.timedelta(minutes=1))
    assert await scheduler.cancel("c") is True
    assert await scheduler.cancel("c") is False
    clock.advance(dt.timedelta(minutes=2))
    assert await scheduler.run_due() == []
    assert ran == []
    assert await status_of(db, "c") == "cancelled"


async def test_a_failing_handler_marks_the_job_failed_with_the_error(db, clock):
    scheduler = Scheduler(db, clock, grace=GRACE)

    async def broken(job):
        raise RuntimeError("discord is down")

    scheduler.register("broken", broken)
    row = await scheduler.schedule("broken", "b", clock.now())
    assert await scheduler.fire(row.id) == "failed"
    async with db.read() as conn:
        stored = await job_queries.get(conn, row.id)
    assert stored is not None
    assert stored.status == "failed"
    assert stored.last_error == "RuntimeError: discord is down"


async def test_start_rebuilds_future_jobs_fires_late_ones_in_grace_and_marks_older_missed(
    db, clock
):
    writer, _ = make(db, clock)
    start = clock.now()
    await writer.schedule("test", "future", start + dt.timedelta(hours=1))
    await writer.schedule("test", "late", start + dt.timedelta(minutes=12))
    await writer.schedule("test", "stale", start + dt.timedelta(minutes=2))
    # Down until minute 22: "late" is 10 minutes overdue (inside the 15-minute grace),
    # "stale" 20 minutes (beyond it).
    clock.set(start + dt.timedelta(minutes=22))

    restarted, ran = make(db, clock)
    told: list[list[str]] = []

    async def listener(missed):
        told.append([job.key for job in missed])

    restarted.on_missed(listener)
    report = await restarted.start()
    try:
        await asyncio.sleep(0)  # let the catch-up task run
        for _ in range(50):
            if ran:
                break
            await asyncio.sleep(0.01)
        assert ran == ["late"]
        assert report.scheduled == 1
        assert len(report.missed) == 1
        assert len(report.fired_late) == 1
        assert told == [["stale"]]
        assert await status_of(db, "stale") == "missed"
        assert restarted.timer_count == 1
    finally:
        await restarted.shutdown()


async def test_a_job_left_running_by_a_killed_process_runs_again_at_start_within_grace(db, clock):
    scheduler, _ = make(db, clock)
    row = await scheduler.schedule("test", "interrupted", clock.now())
    async with db.write() as conn:
        assert await job_queries.claim(conn, row.id, now=clock.now())  # then the process dies
    clock.advance(dt.timedelta(minutes=1))
    restarted, ran = make(db, clock)
    await restarted.start()
    try:
        # The handler runs, then the row is marked done: wait (bounded) for both.
        for _ in range(500):
            if ran and await status_of(db, "interrupted") == "done":
                break
            await asyncio.sleep(0.01)
        assert ran == ["interrupted"]
        assert await status_of(db, "interrupted") == "done"
    finally:
        await restarted.shutdown()


async def test_live_timer_fires_the_job_through_apscheduler(db):
    clock = FrozenClock(dt.datetime.now(dt.UTC))
    scheduler, ran = make(db, clock)
    await scheduler.start()
    try:
        await scheduler.schedule(
            "test", "soon", dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=200)
        )
        for _ in range(300):
            if ran:
                break
            await asyncio.sleep(0.01)
        assert ran == ["soon"]
    finally:
        await scheduler.shutdown()


async def test_shutdown_waits_for_a_job_its_timer_started_and_the_job_ends_done(db):
    clock = FrozenClock(dt.datetime.now(dt.UTC))
    scheduler = Scheduler(db, clock, grace=GRACE)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(job):
        started.set()
        await release.wait()

    scheduler.register("slow", slow)
    await scheduler.start()
    await scheduler.schedule(
        "slow", "slow", dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=50)
    )
    await asyncio.wait_for(started.wait(), timeout=30)
    stopping = asyncio.ensure_future(scheduler.shutdown())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not stopping.done(), "shutdown returned while the timer's job was still running"
    release.set()
    await asyncio.wait_for(stopping, timeout=30)
    assert await status_of(db, "slow") == "done"
