"""Scale figures for the web and gateway side of a big season (issue 15), each a ratio to a
baseline measured in the same run:

- **board**: public board (``GET /``) requests/s and p99 with 1 and 2 ``podium run --only
  web`` processes on one PostgreSQL database filled by ``podium seed-demo``; a load client
  on localhost keeps ``--concurrency`` requests in flight for ``--seconds`` (and at most
  ``--max-requests``) per phase. Ratio: 2 processes against 1.
- **actives**: weekly actives (8 weeks) and the dashboard's engagement section from the
  rollups, against the full scans of ``activity_daily`` they replaced, at ``--members``.
- **memory**: the gateway's RSS (``podium run`` against the fake Discord) once its start-up
  cohort repair has read a guild of ``--guild-members`` members, with 10,000 teams in the
  database; against a bare discord.py client with the same intents and member cache that
  reads the same guild, and against Podium with an empty guild.

    .venv/bin/python bench/scale_web.py [--only board,actives,memory] [--members 100000]
        [--guild-members 100000] [--seconds 8] [--concurrency 16]

The board part needs PostgreSQL (``PODIUM_TEST_POSTGRES_URL``, as the tests). Figures, not a
test: it never fails on timing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from activity import COHORTS, NOW, load_fixture, summary, timed  # noqa: E402  (bench/activity.py)

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.queries import activity as q  # noqa: E402
from tests.conftest import EXAMPLE_COMPETITION, GUILD_ID  # noqa: E402
from tests.databases import create_postgres_database, drop_postgres_database  # noqa: E402
from tests.e2e.conftest import base_env, free_port, podium_process  # noqa: E402
from tests.fakes.discord import FakeDiscord  # noqa: E402

BARE_CLIENT = """
import asyncio, sys, discord, yarl, discord.http, discord.gateway
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
intents = discord.Intents.none()
intents.guilds = True; intents.members = True; intents.guild_messages = True
client = discord.Client(
    intents=intents, chunk_guilds_at_startup=False, max_messages=None,
    member_cache_flags=discord.MemberCacheFlags.from_intents(intents),
)
@client.event
async def on_ready():
    members = await client.guilds[0].chunk()
    print("CHUNKED", len(members), flush=True)
client.run("fake-token", log_handler=None)
"""


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) of a process in MB, from /proc."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


# -- actives ------------------------------------------------------------------------------
async def actives(members: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await migrate(db)
        await db.dispose()
        started = time.perf_counter()
        rows = load_fixture(path, members, 8)
        print(
            f"actives: {members} members, {rows} daily rows ({time.perf_counter() - started:.0f} s)"
        )
        db = Database(f"sqlite+aiosqlite:///{path}")
        services = build_services(
            db=db,
            clock=FrozenClock(NOW),
            competition=load_competition(EXAMPLE_COMPETITION),
            guild_id=1,
        )
        activity = services.activity
        started = time.perf_counter()
        await activity.ensure_rollups()
        print(f"  rollup build, once after migration 0023: {time.perf_counter() - started:.1f} s")

        async def full_scan() -> object:
            async with db.read() as conn:
                return [
                    await q.actives_between(conn, w.first_day, w.first_day + dt.timedelta(days=6))
                    for w in activity._weeks_back(8)
                ]

        scan_med, scan_p99 = summary(await timed(full_scan, max(3, runs // 5)))
        roll_med, roll_p99 = summary(await timed(lambda: activity.weekly_actives(weeks=8), runs))
        dash_med, dash_p99 = summary(await timed(services.dashboard.engagement, runs))
        print(f"  weekly actives, full scans: median {scan_med:.1f} ms, p99 {scan_p99:.1f} ms")
        print(
            f"  weekly actives, rollups:    median {roll_med:.2f} ms, p99 {roll_p99:.2f} ms "
            f"({scan_med / roll_med:.0f}x faster)"
        )
        print(f"  dashboard engagement():    median {dash_med:.2f} ms, p99 {dash_p99:.2f} ms")
        await db.dispose()


# -- memory -------------------------------------------------------------------------------
def seed_season(path: Path, members: int, teams: int) -> None:
    """Members with cohorts, and ``teams`` teams of four in the example's tracks."""
    competition = load_competition(EXAMPLE_COMPETITION)
    season = competition.competition.season
    tracks = [t.key for t in competition.tracks]
    now = NOW.replace(tzinfo=None).isoformat(sep=" ")
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO members (user_id, display_name, locale, cohort_key, first_seen_at, "
        "last_seen_at) VALUES (?, ?, 'en', ?, ?, ?)",
        [(member_id(i), f"member{i}", COHORTS[i % 3], now, now) for i in range(members)],
    )
    conn.executemany(
        "INSERT INTO teams (id, season, name, name_key, track, captain_id, invite_code, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                t + 1,
                season,
                f"Team {t}",
                f"team {t}",
                tracks[t % len(tracks)],
                member_id(4 * t),
                f"INV{t:08d}",
                now,
            )
            for t in range(teams)
        ],
    )
    conn.executemany(
        "INSERT INTO team_members (team_id, user_id, season, joined_at) VALUES (?, ?, ?, ?)",
        [(t + 1, member_id(4 * t + k), season, now) for t in range(teams) for k in range(4)],
    )
    conn.commit()
    conn.close()


