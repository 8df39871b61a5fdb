"""Weekly board and /points show at scale: 10,000 teams, 1,000,000 ledger entries, 12 weeks.

Measures, on one SQLite file, the service calls behind `/leaderboard` (a week's top 10 of a
track plus the viewer's rank, read from the per-team weekly totals) and `/points show` (a
team's week, season and newest entries), and as the baseline measured in the same run a
naive weekly board: a GROUP BY of that week's entries over the whole ledger. Prints median
and p99 in milliseconds and the ratios to the baseline. Targets: p99 <= 20 ms and <= 0.05x
the naive query. Figures, not a test: it never fails on timing.

    .venv/bin/python bench/leaderboard.py [--teams 10000] [--entries 1000000] [--runs 300]
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
from bot.calendar import previous_week  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.services.names import name_key  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402

EXAMPLE = ROOT / "competition.example.toml"
GUILD_ID = 1
SEASON = "2026"
NOW = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
CHUNK = 50_000

NAIVE = text(
    "SELECT l.team_id, SUM(l.amount) AS total FROM points_ledger AS l "
    "JOIN teams AS t ON t.id = l.team_id "
    "WHERE l.season = :season AND l.week_key = :week AND t.track = :track "
    "GROUP BY l.team_id ORDER BY total DESC LIMIT 10"
)


def load_fixture(
    path: Path, teams: int, entries: int, weeks: list[tuple[str, dt.datetime]]
) -> None:
    """Bulk-insert teams, members and ledger entries, then the weekly totals from the ledger
    (so the totals equal the ledger by construction)."""
    rng = random.Random(42)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    created = NOW.replace(tzinfo=None) - dt.timedelta(days=120)
    team_rows = []
    member_rows = []
    for team_id in range(1, teams + 1):
        name = f"Team {team_id:05d}" if team_id % 3 else f"队伍 {team_id:05d}"
        track = "student" if team_id % 2 else "professional"
        captain = 10**17 + team_id
        team_rows.append(
            (team_id, SEASON, name, name_key(name), track, captain, f"C{team_id:07d}", created)
        )
        member_rows += [(team_id, captain + n * 10**6, SEASON, created) for n in range(3)]
    conn.executemany(
        "INSERT INTO teams (id, season, name, name_key, track, captain_id, invite_code, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        team_rows,
    )
    conn.executemany(
        "INSERT INTO team_members (team_id, user_id, season, joined_at) VALUES (?, ?, ?, ?)",
        member_rows,
    )
    sources = ("award", "import", "ugc", "qa_attendance")
    batch: list[tuple[object, ...]] = []
    for _ in range(entries):
        week_key, start = weeks[rng.randrange(len(weeks))]
        at = start.replace(tzinfo=None) + dt.timedelta(seconds=rng.randrange(7 * 86400))
        batch.append(
            (
                SEASON,
                rng.randrange(1, teams + 1),
                rng.choice((5, 10, 10, 20, 25, 50, 100)),
                "bench",
                sources[rng.randrange(4)],
                week_key,
                at,
            )
        )
        if len(batch) == CHUNK:
            _insert_entries(conn, batch)
            batch = []
    if batch:
        _insert_entries(conn, batch)
    conn.execute(
        "INSERT INTO team_week_points (team_id, week_key, season, track, total, reached_at) "
        "SELECT l.team_id, l.week_key, l.season, t.track, SUM(l.amount), MAX(l.at) "
        "FROM points_ledger AS l JOIN teams AS t ON t.id = l.team_id "
        "GROUP BY l.team_id, l.week_key"
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def _insert_entries(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO points_ledger (season, team_id, amount, reason, source, week_key, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        batch,
    )


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    """Milliseconds of ``runs`` calls (after two warm-up calls)."""
    for _ in range(2):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def main(teams: int, entries: int, runs: int) -> None:
    competition = load_competition(EXAMPLE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate(db)
        services = build_services(
            db=db, clock=FrozenClock(NOW), competition=competition, guild_id=GUILD_ID
        )
        points = services.points
        week = points.current_week()
        weeks = []
        for _ in range(12):
            weeks.append((week.key, week.start))
            week = previous_week(week, competition.tz)
        await db.dispose()
        started = time.perf_counter()
        load_fixture(path, teams, entries, weeks)
        print(
            f"fixture: {teams:,} teams, {entries:,} ledger entries over {len(weeks)} weeks, "
            f"loaded in {time.perf_counter() - started:.1f}s"
        )
        rng = random.Random(7)
        keys = [key for key, _ in weeks]

        async def board() -> object:
            viewer = 10**17 + rng.randrange(1, teams + 1)
            return await points.week_board(
                week=rng.choice(keys),
                track=rng.choice(("student", "professional")),
                viewer_id=viewer,
            )

        async def show() -> object:
            team = rng.randrange(1, teams + 1)
            name = f"Team {team:05d}" if team % 3 else f"队伍 {team:05d}"
            return await points.team_points(team=name, viewer_id=0)

        async def naive() -> object:
            async with db.read() as conn:
                return (
                    await conn.execute(
                        NAIVE,
                        {
                            "season": SEASON,
                            "week": rng.choice(keys),
                            "track": rng.choice(("student", "professional")),
                        },
                    )
                ).all()

        # The same answer both ways: the totals agree with the ledger.
        check = await points.week_board(week=keys[1], track="student", limit=10)
        async with db.read() as conn:
            expected = (
                await conn.execute(NAIVE, {"season": SEASON, "week": keys[1], "track": "student"})
            ).all()
        assert [s.points for s in check.rows] == [int(total) for _, total in expected]

        board_ms = await timed(board, runs)
        show_ms = await timed(show, runs)
        naive_ms = await timed(naive, max(5, runs // 20))
        base = statistics.median(naive_ms)
        print(f"{'query':<34}{'median ms':>10}{'p99 ms':>10}{'median/naive':>14}{'p99/naive':>11}")
        for label, samples in (
            ("weekly board (/leaderboard)", board_ms),
            ("team points (/points show)", show_ms),
            ("naive GROUP BY over the ledger", naive_ms),
        ):
            print(
                f"{label:<34}{statistics.median(samples):>10.2f}{p99(samples):>10.2f}"
                f"{statistics.median(samples) / base:>14.4f}{p99(samples) / base:>11.4f}"
            )
        print("targets: p99 <= 20 ms and <= 0.05x the naive query")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.teams, args.entries, args.runs))
