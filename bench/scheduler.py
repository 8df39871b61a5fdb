"""Scheduler rebuild at start: how many pending jobs per second `Scheduler.start()` re-arms.

Fills a fresh SQLite database with future Q&A sessions (each with two reminders and a
start notice, as `/qa schedule` writes them) and future broadcasts (one occurrence job
each), then times `Scheduler.start()`, which reads every unfinished row and arms an
in-memory timer per job. Baseline, measured in the same run on the same rows: reading the
rows alone (`storage.queries.jobs.unfinished`), so the ratio says what arming costs on top
of the database read on this machine.

    .venv/bin/python bench/scheduler.py [--sessions 10000] [--broadcasts 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.scheduler import Job, Scheduler  # noqa: E402
from bot.services import qa  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.queries import jobs as job_queries  # noqa: E402
from storage.schema import broadcasts, qa_sessions, scheduled_jobs  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
OFFSETS = (dt.timedelta(hours=24), dt.timedelta(hours=1))


async def fill(db: Database, sessions: int, broadcast_count: int) -> int:
    """Insert the rows; returns how many pending jobs there are."""
    session_rows = []
    job_rows = []
    for i in range(sessions):
        start = NOW + dt.timedelta(days=2, minutes=10 * i)
        session_rows.append(
            {
                "id": i + 1,
                "season": "2026",
                "title": f"Session {i + 1}",
                "kind": qa.KINDS[i % 3],
                "starts_at": start,
                "ends_at": start + dt.timedelta(minutes=90),
                "host_id": 1,
                "audience": [],
                "status": "scheduled",
                "created_by": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        for offset in OFFSETS:
            job_rows.append(
                {
                    "kind": qa.REMINDER_JOB,
                    "key": qa.reminder_key(i + 1, offset),
                    "run_at": start - offset,
                    "status": "pending",
                    "payload": {"session_id": i + 1},
                    "attempts": 0,
                    "created_at": NOW,
                }
            )
        job_rows.append(
            {
                "kind": qa.START_JOB,
                "key": qa.start_key(i + 1),
                "run_at": start,
                "status": "pending",
                "payload": {"session_id": i + 1},
                "attempts": 0,
                "created_at": NOW,
            }
        )
    broadcast_rows = []
    for i in range(broadcast_count):
        when = NOW + dt.timedelta(days=1, minutes=7 * i)
        broadcast_rows.append(
            {
                "id": i + 1,
                "message": f"Announcement {i + 1}",
                "audience": "all",
                "channels": "both",
                "first_run_at": when,
                "status": "scheduled",
                "next_run_at": when,
                "created_by": 1,
                "created_at": NOW,
            }
        )
        job_rows.append(
            {
                "kind": "broadcast",
                "key": f"broadcast:{i + 1}:{when.isoformat()}",
                "run_at": when,
                "status": "pending",
                "payload": {"broadcast_id": i + 1},
                "attempts": 0,
                "created_at": NOW,
            }
        )
    async with db.write() as conn:
        if session_rows:
            await conn.execute(insert(qa_sessions), session_rows)
        if broadcast_rows:
            await conn.execute(insert(broadcasts), broadcast_rows)
        await conn.execute(insert(scheduled_jobs), job_rows)
    return len(job_rows)


async def noop(job: Job) -> None:
    """A handler; never called (every job is in the future)."""


async def time_read(db: Database) -> float:
    started = time.perf_counter()
    async with db.read() as conn:
        await job_queries.unfinished(conn)
    return time.perf_counter() - started


async def time_start(db: Database) -> tuple[float, int]:
    scheduler = Scheduler(db, FrozenClock(NOW), grace=dt.timedelta(minutes=15))
    for kind in (qa.REMINDER_JOB, qa.START_JOB, qa.CANCEL_JOB, "broadcast"):
        scheduler.register(kind, noop)
    started = time.perf_counter()
    report = await scheduler.start()
    elapsed = time.perf_counter() - started
    armed = scheduler.timer_count
    await scheduler.shutdown()
    if report.scheduled != armed:
        raise RuntimeError(f"armed {armed} timers for {report.scheduled} jobs")
    return elapsed, armed


async def main(sessions: int, broadcast_count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await migrate(db)
        jobs = await fill(db, sessions, broadcast_count)
        reads: list[float] = []
        starts: list[float] = []
        for _ in range(runs):
            reads.append(await time_read(db))
            seconds, armed = await time_start(db)
            if armed != jobs:
                raise RuntimeError(f"expected {jobs} armed timers, got {armed}")
            starts.append(seconds)
        await db.dispose()
    read = statistics.median(reads)
    start = statistics.median(starts)
    print(
        f"pending jobs: {jobs} ({sessions} Q&A sessions x 3 notices, {broadcast_count} broadcasts)"
    )
    print(f"baseline, read the rows only: {read:.3f}s = {jobs / read:,.0f} jobs/s")
    print(f"Scheduler.start() rebuild:    {start:.3f}s = {jobs / start:,.0f} jobs/s")
    print(f"ratio rebuild / read: {start / read:.2f}x (median of {runs} runs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--broadcasts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.sessions, args.broadcasts, args.runs))
