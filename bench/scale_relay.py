"""Scale-out figures on PostgreSQL: WhatsApp relay throughput with N workers, and vote ingest.

Two parts of issue 15's ``bench/scale.py`` (the web figures are in ``bench/scale_web.py``).
Needs a PostgreSQL server: ``--postgres-url``, default ``$PODIUM_BENCH_POSTGRES_URL`` or the
test server's ``podium_test`` database; every run works in a schema of its own, dropped at
the end. Every figure is a ratio to a reference measured in the same run.

1. **Relay throughput.** 1, 2 and 4 worker processes, each running the real ``Relay`` with
   its own database engine on one PostgreSQL database (``FOR UPDATE SKIP LOCKED`` claims),
   drain one broadcast through one fake Twilio in its own process, capped at 80 and at
   400 messages/s, with 10% of create calls answered 429 or 500 (seeded). Each worker's
   limiter gets cap / N. The fake posts live signed ``sent`` and ``delivered`` callbacks to
   a web process serving the real ``/twilio/status`` webhook (group commits). Printed per
   run: messages Twilio accepted per second as a fraction of the cap, from the start to
   the last accept and in the steady middle (5% to 95% of the messages); the fraction of
   the cap's tokens used, faulted attempts included (an injected fault spends a token, so
   10% faults leave 0.9 of the cap for messages); duplicates (a number messaged twice:
   must be 0); rows delivered by callbacks; CPU ms per message in the workers and in the
   web process, and callbacks per group commit.
2. **Vote ingest.** ``ContestService.vote`` (every rule, group commit) from 64 concurrent
   callers, against raw single-row INSERT commits from 64 concurrent callers on the same
   PostgreSQL database (no rule: the floor a vote cannot beat one transaction at a time).

    .venv/bin/python bench/scale_relay.py [--seconds 6] [--workers 1,2,4] [--caps 80,400]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from twilio_setup import ACCOUNT, SENDER, TOKEN, example, register_templates  # noqa: E402
from votes import GUILD_ID as VOTE_GUILD  # noqa: E402
from votes import OLD, VOTING, plan, rules, run_concurrently, seed  # noqa: E402
from votes import T0 as VOTE_T0  # noqa: E402

from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FrozenClock, SystemClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.i18n import Catalogs  # noqa: E402
from bot.services.audit import AuditService  # noqa: E402
from bot.services.outbox import OutboxService  # noqa: E402
from bot.services.whatsapp import WhatsAppService  # noqa: E402
from bot.whatsapp.relay import Relay  # noqa: E402
from bot.whatsapp.twilio_client import build_twilio_client, close_twilio_client  # noqa: E402
from bot.whatsapp.webhooks import add_twilio_routes  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.queries import relay as relay_queries  # noqa: E402
from storage.schema import subscribers  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

FAULT_RATE = 0.10
DEFAULT_URL = "postgresql+asyncpg://podium:podium@127.0.0.1:5432/podium_test"


# -- child processes: each waits for a line on stdin to start, and prints JSON lines ----------
async def _line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def _say(value: Any) -> None:
    print(json.dumps(value), flush=True)


async def role_fake(cap: float) -> None:
    from tests.fakes.twilio import FakeTwilio

    async with FakeTwilio(
        rate_cap_per_second=cap,
        fault_rate=FAULT_RATE,
        fault_seed=15,
        callback_concurrency=32,
        callback_statuses=("sent", "delivered"),
    ) as fake:
        register_templates(fake)
        _say({"url": fake.base_url})
        await _line()  # the run is over
        await fake.flush_callbacks(timeout=120)
        accepted = sorted(r.at for r in fake.requests if r.method == "POST" and r.status == 201)
        sent = collections.Counter(m.to for m in fake.messages)
        _say(
            {
                "messages": len(fake.messages),
                "duplicates": sum(c - 1 for c in sent.values()),
                "rate_429": sum(1 for r in fake.requests if r.status == 429)
                - fake.random_faults[429],
                "faults": sum(fake.random_faults.values()),
                "lists": sum(1 for r in fake.requests if r.method == "GET"),
                "accepted_at": accepted,
                "callbacks_failed": sum(1 for c in fake.callback_log if c.status != 204),
            }
        )


async def role_web(url: str, schema: str, port: int) -> None:
    db = Database(url, pg_schema=schema)
    clock, competition = SystemClock(), example()
    outbox = OutboxService(db, clock, competition)
    app = web.Application()
    add_twilio_routes(
        app,
        whatsapp=WhatsAppService(db, clock, competition, AuditService(db, clock)),
        outbox=outbox,
        catalogs=Catalogs(),
        auth_token=TOKEN,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    _say({"ready": True})
    await _line()
    cpu = time.process_time()
    await _line()  # callbacks all applied
    transactions, callbacks = outbox.callback_batches
    _say({"cpu": time.process_time() - cpu, "transactions": transactions, "callbacks": callbacks})
    await runner.cleanup()
    await db.dispose()


async def role_worker(url: str, schema: str, fake_url: str, web_url: str, mps: float) -> None:
    db = Database(url, pg_schema=schema)
    clock = SystemClock()
    competition = example(mps)
    outbox = OutboxService(db, clock, competition)
    client = build_twilio_client(ACCOUNT, TOKEN, api_base_url=fake_url)
    relay = Relay(
        outbox=outbox,
        clock=clock,
        competition=competition,
        client=client,
        public_base_url=web_url,
        whatsapp_from=SENDER,
    )
    _say({"ready": True})
    await _line()
    cpu = time.process_time()
    while True:
        await relay.drain()
        async with db.read() as conn:
            due, waiting = await relay_queries.backlog(conn, now=clock.now())
        if due == 0 and waiting == 0:
            break
        await asyncio.sleep(0.05)
    _say({"cpu": time.process_time() - cpu, "sent": relay.sent})
    await close_twilio_client(client)
    await db.dispose()


# -- the coordinator ----------------------------------------------------------------------
class Child:
    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> dict[str, Any]:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return await self.read()

    async def read(self) -> dict[str, Any]:
        if self.proc is None or self.proc.stdout is None:
            raise RuntimeError("bench child not started")
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench child {self.args[:2]} ended early")
        value: dict[str, Any] = json.loads(line)
        return value

    async def tell(self) -> None:
        if self.proc is None or self.proc.stdin is None:
            raise RuntimeError("bench child not started")
        self.proc.stdin.write(b"\n")
        await self.proc.stdin.drain()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


class Schema:
    """A PostgreSQL schema of its own, migrated, dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"bench_{secrets.token_hex(5)}"
        self.admin = create_async_engine(url)
        self.db: Database | None = None

    async def __aenter__(self) -> Database:
        async with self.admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.db = Database(self.url, pg_schema=self.name)
        await migrate(self.db)
        return self.db

    async def __aexit__(self, *exc: object) -> None:
        if self.db is not None:
            await self.db.dispose()
        async with self.admin.begin() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :schema AND pid <> pg_backend_pid()"
                ),
                {"schema": self.name},
            )
            await conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        await self.admin.dispose()