def member_id(i: int) -> int:
    return 700_000_000_000_000_000 + i


def fill_guild(fake: FakeDiscord, members: int) -> None:
    """``members`` members in the fake guild, without events (the bot reads them by chunks)."""
    for i in range(members):
        uid = member_id(i)
        fake.members[uid] = fake._member_payload(fake._user_payload(uid, f"member{i}"), [], None)


async def podium_rss(fake: FakeDiscord, members: int, teams: int) -> tuple[float, float, float]:
    """(RSS, peak RSS, seconds to ready and repaired) of ``podium run`` on this guild."""
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        process = podium_process(workdir, fake)
        db = Database(f"sqlite+aiosqlite:///{workdir / 'podium.db'}")
        await migrate(db)
        await db.dispose()
        seed_season(workdir / "podium.db", members, teams)
        started = time.monotonic()
        # Loading the guild's members takes a while: up to ten minutes to be healthy.
        await process.start(limit=600)
        deadline = time.monotonic() + 600
        while "cohort role repair" not in process.log():
            if time.monotonic() > deadline:
                raise SystemExit("podium never finished its start-up repair:\n" + process.log())
            await asyncio.sleep(0.2)
        seconds = time.monotonic() - started
        await asyncio.sleep(1)
        assert process.proc is not None
        rss, peak = rss_mb(process.proc.pid)
        await process.terminate()
        process.db.close()
        return rss, peak, seconds


async def bare_rss(fake: FakeDiscord) -> tuple[float, float]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BARE_CLIENT,
        fake.api_base_url,
        fake.gateway_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    async with asyncio.timeout(600):
        line = await proc.stdout.readline()
    assert line.startswith(b"CHUNKED"), line
    await asyncio.sleep(1)
    found = rss_mb(proc.pid)
    proc.terminate()
    await proc.wait()
    return found


async def memory(guild_members: int, teams: int) -> None:
    empty = FakeDiscord(guild_id=GUILD_ID)
    await empty.start()
    try:
        small, small_peak, _ = await podium_rss(empty, 0, 0)
    finally:
        await empty.stop()
    fake = FakeDiscord(guild_id=GUILD_ID)
    await fake.start()
    try:
        fill_guild(fake, guild_members)
        bare, bare_peak = await bare_rss(fake)
        rss, peak, seconds = await podium_rss(fake, guild_members, teams)
    finally:
        await fake.stop()
    per_member = (rss - small) * 1024 / max(1, guild_members)
    print(f"memory: guild of {guild_members} members, {teams} teams in the database")
    print(f"  podium, empty guild:        RSS {small:.0f} MB (peak {small_peak:.0f} MB)")
    print(f"  bare discord.py, chunked:   RSS {bare:.0f} MB (peak {bare_peak:.0f} MB)")
    print(
        f"  podium, chunked + repaired: RSS {rss:.0f} MB (peak {peak:.0f} MB), ready and "
        f"repaired in {seconds:.0f} s; {per_member:.1f} KB per member; "
        f"{rss / bare:.2f}x the bare client"
    )


