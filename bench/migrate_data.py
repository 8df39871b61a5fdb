"""`podium migrate-data` throughput: a SQLite season copied into PostgreSQL.

Builds a migrated SQLite file with ``--activity`` daily activity rows and ``--audit`` audit
records (the two tables that grow most), then times, into fresh PostgreSQL databases:
- ``storage.transfer.copy_all`` (what `podium migrate-data` runs after migrating the target),
  with this process's CPU time;
- the baseline, measured in the same run: the same rows read with ``sqlite3`` and written
  with asyncpg's ``copy_records_to_table`` (PostgreSQL's COPY, its fastest bulk path), with no
  checks, no sequences and no other tables.
Prints rows/s of each and the ratio. Needs ``PODIUM_TEST_POSTGRES_URL`` (a role with
CREATEDB). Figures, not a test.

    .venv/bin/python bench/migrate_data.py [--activity 200000] [--audit 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.transfer import copy_all  # noqa: E402
from tests.databases import (  # noqa: E402
    _asyncpg_dsn,
    create_postgres_database,
    drop_postgres_database,
)


async def build_source(path: Path, activity: int, audit: int) -> None:
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(db)
    finally:
        await db.dispose()
    start = dt.date(2026, 1, 1)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO activity_daily VALUES (?, ?, 3, 1, 0)",
            (
                (10_000_000 + n // 40, (start + dt.timedelta(days=n % 40)).isoformat())
                for n in range(activity)
            ),
        )
        conn.executemany(
            "INSERT INTO audit_log (at, actor_id, action, target, details) VALUES (?,?,?,?,?)",
            (
                ("2026-11-01 10:00:00.000000", 123, "points.award", f"team:{n}", '{"points": 5}')
                for n in range(audit)
            ),
        )
    conn.close()


async def podium_copy(source: Path) -> tuple[float, float, int]:
    url = await create_postgres_database()
    target = Database(url)
    src = Database(f"sqlite+aiosqlite:///{source}")
    try:
        await migrate(target)
        started, cpu = time.perf_counter(), time.process_time()
        report = await copy_all(src, target, batch_size=1_000)
        return time.perf_counter() - started, time.process_time() - cpu, report.rows
    finally:
        await src.dispose()
        await target.dispose()
        await drop_postgres_database(url)


async def baseline_copy(source: Path) -> tuple[float, int]:
    url = await create_postgres_database()
    target = Database(url)
    try:
        await migrate(target)
    finally:
        await target.dispose()
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        started = time.perf_counter()
        with sqlite3.connect(source) as lite:
            activity = [
                (u, dt.date.fromisoformat(d), m, i, v)
                for u, d, m, i, v in lite.execute("SELECT * FROM activity_daily")
            ]
            audit = [
                (i, dt.datetime.fromisoformat(at), a, act, t, json.dumps(json.loads(d)))
                for i, at, a, act, t, d in lite.execute("SELECT * FROM audit_log")
            ]
        lite.close()
        async with conn.transaction():
            await conn.copy_records_to_table("activity_daily", records=activity)
            await conn.copy_records_to_table("audit_log", records=audit)
        return time.perf_counter() - started, len(activity) + len(audit)
    finally:
        await conn.close()
        await drop_postgres_database(url)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activity", type=int, default=200_000)
    parser.add_argument("--audit", type=int, default=50_000)
    args = parser.parse_args()
    if not os.environ.get("PODIUM_TEST_POSTGRES_URL"):
        sys.exit("set PODIUM_TEST_POSTGRES_URL (a PostgreSQL role with CREATEDB)")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "season.db"
        await build_source(source, args.activity, args.audit)
        wall, cpu, rows = await podium_copy(source)
        base_wall, base_rows = await baseline_copy(source)
    print(f"rows: {rows:,} (activity {args.activity:,}, audit {args.audit:,}, others empty)")
    print(
        f"migrate-data copy: {wall:.1f} s, {rows / wall:,.0f} rows/s, "
        f"{cpu / rows * 1e6:.1f} µs CPU per row in this process"
    )
    print(f"baseline COPY:     {base_wall:.1f} s, {base_rows / base_wall:,.0f} rows/s")
    print(f"ratio: migrate-data takes {wall / base_wall:.2f}x the baseline's time")


if __name__ == "__main__":
    asyncio.run(main())
