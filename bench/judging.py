"""Judging at scale: assignment of 2,000 entries to 60 judges with k=3, and a round's
results over its 6,000 score sheets.

Measures, in one run:
- ``assign`` (the service's pure assignment: loads kept in a dict, most-constrained first,
  then the ±1 repair pass) against a naive assignment that recounts every judge's load by
  scanning all assignments made so far before each place;
- ``open_round`` on a SQLite file (entries chosen, the plan computed and 6,000 assignments
  written in one transaction);
- ``JudgingService.results`` (a handful of set queries, then the pure ranking) against a
  naive results pass with per-entry queries (its assignments, each sheet, its vote count)
  feeding the same ranking, with and without normalization;
- a judge's ``queue`` (a few queries per round) against reading their tasks one at a time.
Prints medians and the ratios to the baselines measured in the same run. Figures, not a
test: it never fails on timing.

    .venv/bin/python bench/judging.py [--entries 2000] [--judges 60] [--k 3] [--runs 5]
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
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, update  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.services.judging import AssignEntry, AssignJudge, NotEnoughJudges, assign  # noqa: E402
from bot.services.judging.base import rubric_from_json  # noqa: E402
from bot.services.judging.models import EntryResult  # noqa: E402
from bot.services.judging.scoring import (  # noqa: E402
    EntryInput,
    SheetScore,
    Weights,
    rank_entries,
    sheet_score,
)
from bot.services.names import name_key  # noqa: E402
from bot.services.registry import Services  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.queries import judging as jq  # noqa: E402
from storage.schema import (  # noqa: E402
    judging_assignments,
    judging_entries,
    judging_rounds,
    judging_score_sheets,
    submissions,
    teams,
    votes,
)

EXAMPLE = ROOT / "competition.example.toml"
NOW = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
TAGS = ("retail", "finance", "tech", "brand", "logistics", "marketing")
ORG = 1


def instance(
    entries: int, judges: int, seed: int = 7
) -> tuple[list[AssignEntry], list[AssignJudge]]:
    """Entries of distinct teams; judges with 1-2 tags and 2 declared conflicts each."""
    rng = random.Random(seed)
    return (
        [AssignEntry(i, team_id=i) for i in range(entries)],
        [
            AssignJudge(
                10_000 + i,
                frozenset(rng.sample(TAGS, rng.randint(1, 2))),
                frozenset(rng.sample(range(entries), 2)),
            )
            for i in range(judges)
        ],
    )


def naive_assign(
    entries: Sequence[AssignEntry], judges: Sequence[AssignJudge], k: int
) -> dict[int, tuple[int, ...]]:
    """Each place to the least-loaded eligible judge, loads recounted by scanning."""
    made: list[tuple[int, int]] = []
    plan: dict[int, tuple[int, ...]] = {}
    for entry in entries:
        chosen: list[int] = []
        for _ in range(k):
            loads = Counter(judge_id for _, judge_id in made)
            able = [j for j in judges if entry.team_id not in j.conflicts and j.id not in chosen]
            if not able:
                raise NotEnoughJudges(entry=entry.id, team="", needed=k, available=len(chosen))
            best = min(able, key=lambda j: (loads[j.id], j.id))
            chosen.append(best.id)
            made.append((entry.id, best.id))
        plan[entry.id] = tuple(chosen)
    return plan


def spread(plan: dict[int, tuple[int, ...]]) -> tuple[int, int]:
    loads = Counter(j for chosen in plan.values() for j in chosen)
    return min(loads.values()), max(loads.values())


def timed_sync(run: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def timed(run: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def fixture(services: Services, entries: int, judges: int) -> int:
    """A contest with ``entries`` entries of distinct teams, some votes, ``judges`` judges;
    returns the contest id."""
    rng = random.Random(11)
    contest = await services.contests.create(
        actor_id=ORG,
        name="Business plans",
        category="plan",
        submissions_open=NOW + dt.timedelta(hours=1),
        submissions_close=NOW + dt.timedelta(days=1),
        voting_close=NOW + dt.timedelta(days=2),
    )
    async with services.db.write() as conn:
        await conn.execute(
            insert(teams),
            [
                {
                    "season": "2026",
                    "name": f"Team {i}",
                    "name_key": name_key(f"Team {i}"),
                    "track": "student",
                    "captain_id": 500_000 + i,
                    "invite_code": f"B{i:07d}",
                    "created_at": NOW,
                }
                for i in range(entries)
            ],
        )
        team_ids = [int(t) for (t,) in await conn.execute(select(teams.c.id).order_by(teams.c.id))]
        await conn.execute(
            insert(submissions),
            [
                {
                    "contest_id": contest.id,
                    "team_id": team_id,
                    "team_key": team_id,
                    "user_id": 500_000 + i,
                    "title": f"Plan {i}",
                    "url": f"https://example.com/{i}",
                    "created_at": NOW + dt.timedelta(seconds=i),
                    "updated_at": NOW + dt.timedelta(seconds=i),
                }
                for i, team_id in enumerate(team_ids)
            ],
        )
        entry_ids = [
            int(s)
            for (s,) in await conn.execute(select(submissions.c.id).order_by(submissions.c.id))
        ]
        await conn.execute(
            insert(votes),
            [
                {
                    "contest_id": contest.id,
                    "submission_id": rng.choice(entry_ids),
                    "voter_id": 700_000 + v,
                    "voter_created_at": NOW - dt.timedelta(days=400),
                    "created_at": NOW,
                }
                for v in range(entries * 2)
            ],
        )
    for i in range(judges):
        await services.judging.add_judge(
            actor_id=ORG,
            user_id=600_000 + i,
            name=f"Judge {i}",
            tags=rng.sample(TAGS, rng.randint(1, 2)),
            conflict_team_ids=rng.sample(team_ids, 2),
        )
    return contest.id


async def score_everything(services: Services, round_id: int) -> int:
    """Submit every assignment's sheet with random scores (judges a little harsh or lenient)."""
    rng = random.Random(13)
    async with services.db.write() as conn:
        rows = await jq.round_assignments(conn, round_id)
        bias = {judge_id: rng.randint(-2, 2) for judge_id in {r.judge_id for r in rows}}
        await conn.execute(
            insert(judging_score_sheets),
            [
                {
                    "assignment_id": r.id,
                    "scores": {
                        key: max(1, min(10, rng.randint(3, 8) + bias[r.judge_id]))
                        for key in ("feasibility", "innovation", "business_value")
                    },
                    "submitted_at": NOW,
                    "updated_at": NOW,
                }
                for r in rows
            ],
        )
        await conn.execute(
            update(judging_assignments)
            .where(judging_assignments.c.round_id == round_id)
            .values(status="submitted")
        )
    return len(rows)