async def relay_scale(url: str, workers: int, cap: float, seconds: float) -> dict[str, Any]:
    """One run: ``workers`` relay processes drain cap × seconds messages."""
    recipients = int(cap * seconds)
    schema = Schema(url)
    async with schema as db:
        clock = SystemClock()
        now = clock.now()
        async with db.write() as conn:
            await conn.execute(
                insert(subscribers),
                [
                    {
                        "user_id": i + 1,
                        "phone_e164": f"+1555{i:07d}",
                        "consent_at": now,
                        "consent_source": "bench",
                        "consent_text": "ok",
                        "created_at": now,
                    }
                    for i in range(recipients)
                ],
            )
        await OutboxService(db, clock, example()).enqueue(
            occurrence_key="scale:1",
            kind="broadcast",
            texts={"en": "Finals start now"},
            variables={"en": {"message": "Finals start now"}},
        )
        port = free_port()
        web_url = f"http://127.0.0.1:{port}"
        fake = Child("--role", "fake", "--cap", str(cap))
        site = Child("--role", "web", "--url", url, "--schema", schema.name, "--port", str(port))
        children = [fake, site]
        try:
            fake_url = (await fake.start())["url"]
            crew = [
                Child(
                    "--role",
                    "worker",
                    *("--url", url, "--schema", schema.name, "--fake", fake_url),
                    *("--web", web_url, "--mps", str(cap / workers)),
                )
                for _ in range(workers)
            ]
            children += crew
            await asyncio.gather(site.start(), *(w.start() for w in crew))
            started = time.monotonic()
            for child in (site, *crew):
                await child.tell()
            done = await asyncio.gather(*(w.read() for w in crew))
            sent_at = time.monotonic()
            delivered = 0
            while time.monotonic() - sent_at < 120:  # the callbacks still on their way
                async with db.read() as conn:
                    delivered = (await relay_queries.status_counts(conn, "scale:")).get(
                        "delivered", 0
                    )
                if delivered >= recipients:
                    break
                await asyncio.sleep(0.1)
            await fake.tell()
            twilio = await fake.read()
            await site.tell()
            web_stats = await site.read()
        finally:
            for child in children:
                await child.stop()
    accepted = twilio.pop("accepted_at")
    messages = len(accepted)
    lo, hi = accepted[int(0.05 * messages)], accepted[int(0.95 * messages) - 1]
    steady = (int(0.95 * messages) - int(0.05 * messages)) / max(hi - lo, 1e-9)
    overall = messages / max(accepted[-1] - started, 1e-9)
    used = (messages + twilio["faults"]) / max(accepted[-1] - started, 1e-9)
    return {
        "workers": workers,
        "cap": cap,
        "recipients": recipients,
        "overall": overall / cap,
        "steady": steady / cap,
        "tokens": used / cap,
        "delivered": delivered,
        "worker_ms": 1000 * sum(d["cpu"] for d in done) / max(messages, 1),
        "web_ms": 1000 * web_stats["cpu"] / max(messages, 1),
        "per_commit": web_stats["callbacks"] / max(web_stats["transactions"], 1),
        **twilio,
    }


