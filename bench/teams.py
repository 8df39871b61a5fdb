"""Team-name autocomplete at 10,000 teams: the team service's search vs a LIKE scan.

Builds a migrated SQLite database with N active teams (realistic two-word names), then
times ``TeamService.search`` (the in-memory prefix / substring / typo index that
`/team info` and `/team admin-move` autocomplete use) on a mix of queries: prefixes,
inner substrings, typos and misses. Baseline, measured in the same run on the same
database: the naive query a first version would write, a full-table scan
``name_key LIKE '%q%' ORDER BY name_key LIMIT 25`` (which can neither use an index nor
forgive a typo). Prints median and p99 of each, and the ratios.

    .venv/bin/python bench/teams.py [--teams 10000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.services.audit import AuditService  # noqa: E402
from bot.services.names import name_key  # noqa: E402
from bot.services.teams import TeamService, new_invite_code  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.schema import teams  # noqa: E402

WORDS = [
    "rocket",
    "alpha",
    "nova",
    "crimson",
    "silver",
    "golden",
    "shadow",
    "rapid",
    "lunar",
    "solar",
    "cyber",
    "pixel",
    "quantum",
    "velvet",
    "iron",
    "jade",
    "coral",
    "amber",
    "arctic",
    "blaze",
    "storm",
    "tiger",
    "falcon",
    "panda",
    "dragon",
    "phoenix",
    "wolf",
    "owl",
    "otter",
    "lotus",
    "maple",
    "cedar",
    "harbor",
    "summit",
    "canyon",
    "delta",
    "echo",
    "vertex",
    "orbit",
    "comet",
    "meteor",
    "sellers",
    "traders",
    "makers",
    "hustlers",
    "founders",
    "rangers",
    "pioneers",
    "crafters",
    "wizards",
    "ninjas",
]


def team_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
        if rng.random() < 0.5:
            name += f" {rng.randint(1, 999)}"
        names.add(name)
    return sorted(names)


def queries(names: list[str], count: int, rng: random.Random) -> list[str]:
    found: list[str] = []
    for i in range(count):
        name = rng.choice(names).lower()
        kind = i % 4
        if kind == 0:  # typing the start of a name
            found.append(name[: rng.randint(1, 6)])
        elif kind == 1:  # a word from the middle
            found.append(name.split()[1][: rng.randint(3, 6)])
        elif kind == 2:  # a typo: two letters swapped
            word = name.split()[0]
            at = rng.randrange(len(word) - 1)
            found.append(word[:at] + word[at + 1] + word[at] + word[at + 2 :])
        else:  # nothing matches
            found.append(rng.choice(["zzqx", "xylophone", "qq"]))
    return found


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


async def run(team_count: int, query_count: int) -> None:
    rng = random.Random(20261125)
    competition = load_competition(ROOT / "competition.example.toml")
    season = competition.competition.season
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await migrate(db)
        now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        names = team_names(team_count, rng)
        async with db.write() as conn:
            await conn.execute(
                insert(teams),
                [
                    {
                        "season": season,
                        "name": name,
                        "name_key": name_key(name),
                        "track": "student" if i % 2 else "professional",
                        "captain_id": 10_000 + i,
                        "invite_code": new_invite_code(),
                        "created_at": now,
                    }
                    for i, name in enumerate(names)
                ],
            )
        clock = FrozenClock(now)
        service = TeamService(db, clock, competition, AuditService(db, clock))
        started = time.perf_counter()
        await service.reload_index()
        build_ms = (time.perf_counter() - started) * 1000
        workload = queries(names, query_count, rng)

        fast: list[float] = []
        for query in workload:
            started = time.perf_counter()
            await service.search(query)
            fast.append(time.perf_counter() - started)

        naive: list[float] = []
        scan = text(
            "SELECT id, name FROM teams WHERE season = :season AND disbanded_at IS NULL "
            "AND name_key LIKE :pattern ORDER BY name_key LIMIT 25"
        )
        for query in workload:
            started = time.perf_counter()
            async with db.read() as conn:
                (await conn.execute(scan, {"season": season, "pattern": f"%{query}%"})).all()
            naive.append(time.perf_counter() - started)

        hits = len(workload[2::4])
        typo_found = 0
        for query in workload[2::4]:
            if await service.search(query):
                typo_found += 1
        await db.dispose()

    fast_median, fast_p99 = summary(fast)
    naive_median, naive_p99 = summary(naive)
    print(f"teams: {team_count}, queries: {query_count} (prefix, substring, typo, miss)")
    print(f"index build (once, then on writes): {build_ms:.1f} ms")
    print(f"TeamService.search      median {fast_median:.3f} ms   p99 {fast_p99:.3f} ms")
    print(f"LIKE '%q%' scan (naive) median {naive_median:.3f} ms   p99 {naive_p99:.3f} ms")
    print(
        f"ratio search/naive: median {fast_median / naive_median:.2f}x, "
        f"p99 {fast_p99 / naive_p99:.2f}x"
    )
    print(f"typo queries answered: search {typo_found}/{hits}, naive LIKE finds none by design")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(run(args.teams, args.queries))


if __name__ == "__main__":
    main()