async def naive_results(services: Services, round_id: int) -> list[EntryResult]:
    """Per-entry queries: the entry's assignments, each of their sheets, its vote count."""
    async with services.db.read() as conn:
        found = await jq.get_round(conn, round_id)
        if found is None:
            raise LookupError(round_id)
        row = found[0]
        entries = await jq.round_entries(conn, round_id)
        total_votes = int(
            await conn.scalar(
                select(func.count()).select_from(votes).where(votes.c.contest_id == row.contest_id)
            )
            or 0
        )
        inputs: list[EntryInput] = []
        sheets: list[SheetScore] = []
        rubric = rubric_from_json(row.rubric)
        for e in entries:
            assignments = (
                await conn.execute(
                    select(judging_assignments).where(
                        judging_assignments.c.round_id == round_id,
                        judging_assignments.c.submission_id == e.submission_id,
                    )
                )
            ).all()
            for a in assignments:
                sheet = await jq.get_sheet(conn, a.id)
                if a.status == "submitted" and sheet is not None and sheet.submitted_at:
                    sheets.append(
                        SheetScore(a.judge_id, a.submission_id, sheet_score(sheet.scores, rubric))
                    )
            count = int(
                await conn.scalar(
                    select(func.count())
                    .select_from(votes)
                    .where(votes.c.submission_id == e.submission_id, votes.c.voided_at.is_(None))
                )
                or 0
            )
            inputs.append(
                EntryInput(e.submission_id, e.team_id, e.team_name, e.title, count, e.position)
            )
    weights = Weights(
        row.judge_weight, row.community_weight, rubric.scale_min, rubric.scale_max, row.normalize
    )
    return list(rank_entries(inputs, sheets, weights, total_votes=total_votes))


