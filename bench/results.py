"""Store results import: ``podium import-results --apply`` of N order rows vs a raw executemany.

Writes an orders CSV of N rows over 200 teams (a ``team`` column, three currencies, buyers,
tracking numbers), then measures, on a fresh migrated database each (same engine, same
pragmas, same teams):

* **import**: ``ResultsService.import_file(apply=True)``, what the CLI runs: read the file,
  check every line (time, amount, currency, country, team, duplicates), hash buyers with
  the HMAC key, convert to the base currency, compare with stored rows in batches and
  insert the new ones, audit, in one transaction;
* **after-Apply hooks**: what the CLI runs next, after the import committed: the
  ``on_applied`` listeners bootstrap wires (the fraud scan of the imported teams and the
  season's cross-team rules, then the progress stages). Timed apart from the import: the
  scan is a cost of its own (``bench/results_fraud.py`` measures it at scale), and here it
  flags every order, since the generated orders predate the example season's start;
* **raw**: the same rows, already parsed and converted in memory, inserted into
  ``store_orders`` with one ``executemany`` and a commit (SQLite: the stdlib driver with
  the writer's pragmas and the page cache an import's transaction gets,
  ``IMPORT_CACHE_KIB``; PostgreSQL: asyncpg's ``executemany``).

Prints the times, rows per second and the ratio raw/import (goal: at least 0.3), of the
wall time and of this process's CPU time; then the hooks' time and the ratio of raw to
import and hooks together (what ``podium import-results --apply`` takes end to end).

Then the weekly scoring run for 10,000 teams (``bench/results_scoring.py``: p99 of repeated
runs against the metrics query alone, measured in the same run; goal: p99 under a second);
``--no-scoring`` leaves it out; ``--no-hooks`` leaves the after-Apply hooks out (quicker
loops on the import alone).

    .venv/bin/python bench/results.py [--rows 1000000] [--postgres URL] [--no-scoring]
        [--no-hooks]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.services.names import name_key  # noqa: E402
from bot.services.results.base import ImportApplied  # noqa: E402
from bot.services.teams import new_invite_code  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.queries.results.orders import IMPORT_CACHE_KIB  # noqa: E402
from storage.schema import teams  # noqa: E402

TEAMS = 200
#: (wall seconds, CPU seconds of this process): on a loaded machine the CPU time is the
#: steadier figure; PostgreSQL's CPU time is in its server, so only the wall time counts.
Times = tuple[float, float]
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
COLUMNS = (
    "team",
    "order_id",
    "ordered_at",
    "amount",
    "currency",
    "country",
    "category",
    "channel",
    "buyer",
    "tracking_number",
    "status",
    "refunded",
)


def write_export(path: Path, rows: int, seed: int = 17) -> None:
    """An orders CSV of ``rows`` lines for teams ``Team 0`` … ``Team 199``."""
    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, 8, 0)  # noqa: DTZ001 - a local time, as stores export
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for index in range(rows):
            when = start + dt.timedelta(seconds=index * 2)
            writer.writerow(
                (
                    f"Team {index % TEAMS}",
                    f"SO-{index:08d}",
                    when.strftime("%Y-%m-%d %H:%M:%S"),
                    f"{rng.randint(100, 50000) / 100:.2f}",
                    rng.choice(("USD", "EUR", "CNY")),
                    rng.choice(("US", "DE", "FR", "GB", "JP", "BR")),
                    rng.choice(("Shoes", "Bags", "Beauty", "Home")),
                    rng.choice(("TikTok", "Ads", "Organic", "Email")),
                    f"buyer{rng.randint(0, rows // 3)}@example.com",
                    f"TN{index:010d}",
                    rng.choice(("paid", "shipped", "delivered")),
                    "no",
                )
            )


async def add_teams(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(teams),
            [
                {
                    "season": "2026",
                    "name": f"Team {i}",
                    "name_key": name_key(f"Team {i}"),
                    "track": "student",
                    "captain_id": 100 + i,
                    "invite_code": new_invite_code(),
                    "created_at": NOW,
                }
                for i in range(TEAMS)
            ],
        )


async def fresh_database(url: str) -> Database:
    db = Database(url)
    await migrate(db)
    await add_teams(db)
    return db


async def measure_import(
    url: str, path: Path, with_hooks: bool
) -> tuple[Times, Times | None, int, list[tuple[Any, ...]]]:
    """Wall and CPU seconds of the CLI's import and of its after-Apply hooks, rows written,
    and the stored rows (for the raw run)."""
    db = await fresh_database(url)
    try:
        services = build_services(
            db=db,
            clock=FrozenClock(NOW),
            competition=load_competition(ROOT / "competition.example.toml"),
            guild_id=1,
        )
        await services.results.buyer_key()  # generated once per database, not per import
        # The listeners run after the import's commit either way; here the bench awaits
        # them itself, in the same order, to time them apart.
        hooks = list(services.results.listeners)
        services.results.listeners.clear()
        began, cpu = time.perf_counter(), time.process_time()
        summary = await services.results.import_file(path=path, platform="generic", apply=True)
        seconds = (time.perf_counter() - began, time.process_time() - cpu)
        assert summary.id is not None
        event = ImportApplied(services.results.season, summary.id, summary.kind, summary.team_ids)
        hooked = None
        if with_hooks:
            began, cpu = time.perf_counter(), time.process_time()
            for hook in hooks:
                await hook(event)
            hooked = (time.perf_counter() - began, time.process_time() - cpu)
        async with db.read() as conn:
            stored = list(
                await conn.execute(
                    text(
                        "SELECT season, team_id, order_id, ordered_at, amount_minor, currency,"
                        " amount_base_minor, country, category, channel, buyer_hash,"
                        " tracking_number, status, refunded, review, source_line, created_at,"
                        " updated_at FROM store_orders"
                    )
                )
            )
        return seconds, hooked, summary.rows_new, [tuple(row) for row in stored]
    finally:
        await db.dispose()


INSERT = (
    "INSERT INTO store_orders (season, team_id, order_id, ordered_at, amount_minor, currency,"
    " amount_base_minor, country, category, channel, buyer_hash, tracking_number, status,"
    " refunded, review, source_line, created_at, updated_at) VALUES ({})"
)


async def measure_raw_sqlite(url: str, rows: list[tuple[Any, ...]]) -> Times:
    db = await fresh_database(url)
    path = db.sqlite_path
    await db.dispose()
    assert path is not None
    conn = sqlite3.connect(path)
    try:
        for pragma in (
            "PRAGMA foreign_keys=ON",
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}",
        ):
            conn.execute(pragma)
        began, cpu = time.perf_counter(), time.process_time()
        conn.executemany(INSERT.format(", ".join("?" * 18)), rows)
        conn.commit()
        return time.perf_counter() - began, time.process_time() - cpu
    finally:
        conn.close()


async def measure_raw_postgres(url: str, rows: list[tuple[Any, ...]]) -> Times:
    import asyncpg

    db = await fresh_database(url)
    await db.dispose()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        placeholders = ", ".join(f"${i}" for i in range(1, 19))
        began, cpu = time.perf_counter(), time.process_time()
        async with conn.transaction():
            await conn.executemany(INSERT.format(placeholders), rows)
        return time.perf_counter() - began, time.process_time() - cpu
    finally:
        await conn.close()


async def reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


def report(engine: str, rows: int, ours: Times, hooks: Times | None, raw: Times) -> None:
    print(
        f"{engine}: import {ours[0]:.1f} s ({rows / ours[0]:,.0f} rows/s); raw executemany "
        f"{raw[0]:.1f} s ({rows / raw[0]:,.0f} rows/s); ratio raw/import = "
        f"{raw[0] / ours[0]:.2f}x wall, {raw[1] / ours[1]:.2f}x CPU of this process "
        "(goal >= 0.3x)"
    )
    if hooks is None:
        return
    total = (ours[0] + hooks[0], ours[1] + hooks[1])
    print(
        f"{engine}: after-Apply hooks (fraud scan, progress stages) {hooks[0]:.1f} s; "
        f"import + hooks {total[0]:.1f} s: ratio raw/(import + hooks) = "
        f"{raw[0] / total[0]:.2f}x wall, {raw[1] / total[1]:.2f}x CPU of this process"
    )


async def run(rows: int, postgres: str | None, with_hooks: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        export = work / "orders.csv"
        write_export(export, rows)
        print(f"{rows:,} order rows, {TEAMS} teams, {export.stat().st_size / 1e6:.0f} MB CSV")
        ours, hooks, written, stored = await measure_import(
            f"sqlite+aiosqlite:///{work / 'import.db'}", export, with_hooks
        )
        assert written == rows, (written, rows)
        raw = await measure_raw_sqlite(f"sqlite+aiosqlite:///{work / 'raw.db'}", stored)
        report("SQLite", rows, ours, hooks, raw)
        if postgres:
            await reset_postgres(postgres)
            ours, hooks, written, stored = await measure_import(postgres, export, with_hooks)
            await reset_postgres(postgres)
            raw = await measure_raw_postgres(postgres, stored)
            await reset_postgres(postgres)
            report("PostgreSQL", rows, ours, hooks, raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also measure on this PostgreSQL database (its public schema is dropped!)",
    )
    parser.add_argument("--no-scoring", dest="scoring", action="store_false")
    parser.add_argument("--no-hooks", dest="hooks", action="store_false")
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.postgres, args.hooks))
    if args.scoring:
        print("\n=== weekly scoring (bench/results_scoring.py)", flush=True)
        scoring = Path(__file__).with_name("results_scoring.py")
        subprocess.run([sys.executable, str(scoring)], check=True)


if __name__ == "__main__":
    main()