# -- board --------------------------------------------------------------------------------
def web_env(workdir: Path, url: str, port: int) -> dict[str, str]:
    return base_env(workdir) | {
        "DATABASE_URL": url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "DASHBOARD_SECRET": "bench-secret-" + "x" * 32,
    }


def read(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_healthy(port: int, proc: asyncio.subprocess.Process, log: Path) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(1200):
            if proc.returncode is not None:
                raise SystemExit(f"web process exited {proc.returncode}:\n{read(log)}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit(f"web process not healthy:\n{read(log)}")


async def load(
    ports: list[int], seconds: float, concurrency: int, limit: int
) -> tuple[float, float, float, int]:
    """(requests/s, median ms, p99 ms, errors) of GET / spread over ``ports``."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency * 2)

    async def worker(index: int, http: aiohttp.ClientSession) -> None:
        nonlocal errors, sent
        turn = index
        while time.monotonic() < deadline and sent < limit:
            sent += 1
            port = ports[turn % len(ports)]
            turn += 1
            started = time.perf_counter()
            try:
                async with http.get(f"http://127.0.0.1:{port}/") as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(worker(i, http) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / elapsed, statistics.median(ordered), p99, errors


async def board(seconds: float, concurrency: int, limit: int) -> None:
    if not os.environ.get("PODIUM_TEST_POSTGRES_URL"):
        print(
            "board: skipped (PODIUM_TEST_POSTGRES_URL: a PostgreSQL the role creates databases on)"
        )
        return
    url = await create_postgres_database()
    procs: list[asyncio.subprocess.Process] = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            workdir = Path(folder)
            shutil.copy(EXAMPLE_COMPETITION, workdir / "competition.toml")
            seed = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "seed-demo",
                cwd=workdir,
                env=web_env(workdir, url, free_port()),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await seed.communicate()
            if seed.returncode != 0:
                raise SystemExit(f"seed-demo failed:\n{stderr.decode()}")
            ports = [free_port(), free_port()]
            for n, port in enumerate(ports):
                log = workdir / f"web{n}.log"
                with log.open("wb") as out:
                    procs.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable,
                            "-m",
                            "bot",
                            "run",
                            "--only",
                            "web",
                            cwd=workdir,
                            env=web_env(workdir, url, port),
                            stdout=out,
                            stderr=out,
                        )
                    )
                await wait_healthy(port, procs[-1], log)
            await load(ports, 1, concurrency, limit)  # warm both (templates, pools)
            one = await load(ports[:1], seconds, concurrency, limit)
            two = await load(ports, seconds, concurrency, limit)
            print(f"board: GET / on PostgreSQL, {concurrency} in flight, {seconds:.0f} s per phase")
            for name, (rps, med, p99, errs) in (("1 web process ", one), ("2 web processes", two)):
                print(f"  {name}: {rps:.0f} req/s, median {med:.1f} ms, p99 {p99:.1f} ms", end="")
                print(f", {errs} errors")
            print(
                f"  2 processes / 1: {two[0] / one[0]:.2f}x requests/s, p99 {two[2] / one[2]:.2f}x"
            )
    finally:
        for proc in procs:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
        await drop_postgres_database(url)


async def main(args: argparse.Namespace) -> None:
    parts = set(args.only.split(","))
    print(f"cpu cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    if "board" in parts:
        await board(args.seconds, args.concurrency, args.max_requests)
    if "actives" in parts:
        await actives(args.members, args.runs)
    if "memory" in parts:
        await memory(args.guild_members, args.teams)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="board,actives,memory")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--guild-members", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=20_000)
    asyncio.run(main(parser.parse_args()))