async def main(n_entries: int, n_judges: int, k: int, runs: int) -> None:
    entries, judges = instance(n_entries, n_judges)
    print(f"assignment: {n_entries} entries x {n_judges} judges, k={k}")
    plan = assign(entries, judges, k, seed=1)
    baseline = naive_assign(entries, judges, k)
    fast = statistics.median(timed_sync(lambda: assign(entries, judges, k, seed=1), runs))
    slow = statistics.median(
        timed_sync(lambda: naive_assign(entries, judges, k), max(1, runs // 2))
    )
    print(
        f"  assign: median {fast:.0f} ms (loads {spread(plan)}); naive rescanning loads: "
        f"median {slow:.0f} ms (loads {spread(baseline)}); naive / assign = {slow / fast:.1f}x"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await migrate(db)
        clock = FrozenClock(NOW)
        competition = load_competition(EXAMPLE)
        services = build_services(db=db, clock=clock, competition=competition, guild_id=1)
        try:
            contest = await fixture(services, n_entries, n_judges)
            round_ = await services.judging.create_round(
                actor_id=ORG,
                contest=contest,
                name="Preliminary",
                judges_per_entry=k,
                deadline=NOW + dt.timedelta(days=7),
                community_weight=0.2,
                judge_weight=0.8,
            )
            start = time.perf_counter()
            await services.judging.open_round(actor_id=ORG, round_id=round_.id)
            opened = (time.perf_counter() - start) * 1000
            sheets = await score_everything(services, round_.id)
            print(f"  open_round on SQLite (plan + {sheets} assignments written): {opened:.0f} ms")
            print(f"results: {n_entries} entries, {sheets} submitted sheets")
            for normalize in (False, True):
                async with db.write() as conn:
                    await conn.execute(update(judging_rounds).values(normalize=normalize))
                ours = await services.judging.results(round_.id)
                theirs = await naive_results(services, round_.id)
                if [r.entry_id for r in ours.results] != [r.entry_id for r in theirs]:
                    raise SystemExit("the naive pass ranks differently: the bench is broken")
                fast_ms = statistics.median(
                    await timed(lambda: services.judging.results(round_.id), runs)
                )
                slow_ms = statistics.median(
                    await timed(lambda: naive_results(services, round_.id), runs)
                )
                print(
                    f"  results (normalize={normalize}): median {fast_ms:.0f} ms; naive per-entry "
                    f"queries: median {slow_ms:.0f} ms; naive / results = {slow_ms / fast_ms:.1f}x"
                )
            async with db.read() as conn:
                entries_in_round = await conn.scalar(
                    select(func.count()).select_from(judging_entries)
                )
            print(f"  (round entries: {entries_in_round})")
            judge = (await services.judging.judges())[0]
            tasks = await services.judging.queue(judge.id)

            async def one_by_one() -> None:
                for task in tasks:
                    await services.judging.task(judge.id, task.assignment.id)

            fast_ms = statistics.median(await timed(lambda: services.judging.queue(judge.id), runs))
            slow_ms = statistics.median(await timed(one_by_one, runs))
            print(
                f"queue of one judge ({len(tasks)} tasks): median {fast_ms:.0f} ms; one task at "
                f"a time: median {slow_ms:.0f} ms; one at a time / queue = {slow_ms / fast_ms:.1f}x"
            )
        finally:
            await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--judges", type=int, default=60)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.judges, args.k, args.runs))
