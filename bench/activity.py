"""Activity counters at scale: 5,000 members over 8 weeks (about 170,000 daily rows).

Measures, on one SQLite file:
- ``ActivityService.record`` per call, against a bare ``dict`` increment (the floor);
- ``flush`` of one interval's counters (every member active once: 5,000 upsert-adds in one
  transaction), against a plain ``executemany`` INSERT of the same rows into a scratch table;
- ``daily_actives(14)``, ``weekly_actives(8)`` and ``stats()`` (what `/admin stats` and the
  dashboard read, from the rollups), against a naive full-table ``COUNT(DISTINCT user_id)``
  and against the same numbers computed by full scans of ``activity_daily`` (what the
  rollups replaced); the dashboard's engagement section and whole ``/admin`` overview;
  and the one-time rollup build (first start after migration 0023).
Prints median and p99 and the ratios to the baselines measured in the same run. Figures,
not a test: it never fails on timing.

    .venv/bin/python bench/activity.py [--members 5000] [--weeks 8] [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.queries import activity as q  # noqa: E402

EXAMPLE = ROOT / "competition.example.toml"
NOW = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)  # Wednesday 14:00 in Shanghai
TODAY = dt.date(2026, 11, 25)
COHORTS = ("rookie", "advanced", "elite")


def load_fixture(path: Path, members: int, weeks: int) -> int:
    """Members with cohorts and ~60% of them active on each past day; returns rows."""
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    now = NOW.replace(tzinfo=None).isoformat(sep=" ")
    conn.executemany(
        "INSERT INTO members (user_id, display_name, locale, cohort_key, first_seen_at, "
        "last_seen_at) VALUES (?, ?, 'en', ?, ?, ?)",
        [
            (10_000 + i, f"member {i}", COHORTS[i % 3] if i % 10 else None, now, now)
            for i in range(members)
        ],
    )
    rows = []
    for back in range(1, weeks * 7):
        day = (TODAY - dt.timedelta(days=back)).isoformat()
        for i in range(members):
            if rng.random() < 0.6:
                cohort = COHORTS[i % 3] if i % 10 else ""
                rows.append((10_000 + i, day, rng.randint(0, 20), rng.randint(0, 5), 0, cohort))
    conn.executemany(
        "INSERT INTO activity_daily (user_id, day, messages, interactions, votes, cohort) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()
    return len(rows)


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def timed(run: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def main(members: int, weeks: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate(db)
        await db.dispose()
        started = time.perf_counter()
        stored = load_fixture(path, members, weeks)
        seconds = time.perf_counter() - started
        print(f"fixture: {members} members, {stored} daily rows ({seconds:.1f} s)")

        db = Database(f"sqlite+aiosqlite:///{path}")
        clock = FrozenClock(NOW)
        services = build_services(
            db=db, clock=clock, competition=load_competition(EXAMPLE), guild_id=1
        )
        activity = services.activity
        started = time.perf_counter()
        await activity.ensure_rollups()
        print(f"rollup build (once, first start after 0023): {time.perf_counter() - started:.2f} s")

        # record() against a bare dict increment
        calls = 200_000
        ids = [10_000 + (i % members) for i in range(calls)]
        started = time.perf_counter()
        for user in ids:
            activity.record(user, "message")
        record_ns = (time.perf_counter() - started) * 1e9 / calls
        floor: dict[tuple[int, dt.date], int] = {}
        started = time.perf_counter()
        for user in ids:
            key = (user, TODAY)
            floor[key] = floor.get(key, 0) + 1
        dict_ns = (time.perf_counter() - started) * 1e9 / calls
        print(
            f"record: {record_ns:.0f} ns/call, dict increment {dict_ns:.0f} ns/call, "
            f"ratio {record_ns / dict_ns:.1f}x"
        )

        # flush of one interval (every member once) against a plain executemany INSERT
        flush_ms = []
        insert_ms = []
        for round_ in range(max(3, runs // 10)):
            for i in range(members):
                activity.record(10_000 + i, "interaction")
            started = time.perf_counter()
            await activity.flush()
            flush_ms.append((time.perf_counter() - started) * 1000)
            async with db.write() as conn:
                await conn.execute(
                    text("CREATE TEMP TABLE IF NOT EXISTS scratch (u INTEGER, d TEXT, n INTEGER)")
                )
                started = time.perf_counter()
                await conn.execute(
                    text("INSERT INTO scratch VALUES (:u, :d, :n)"),
                    [{"u": 10_000 + i, "d": f"r{round_}", "n": 1} for i in range(members)],
                )
                insert_ms.append((time.perf_counter() - started) * 1000)
        flush_med, flush_p99 = summary(flush_ms)
        insert_med, _ = summary(insert_ms)
        print(
            f"flush {members} counters: median {flush_med:.1f} ms, p99 {flush_p99:.1f} ms; "
            f"plain INSERT {insert_med:.1f} ms; ratio {flush_med / insert_med:.2f}x"
        )

        async def naive() -> object:
            async with db.read() as conn:
                return (
                    await conn.execute(text("SELECT COUNT(DISTINCT user_id) FROM activity_daily"))
                ).scalar()

        async def scanned_weeks() -> object:
            async with db.read() as conn:
                return [
                    await q.actives_between(conn, w.first_day, w.first_day + dt.timedelta(days=6))
                    for w in activity._weeks_back(8)
                ]

        async def scanned_days() -> object:
            async with db.read() as conn:
                return await q.actives_by_day(conn, TODAY - dt.timedelta(days=13), TODAY)

        baseline_med, _ = summary(await timed(naive, runs))
        print(f"baseline COUNT(DISTINCT) over all rows: median {baseline_med:.1f} ms")
        for name, run in (
            ("full scan, daily actives 14 days", scanned_days),
            ("full scan, weekly actives 8 weeks", scanned_weeks),
            ("daily_actives(14)", lambda: activity.daily_actives(days=14)),
            ("weekly_actives(8)", lambda: activity.weekly_actives(weeks=8)),
            ("stats()", activity.stats),
            ("dashboard engagement()", services.dashboard.engagement),
            ("dashboard overview() (/admin)", services.dashboard.overview),
        ):
            med, p99 = summary(await timed(run, runs))
            print(
                f"{name}: median {med:.1f} ms, p99 {p99:.1f} ms, "
                f"ratio to baseline {med / baseline_med:.2f}x"
            )
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.weeks, args.runs))