async def vote_ingest(url: str, members: int, entries: int, per_member: int) -> None:
    async with Schema(url) as db:
        clock = FrozenClock(VOTE_T0)
        competition = rules(load_competition(ROOT / "competition.example.toml"), per_member)
        services = build_services(db=db, clock=clock, competition=competition, guild_id=VOTE_GUILD)
        entry_ids = await seed(services, clock, entries)
        pairs = plan(members, entry_ids, per_member)

        async def vote(voter: int, entry: int) -> None:
            outcome = await services.contests.vote(
                submission_id=entry, voter_id=voter, account_created_at=OLD, joined_at=OLD
            )
            if not outcome.added:
                raise SystemExit(f"vote refused: {voter} -> {entry}")

        seconds, latencies = await run_concurrently(pairs, vote)
        raw = Table(
            "bench_raw_votes",
            MetaData(),
            Column("id", Integer, primary_key=True),
            Column("contest_id", Integer, nullable=False),
            Column("submission_id", Integer, nullable=False),
            Column("voter_id", BigInteger, nullable=False),
            Column("created_at", DateTime, nullable=False),
        )
        async with db.write() as conn:
            await conn.run_sync(raw.metadata.create_all)
        at = VOTING.replace(tzinfo=None)

        async def single_row(voter: int, entry: int) -> None:
            async with db.write() as conn:
                await conn.execute(
                    insert(raw).values(
                        contest_id=1, submission_id=entry, voter_id=voter, created_at=at
                    )
                )

        base_seconds, base_latencies = await run_concurrently(pairs, single_row)
    rate, base_rate = len(pairs) / seconds, len(pairs) / base_seconds
    print(f"\nvote ingest on PostgreSQL: {len(pairs)} votes, 64 callers at once")
    print(
        f"  ContestService.vote (rules, group commit): {rate:8.0f} votes/s, "
        f"p50 {_q(latencies, 50):6.1f} ms, p99 {_q(latencies, 99):6.1f} ms"
    )
    print(
        f"  raw single-row INSERT commits:             {base_rate:8.0f} rows/s, "
        f"p50 {_q(base_latencies, 50):6.1f} ms, p99 {_q(base_latencies, 99):6.1f} ms"
    )
    print(f"  votes/s against raw commits: {rate / base_rate:.2f}x")


def _q(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


async def reachable(url: str) -> bool:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, DBAPIError):
        return False
    finally:
        await engine.dispose()
    return True


async def main(args: argparse.Namespace) -> None:
    url = args.postgres_url
    if not await reachable(url):
        print(f"skipped: no PostgreSQL at {make_url(url).render_as_string()} (--postgres-url)")
        return
    print(
        f"relay throughput on PostgreSQL, {args.seconds:g} s of the cap per run, "
        f"{FAULT_RATE:.0%} of creates faulted (429/500), live status callbacks"
    )
    print(
        "workers  cap/s  msgs  of cap (to last, steady)  tokens used  dups  429s faults lists"
        "  delivered  worker ms/msg  web ms/msg  callbacks/commit"
    )
    for cap in args.caps:
        for workers in args.workers:
            r = await relay_scale(url, workers, cap, args.seconds)
            print(
                f"{r['workers']:7d} {r['cap']:6.0f} {r['messages']:5d}"
                f"  {r['overall']:13.3f} {r['steady']:7.3f}  {r['tokens']:11.3f}"
                f"  {r['duplicates']:4d} {r['rate_429']:5d} {r['faults']:6d} {r['lists']:5d}"
                f"  {r['delivered']:5d}/{r['recipients']:<5d}"
                f"  {r['worker_ms']:13.2f}  {r['web_ms']:10.2f}  {r['per_commit']:16.1f}",
                flush=True,
            )
    if args.votes:
        await vote_ingest(url, args.members, args.entries, args.per_member)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"measured at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average {load}"
    )


def _counts(text: str) -> list[int]:
    return [int(n) for n in _numbers(text)]


def _numbers(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres-url", default=os.environ.get("PODIUM_BENCH_POSTGRES_URL", DEFAULT_URL)
    )
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--workers", type=_counts, default=[1, 2, 4])
    parser.add_argument("--caps", type=_numbers, default=[80.0, 400.0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--per-member", type=int, default=4)
    parser.add_argument("--no-votes", dest="votes", action="store_false")
    # the child processes' roles
    parser.add_argument("--role", choices=("fake", "web", "worker"))
    parser.add_argument("--url")
    parser.add_argument("--schema")
    parser.add_argument("--port", type=int)
    parser.add_argument("--fake")
    parser.add_argument("--web")
    parser.add_argument("--mps", type=float)
    parser.add_argument("--cap", type=float)
    parsed = parser.parse_args()
    if parsed.role == "fake":
        asyncio.run(role_fake(parsed.cap))
    elif parsed.role == "web":
        asyncio.run(role_web(parsed.url, parsed.schema, parsed.port))
    elif parsed.role == "worker":
        asyncio.run(role_worker(parsed.url, parsed.schema, parsed.fake, parsed.web, parsed.mps))
    else:
        asyncio.run(main(parsed))
