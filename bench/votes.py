"""Votes at contest scale: 20,000 votes from 5,000 members over 200 entries.

Three measurements in one run, each on a fresh migrated SQLite file:

1. **service**: ``ContestService.vote`` called by 64 concurrent callers (every rule checked:
   window, own team, ages, maximum, rate limit, double press; every vote an event row).
2. **cog**: the same votes as real component-interaction payloads (``podium:vote:<id>``)
   through the real PodiumBot and discord.py against the fake Discord, 64 clicks in flight,
   with the gallery posts' counts kept up to date by the coalesced edits. The fake runs in
   its own process (``tests/fakes/discord/process.py``; ``--fake inline`` puts it back
   in this event loop) and drives and times the clicks there, so the figure measures the
   bot, and the CPU seconds of each process are printed.
3. **baseline**: raw single-row ``INSERT`` + commit of the same rows, one transaction per
   row, through the same single writer connection into the same SQLite file (the cheapest
   durable write the stack can do per vote, without any rule).

Prints votes per second, p50 and p99 latency of each, the ratios to the baseline, the
gallery edits, and the CPU time the bot's process and the fake's process spent per vote.
``--profile FILE`` writes a cProfile of the bot process during the clicks.
Group commit (votes that arrive during a transaction are applied together in the next one,
each caller awaiting its own result) is what lets the rule-checked path keep up.

    .venv/bin/python bench/votes.py [--members 5000] [--entries 200] [--per-member 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert  # noqa: E402

from bot.app import PodiumBot  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import CompetitionConfig, load_competition  # noqa: E402
from bot.i18n import Catalogs  # noqa: E402
from bot.overrides import apply_discord_overrides  # noqa: E402
from bot.services.contests import ContestService, VoteOutcome  # noqa: E402
from bot.services.names import name_key  # noqa: E402
from bot.services.registry import Services  # noqa: E402
from cogs.contests.gallery import gallery_counter, post_entry  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.schema import team_members, teams  # noqa: E402
from tests.fakes.discord import FakeDiscord  # noqa: E402
from tests.fakes.discord.process import (  # noqa: E402
    ClickRun,
    FakeDiscordProcess,
    run_clicks,
    summary,
)

GUILD_ID = 900000000000000001
ORGANIZER = 100000000000000010
CAPTAIN_BASE = 300000000000000000
VOTER_BASE = 400000000000000000
T0 = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
OPENS = T0 + dt.timedelta(hours=1)
CLOSES = T0 + dt.timedelta(days=1)
VOTING_CLOSE = T0 + dt.timedelta(days=2)
VOTING = CLOSES + dt.timedelta(hours=1)
OLD = T0 - dt.timedelta(days=400)
CONCURRENCY = 64


def rules(competition: CompetitionConfig, per_member: int) -> CompetitionConfig:
    votes = competition.votes.model_copy(
        update={"max_votes_per_contest": max(per_member, 3), "rate_limit_per_minute": 600}
    )
    return competition.model_copy(update={"votes": votes})


async def fresh(path: Path, per_member: int) -> tuple[Database, Services, FrozenClock]:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await migrate(db)
    clock = FrozenClock(T0)
    competition = rules(load_competition(ROOT / "competition.example.toml"), per_member)
    services = build_services(db=db, clock=clock, competition=competition, guild_id=GUILD_ID)
    return db, services, clock


async def seed(services: Services, clock: FrozenClock, entries: int) -> list[int]:
    """A contest and ``entries`` entries from as many one-member teams; clock in voting."""
    db = services.db
    async with db.write() as conn:
        for i in range(entries):
            team_id = (
                await conn.execute(
                    insert(teams)
                    .values(
                        season="2026",
                        name=f"Team {i:04d}",
                        name_key=name_key(f"Team {i:04d}"),
                        track="student",
                        captain_id=CAPTAIN_BASE + i,
                        invite_code=f"B{i:07d}",
                        created_at=T0,
                    )
                    .returning(teams.c.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(team_members).values(
                    team_id=team_id, user_id=CAPTAIN_BASE + i, season="2026", joined_at=T0
                )
            )
    contest = await services.contests.create(
        actor_id=ORGANIZER,
        name="Best Practical Case",
        category="case",
        submissions_open=OPENS,
        submissions_close=CLOSES,
        voting_close=VOTING_CLOSE,
    )
    clock.set(OPENS)
    ids = []
    for i in range(entries):
        made = await services.contests.submit(
            user_id=CAPTAIN_BASE + i, contest=contest.id, title=f"Entry {i}", url="https://ex.am/p"
        )
        ids.append(made.id)
    clock.set(VOTING)
    return ids


def plan(members: int, entry_ids: list[int], per_member: int) -> list[tuple[int, int]]:
    """(voter, entry) pairs: each member votes ``per_member`` distinct entries; shuffled."""
    rng = random.Random(5)
    pairs = [
        (VOTER_BASE + m, entry)
        for m in range(members)
        for entry in rng.sample(entry_ids, per_member)
    ]
    rng.shuffle(pairs)
    return pairs


async def run_concurrently(
    pairs: list[tuple[int, int]], call: Callable[[int, int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run ``call`` for every pair with CONCURRENCY in flight; (seconds, latencies in ms)."""
    latencies: list[float] = []
    queue = iter(pairs)

    async def worker() -> None:
        for voter, entry in queue:
            started = time.perf_counter()
            await call(voter, entry)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started, latencies


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def bench_service(
    folder: Path, args: argparse.Namespace
) -> tuple[float, list[float], int, float, list[float]]:
    db, services, clock = await fresh(folder / "service.db", args.per_member)
    entry_ids = await seed(services, clock, args.entries)
    pairs = plan(args.members, entry_ids, args.per_member)
    refused = 0

    async def call(voter: int, entry: int) -> None:
        nonlocal refused
        outcome = await services.contests.vote(
            submission_id=entry, voter_id=voter, account_created_at=OLD, joined_at=OLD
        )
        refused += not outcome.added

    seconds, latencies = await run_concurrently(pairs, call)
    counted = sum(p.votes for p in (await services.contests.results(1)).placings)
    if counted != len(pairs) or refused:
        raise SystemExit(f"service path counted {counted} of {len(pairs)} votes")
    base_seconds, base_latencies = await baseline(db, pairs)
    await db.dispose()
    return seconds, latencies, counted, base_seconds, base_latencies


