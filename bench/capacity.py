"""Capacity at scale: registering teams into a capped track, and freeing places.

Measures, on one SQLite file, with 1,000 teams registering into a track capped at 500 (so
half are waitlisted):
- ``/team create`` with capacity (the team's entry written after its commit), against
  ``/team create`` with the capacity listener removed (the baseline, same run);
- ``withdraw`` of a placed team (its place offered to the first waitlisted team, the
  offer's two jobs written), against ``standing`` (one read) as a floor;
- ``status`` (what `/capacity status` and the dashboard read).
Prints medians and p99 and the ratios. Figures, not a test: it never fails on timing.

    .venv/bin/python bench/capacity.py [--teams 1000] [--cap 500] [--withdraws 100]
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

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.services.registry import Services  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402

EXAMPLE = ROOT / "competition.example.toml"
T0 = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


async def register(
    teams: int, cap: int, *, with_capacity: bool, folder: Path
) -> tuple[Services, Database, list[float]]:
    base = load_competition(EXAMPLE)
    tracks = tuple(t.model_copy(update={"cap": cap}) for t in base.tracks)
    competition = base.model_copy(update={"tracks": tracks})
    db = Database(f"sqlite+aiosqlite:///{folder / ('cap.db' if with_capacity else 'base.db')}")
    await migrate(db)
    services = build_services(db=db, clock=FrozenClock(T0), competition=competition, guild_id=1)
    if not with_capacity:
        services.teams.listeners.clear()
    samples: list[float] = []
    for number in range(teams):
        started = time.perf_counter()
        await services.teams.create(user_id=10_000 + number, name=f"T{number}", track="student")
        samples.append(time.perf_counter() - started)
    return services, db, samples


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _base, base_db, base = await register(
            args.teams, args.cap, with_capacity=False, folder=folder
        )
        services, db, capped = await register(
            args.teams, args.cap, with_capacity=True, folder=folder
        )
        reads, withdraws = [], []
        for number in range(args.withdraws):
            team = await services.teams.team_of(10_000 + number)
            assert team is not None
            started = time.perf_counter()
            await services.capacity.standing(team.id)
            reads.append(time.perf_counter() - started)
            started = time.perf_counter()
            await services.capacity.withdraw(captain_id=10_000 + number)
            withdraws.append(time.perf_counter() - started)
        started = time.perf_counter()
        status = await services.capacity.status()
        status_ms = (time.perf_counter() - started) * 1000
        student = next(t for t in status.tracks if t.track == "student")
        await base_db.dispose()
        await db.dispose()
    rows = [
        ("team create (no capacity)", base),
        ("team create (with capacity)", capped),
        ("standing (one read)", reads),
        ("withdraw + offer", withdraws),
    ]
    for label, samples in rows:
        median, p99 = summary(samples)
        print(f"{label:30} median {median:7.2f} ms   p99 {p99:7.2f} ms")
    ratio = statistics.median(capped) / statistics.median(base)
    print(f"create with capacity / without: {ratio:.2f}x")
    print(f"withdraw / standing: {statistics.median(withdraws) / statistics.median(reads):.2f}x")
    print(
        f"status: {status_ms:.2f} ms (taken {student.taken}, waitlisted {student.waitlisted},"
        f" offered {student.offered})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--withdraws", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
