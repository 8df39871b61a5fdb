"""Fraud checks on store results at scale: 1,000,000 orders of 2,000 teams.

Measures, on one SQLite file (or the PostgreSQL database given with ``--database-url``):
- a full table scan of the season's orders (``COUNT`` and ``SUM`` of every row): the
  baseline, since every season-wide rule must at least read its index once;
- the first ``FraudService.scan()`` of every team (raising the flags of about 1% of the
  orders: bursts, repeated amounts, shared order ids, repeated buyers, reused tracking
  numbers, stalled parcels, orders before the start, teams with many refunds);
- a second scan of unchanged data (nothing to write: the idempotent case);
- the scan after an import of one team (per-team rules for that team, cross-team rules for
  the season), as the import hook runs it.
Prints each time and its ratio to the baseline. Figures, not a test.

    .venv/bin/python bench/results_fraud.py [--orders 1000000] [--teams 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
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
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.schema import store_orders, teams  # noqa: E402

EXAMPLE = ROOT / "competition.example.toml"
SEASON = "2026"
NOW = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
START = dt.datetime(2027, 1, 12, tzinfo=dt.UTC)


def fixture(n_orders: int, n_teams: int) -> list[dict[str, Any]]:
    """Orders spread over the teams and seven weeks; about 1% of them suspicious."""
    rng = random.Random(17)
    per_team = n_orders // n_teams
    rows: list[dict[str, Any]] = []
    span = int((NOW - START).total_seconds()) - 3600
    for team in range(1, n_teams + 1):
        times = sorted(rng.randrange(span) for _ in range(per_team))
        for i, offset in enumerate(times):
            n = len(rows)
            rows.append(
                {
                    "season": SEASON,
                    "team_id": team,
                    "order_id": f"T{team}-{i}",
                    "ordered_at": START + dt.timedelta(seconds=offset),
                    "amount_minor": rng.randrange(500, 50_000),
                    "currency": "USD",
                    "amount_base_minor": 0,
                    "country": "US",
                    "category": "home",
                    "channel": "ads",
                    "buyer_hash": f"{n:064x}",
                    "tracking_number": f"LP{n:012d}",
                    "status": "delivered",
                    "refunded": rng.random() < 0.05,
                    "review": "ok",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
    suspicious = rng.sample(range(len(rows) - 10), len(rows) // 700)
    for k, index in enumerate(suspicious):
        row, kind = rows[index], k % 7
        if kind == 0:  # a burst: the next orders of the team a few seconds later
            for j in range(1, 5):
                if rows[index + j]["team_id"] == row["team_id"]:
                    rows[index + j]["ordered_at"] = row["ordered_at"] + dt.timedelta(seconds=3 * j)
        elif kind == 1:  # the same amount in a row
            for j in range(1, 4):
                rows[index + j]["amount_minor"] = row["amount_minor"]
        elif kind == 2:  # an order id another team has too
            row["order_id"] = rows[(index * 7919) % len(rows)]["order_id"]
        elif kind == 3:  # a buyer who orders from another team too
            row["buyer_hash"] = rows[(index * 104729) % len(rows)]["buyer_hash"]
        elif kind == 4:
            row["tracking_number"] = rows[(index * 31) % len(rows)]["tracking_number"]
        elif kind == 5:
            row["status"] = "created"
        else:
            row["ordered_at"] = START - dt.timedelta(days=3)
    for row in rows:
        row["amount_base_minor"] = row["amount_minor"]
    return rows


async def load(db: Database, rows: list[dict[str, Any]], n_teams: int) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(teams),
            [
                {
                    "id": t,
                    "season": SEASON,
                    "name": f"Team {t}",
                    "name_key": f"team {t}",
                    "track": "student",
                    "captain_id": 10_000 + t,
                    "invite_code": f"C{t:09d}",
                    "created_at": START,
                }
                for t in range(1, n_teams + 1)
            ],
        )
    for start in range(0, len(rows), 50_000):
        async with db.write() as conn:
            await conn.execute(insert(store_orders), rows[start : start + 50_000])


async def seconds(run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await run
    return time.perf_counter() - started, result


async def main(url: str | None, n_orders: int, n_teams: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await migrate(db)
        rows = fixture(n_orders, n_teams)
        took, _ = await seconds(load(db, rows, n_teams))
        print(f"fixture: {len(rows):,} orders of {n_teams:,} teams ({took:.1f} s to load)")
        if db.is_sqlite:
            async with db.write() as conn:
                await conn.execute(text("ANALYZE"))
        else:
            async with db.write() as conn:
                await conn.execute(text("ANALYZE store_orders"))
        services = build_services(
            db=db, clock=FrozenClock(NOW), competition=load_competition(EXAMPLE), guild_id=1
        )
        fraud = services.fraud

        async def full_scan() -> None:
            async with db.read() as conn:
                await conn.execute(
                    text(
                        "SELECT COUNT(*), SUM(amount_minor), COUNT(DISTINCT buyer_hash) "
                        "FROM store_orders WHERE season = :s"
                    ),
                    {"s": SEASON},
                )

        baseline, _ = await seconds(full_scan())
        first, made = await seconds(fraud.scan())
        again, same = await seconds(fraud.scan())
        one, after = await seconds(fraud.scan(team_ids=[1]))
        print(f"full table scan (baseline)      {baseline:7.2f} s   1.00x")
        print(
            f"first scan, every team          {first:7.2f} s  {first / baseline:5.2f}x   "
            f"({made.new:,} flags raised)"
        )
        print(
            f"second scan, unchanged          {again:7.2f} s  {again / baseline:5.2f}x   "
            f"({same.new} new, {same.reopened} reopened, {same.withdrawn} withdrawn)"
        )
        print(
            f"scan after one team's import    {one:7.2f} s  {one / baseline:5.2f}x   "
            f"({after.new} new, {after.withdrawn} withdrawn)"
        )
        counts = await fraud.open_counts()
        print("open flags per rule: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=2_000)
    parser.add_argument("--database-url", default=None, help="e.g. a PostgreSQL URL")
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.orders, args.teams))