async def baseline(db: Database, pairs: list[tuple[int, int]]) -> tuple[float, list[float]]:
    """Single-row INSERT commits of the same rows, through the one writer, same file."""
    raw = Table(
        "bench_raw_votes",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("contest_id", Integer, nullable=False),
        Column("submission_id", Integer, nullable=False),
        Column("voter_id", Integer, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    async with db.write() as conn:
        await conn.run_sync(raw.metadata.create_all)
    now = VOTING.replace(tzinfo=None)
    latencies: list[float] = []
    started = time.perf_counter()
    for voter, entry in pairs:
        one = time.perf_counter()
        async with db.write() as conn:
            await conn.execute(
                insert(raw).values(
                    contest_id=1, submission_id=entry, voter_id=voter, created_at=now
                )
            )
        latencies.append((time.perf_counter() - one) * 1000)
    return time.perf_counter() - started, latencies


class InlineFake:
    """The fake Discord in the bench's own event loop, behind ``FakeDiscordProcess``'s API
    (``--fake inline``: the old set-up, where the fake shares the loop and core with the bot)."""

    def __init__(self, **options: Any) -> None:
        self.fake = FakeDiscord(**options)
        self.api_base_url = ""
        self.gateway_url = ""

    async def start(self) -> None:
        await self.fake.start()
        self.api_base_url, self.gateway_url = self.fake.api_base_url, self.fake.gateway_url

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        value = getattr(self.fake, method)(*args, **kwargs)
        return summary(await value if asyncio.iscoroutine(value) else value)

    async def call_many(
        self, method: str, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]
    ) -> list[Any]:
        return [await self.call(method, *a, **k) for a, k in calls]

    async def get(self, attribute: str, *keys: Any) -> Any:
        value = getattr(self.fake, attribute)
        for key in keys:
            value = value[key]
        return value

    async def clicks(
        self, presses: Sequence[tuple[str, int, int | None]], *, concurrency: int
    ) -> ClickRun:
        return await run_clicks(self.fake, presses, concurrency)

    async def stop(self) -> None:
        await self.fake.stop()


@dataclass
class CogRun:
    seconds: float
    latencies: list[float]
    counted: int
    edits: int
    bot_cpu: float  # this process's CPU seconds during the clicks (bot + bench)
    loop_cpu: float  # of which the event loop's thread (the rest: SQLite's thread)
    fake_cpu: float  # the fake process's CPU seconds (inline: included in bot_cpu)
    batches: int  # vote transactions (group commits) the clicks took


class ConstantVotes(ContestService):
    """``--floor``: every press answered "Vote counted" at once, without the database and
    without a gallery edit, so the cog path's figure is discord.py's own cost per press
    (gateway, parsing, the dynamic item, the HTTP response) on this machine."""

    async def vote(
        self,
        *,
        submission_id: int,
        voter_id: int,
        account_created_at: dt.datetime,
        joined_at: dt.datetime | None,
    ) -> VoteOutcome:
        return VoteOutcome(
            submission_id=submission_id,
            added=True,
            used=1,
            max_votes=self.rules.max_votes_per_contest,
            channel_id=None,
            message_id=None,
        )


async def bench_cog(folder: Path, args: argparse.Namespace, *, floor: bool = False) -> CogRun:
    db, services, clock = await fresh(folder / ("floor.db" if floor else "cog.db"), args.per_member)
    competition = services.competition
    fake: FakeDiscordProcess | InlineFake = (
        FakeDiscordProcess(guild_id=GUILD_ID)
        if args.fake == "process"
        else InlineFake(guild_id=GUILD_ID)
    )
    await fake.start()
    manager = await fake.call("add_role", "Server Manager", permissions=1 << 5)
    await fake.call("add_member", ORGANIZER, "Olivia Organizer", roles=[int(manager["id"])])
    await fake.call_many(
        "add_member",
        [((VOTER_BASE + m, f"Voter {m}"), {"joined_at": OLD}) for m in range(args.members)],
    )
    apply_discord_overrides(fake.api_base_url, fake.gateway_url)
    bot = PodiumBot(
        services=services, competition=competition, catalogs=Catalogs(), guild_id=GUILD_ID
    )
    client = asyncio.create_task(bot.start("fake-token"))
    try:
        await fake.call("wait_for_commands")
        await fake.call("wait_ready")
        await fake.call("invoke", "admin setup", user_id=ORGANIZER)
        entry_ids = await seed(services, clock, args.entries)
        message_ids: dict[int, int] = {}
        for entry_id in entry_ids:
            await post_entry(bot, await services.contests.submission(entry_id), None)
            message_ids[entry_id] = (await services.contests.submission(entry_id)).message_id or 0
        pairs = plan(args.members, entry_ids, args.per_member)
        presses = [(f"podium:vote:{entry}", voter, message_ids[entry]) for voter, entry in pairs]
        if floor:
            services.contests = ConstantVotes(
                db, clock, competition, services.audit, services.points, services.scheduler
            )
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None and not floor:
            profiler.enable()
        print(
            f"   {'floor' if floor else 'cog'}: {len(presses)} clicks from pid {os.getpid()}",
            flush=True,
        )
        cpu, loop_cpu = time.process_time(), time.thread_time()
        run = await fake.clicks(presses, concurrency=CONCURRENCY)
        bot_cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
        if profiler is not None and not floor:
            profiler.disable()
            profiler.dump_stats(args.profile)
        refused = sum(not text.startswith("Vote counted") for text in run.texts)
        counter = gallery_counter(bot)
        await counter.flush()
        counted = (
            len(presses) - refused
            if floor
            else sum(p.votes for p in (await services.contests.results(1)).placings)
        )
        edits = 0
        for m in message_ids.values():
            edits += int((await fake.get("messages", m)).get("_edits", 0))
        if refused or counted != len(pairs):
            raise SystemExit(f"cog path: {refused} refused, {counted} of {len(pairs)} counted")
        return CogRun(
            seconds=run.seconds,
            latencies=run.latencies_ms,
            counted=counted,
            edits=edits,
            bot_cpu=bot_cpu,
            loop_cpu=loop_cpu,
            fake_cpu=run.cpu_seconds if args.fake == "process" else 0.0,
            batches=services.contests.vote_batches[0],
        )
    finally:
        await bot.close()
        client.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await client
        await fake.stop()
        await db.dispose()


def line(name: str, count: int, seconds: float, latencies: list[float]) -> float:
    rate = count / seconds
    print(
        f"{name:9s} {count:6d} votes in {seconds:6.2f} s = {rate:8.0f} votes/s   "
        f"p50 {p(latencies, 50):7.2f} ms   p99 {p(latencies, 99):7.2f} ms"
    )
    return rate


def report_cog(name: str, run: CogRun, base: float, args: argparse.Namespace) -> None:
    """Rate, latencies, ratio to the baseline, gallery edits and CPU per vote of each process."""
    rate = line(name, run.counted, run.seconds, run.latencies)
    print(f"{name} / baseline:{' ' * (12 - len(name))}{rate / base:.2f}x")
    if name == "floor":
        print("floor: the same clicks answered without the database or gallery edits")
    else:
        print(f"{name}: gallery edits {run.edits} for {run.counted} votes on {args.entries} posts")
        print(
            f"{name}: {run.batches} vote transactions, "
            f"{run.counted / max(run.batches, 1):.1f} votes per group commit"
        )
    per_vote = 1000 / run.counted
    where = "bot process" if args.fake == "process" else "bot + fake, one process"
    fake = (
        f", {run.fake_cpu:.2f} s in the fake's process ({run.fake_cpu * per_vote:.3f} ms/vote)"
        if args.fake == "process"
        else ""
    )
    print(
        f"{name}: CPU {run.bot_cpu:.2f} s in the {where} ({run.bot_cpu * per_vote:.3f} ms/vote, "
        f"event loop's thread {run.loop_cpu * per_vote:.3f})" + fake
    )


async def main(args: argparse.Namespace) -> None:
    global CONCURRENCY
    CONCURRENCY = args.in_flight
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        total = args.members * args.per_member
        print(
            f"{total} votes from {args.members} members over {args.entries} entries, "
            f"{CONCURRENCY} in flight, fake Discord {args.fake}"
        )
        svc_s, svc_lat, svc_n, base_s, base_lat = await bench_service(folder, args)
        cog: CogRun | None = None
        floor: CogRun | None = None
        if not args.skip_cog:
            cog = await bench_cog(folder, args)
            if args.floor:
                floor = await bench_cog(folder, args, floor=True)
        base = line("baseline", total, base_s, base_lat)
        service = line("service", svc_n, svc_s, svc_lat)
        print(f"service / baseline: {service / base:.2f}x")
        if cog is not None:
            report_cog("cog", cog, base, args)
        if floor is not None:
            report_cog("floor", floor, base, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--per-member", type=int, default=4)
    parser.add_argument("--skip-cog", action="store_true")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=CONCURRENCY,
        help="calls (service) and clicks (cog) kept in flight at once",
    )
    parser.add_argument(
        "--fake",
        choices=("process", "inline"),
        default="process",
        help="run the fake Discord in its own process (default) or in the bench's event loop",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run the cog path with votes answered without the database (discord.py's cost)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the bot process during the clicks into FILE"
    )
    asyncio.run(main(parser.parse_args()))
