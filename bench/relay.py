"""WhatsApp relay throughput: 10,000 recipients against the fake Twilio capped at 500 msg/s.

The fake runs in a child process (so this process's CPU time is the relay's own). Prints:
- the achieved send rate as a ratio of the cap (target >= 0.95),
- CPU milliseconds per message in this process (``time.process_time``), next to the same
  figure for a baseline measured in the same run: bare ``create_async`` calls through the
  same twilio client and rate limiter, with no database (what the relay adds is the rest),
- duplicates in the fake's log (must be 0),
- the HTTP floor of a status callback: this process's CPU per callback for an aiohttp
  handler that only reads the form and answers 204, posted by a child process as many at
  once as the fake posts them; with it, the lowest ratio relay + callbacks could reach
  with this web server, and what Podium's webhook (signature, group commit) adds to it.

    .venv/bin/python bench/relay.py [--recipients 10000] [--cap 500]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiolimiter import AsyncLimiter  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from twilio_setup import ACCOUNT, SENDER, TOKEN, example  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
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

DEAD_CALLBACKS = "http://127.0.0.1:9"  # status callbacks are not part of this figure

FAKE = """
import asyncio, collections, json, sys
sys.path.insert(0, sys.argv[2])
from bot.config import load_competition
from tests.fakes.twilio import FakeTwilio

async def main():
    async with FakeTwilio(
        rate_cap_per_second=float(sys.argv[1]), callback_concurrency=int(sys.argv[4])
    ) as fake:
        # The example competition's templates, approved, as an operator creates them in the
        # Content Template Builder (the fake refuses unknown Content SIDs with 21655).
        templates = load_competition(sys.argv[2] + "/competition.example.toml").whatsapp.templates
        for kind in type(templates).model_fields:
            for language in type(getattr(templates, kind)).model_fields:
                ref = getattr(getattr(templates, kind), language)
                if ref is not None:
                    slots = " ".join(f"{{{{{i}}}}}" for i in range(1, len(ref.variables) + 1))
                    fake.register_template(ref.content_sid, slots)
        fake.callback_statuses = tuple(s for s in sys.argv[3].split(",") if s)
        print(fake.base_url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        sent = collections.Counter(m.to for m in fake.messages)
        print(json.dumps({
            "messages": len(fake.messages),
            "duplicates": sum(c - 1 for c in sent.values()),
            "rejected_429": sum(1 for r in fake.requests if r.status == 429),
            "lists": sum(1 for r in fake.requests if r.method == "GET"),
        }), flush=True)

asyncio.run(main())
"""


class FakeProcess:
    def __init__(self, cap: float, callbacks: str = "", callback_concurrency: int = 4) -> None:
        self.cap = cap
        self.callbacks = callbacks
        self.callback_concurrency = callback_concurrency
        self.proc: asyncio.subprocess.Process | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            FAKE,
            str(self.cap),
            str(ROOT),
            self.callbacks,
            str(self.callback_concurrency),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        if self.proc.stdout is None:
            raise RuntimeError("no pipe to the fake")
        self.base_url = (await self.proc.stdout.readline()).decode().strip()
        return self

    async def stats(self) -> dict[str, int]:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            raise RuntimeError("the fake is not running")
        self.proc.stdin.write(b"\n")
        await self.proc.stdin.drain()
        stats: dict[str, int] = json.loads(await self.proc.stdout.readline())
        return stats

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def baseline(recipients: int, cap: float, concurrency: int) -> tuple[float, float, dict]:
    """Bare create_async calls at the cap: (seconds, CPU seconds, fake stats)."""
    async with FakeProcess(cap) as fake:
        client = build_twilio_client(ACCOUNT, TOKEN, api_base_url=fake.base_url)
        limiter = AsyncLimiter(cap, 1.0)
        slots = asyncio.Semaphore(concurrency)
        numbers = collections.deque(f"whatsapp:+1555{i:07d}" for i in range(recipients))

        async def worker() -> None:
            while numbers:
                to = numbers.popleft()
                async with slots, limiter:
                    try:
                        await client.messages.create_async(
                            to=to,
                            from_=SENDER,
                            content_sid="HX" + "0" * 31 + "3",
                            content_variables=json.dumps({"1": "bench"}),
                            status_callback=DEAD_CALLBACKS + "/twilio/status?outbox_id=1",
                        )
                    except Exception:
                        numbers.append(to)

        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        await close_twilio_client(client)
        return wall, cpu, await fake.stats()


async def relay_run(
    recipients: int,
    cap: float,
    concurrency: int,
    *,
    callbacks: bool = False,
    callback_concurrency: int = 4,
) -> tuple[float, float, dict]:
    """The real relay draining a real outbox: (seconds, CPU seconds, fake stats).

    With ``callbacks`` the fake posts signed sent + delivered callbacks to this process's
    real ``/twilio/status`` webhook, and the CPU figure includes handling them (the run
    ends when every row is delivered)."""
    competition = example(cap, concurrency)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await migrate(db)
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
        outbox = OutboxService(db, clock, competition)
        await outbox.enqueue(
            occurrence_key="bench:1",
            kind="broadcast",
            texts={"en": "Finals start now"},
            variables={"en": {"message": "Finals start now"}},
        )
        statuses = WhatsAppService(db, clock, competition, AuditService(db, clock))
        web_runner: web.AppRunner | None = None
        public = DEAD_CALLBACKS
        if callbacks:
            app = web.Application()
            port = free_port()
            public = f"http://127.0.0.1:{port}"
            add_twilio_routes(
                app,
                whatsapp=statuses,
                outbox=outbox,
                catalogs=Catalogs(),
                auth_token=TOKEN,
                public_base_url=public,
            )
            web_runner = web.AppRunner(app, access_log=None)
            await web_runner.setup()
            await web.TCPSite(web_runner, "127.0.0.1", port).start()
        async with FakeProcess(
            cap, "sent,delivered" if callbacks else "", callback_concurrency
        ) as fake:
            client = build_twilio_client(ACCOUNT, TOKEN, api_base_url=fake.base_url)
            relay = Relay(
                outbox=outbox,
                clock=clock,
                competition=competition,
                client=client,
                public_base_url=public,
                whatsapp_from=SENDER,
            )
            wall, cpu = time.perf_counter(), time.process_time()
            while True:
                await relay.drain()
                async with db.read() as conn:
                    due, waiting = await relay_queries.backlog(conn, now=clock.now())
                if due == 0 and waiting == 0:
                    break
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - wall
            while callbacks:
                async with db.read() as conn:
                    counts = await relay_queries.status_counts(conn, "bench:")
                if counts.get("delivered", 0) >= recipients:
                    break
                await asyncio.sleep(0.05)
            cpu = time.process_time() - cpu
            await close_twilio_client(client)
            stats = await fake.stats()
            stats["callback_transactions"], stats["callbacks"] = outbox.callback_batches
            stats["check_reads"], stats["checks"] = outbox.consent_check_batches
        if web_runner is not None:
            await web_runner.cleanup()
        await db.dispose()
    return wall, cpu, stats


FLOOR_LOAD = r"""
import asyncio, sys
from aiohttp import ClientSession
url, count, at_once = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def main():
    async with ClientSession() as session:  # keep-alive, as the fake Twilio posts them
        todo = list(range(count))
        async def poster():
            while todo:
                i = todo.pop()
                form = {"MessageSid": f"SM{i:032d}", "MessageStatus": "delivered"}
                async with session.post(url, data=form, headers={"X-Twilio-Signature": "x"}) as r:
                    await r.read()
        await asyncio.gather(*(poster() for _ in range(at_once)))
asyncio.run(main())
"""


async def http_floor(callbacks: int, at_once: int) -> float:
    """CPU ms of this process per callback for a handler that only reads the form and
    answers 204 (aiohttp's own cost of a callback), the callbacks posted by a child."""

    async def status(request: web.Request) -> web.Response:
        await request.post()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/twilio/status", status)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    cpu = time.process_time()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        FLOOR_LOAD,
        f"http://127.0.0.1:{port}/twilio/status?outbox_id=1",
        str(callbacks),
        str(at_once),
    )
    await child.wait()
    cpu = time.process_time() - cpu
    await runner.cleanup()
    return 1000 * cpu / callbacks


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--cap", type=float, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--callback-concurrency",
        type=int,
        default=4,
        help="status callbacks the fake Twilio posts at once (Twilio itself: many)",
    )
    args = parser.parse_args()
    n, cap = args.recipients, args.cap

    b_wall, b_cpu, b_stats = await baseline(n, cap, args.concurrency)
    r_wall, r_cpu, r_stats = await relay_run(n, cap, args.concurrency)
    c_wall, c_cpu, c_stats = await relay_run(
        n, cap, args.concurrency, callbacks=True, callback_concurrency=args.callback_concurrency
    )

    b_rate, r_rate = b_stats["messages"] / b_wall, r_stats["messages"] / r_wall
    b_ms, r_ms = 1000 * b_cpu / b_stats["messages"], 1000 * r_cpu / r_stats["messages"]
    print(f"recipients {n}, fake Twilio capped at {cap:.0f} msg/s, concurrency {args.concurrency}")
    print(
        f"baseline (bare create_async): {b_rate:7.1f} msg/s = {b_rate / cap:.3f} of the cap, "
        f"{b_ms:.2f} CPU ms/msg, 429s {b_stats['rejected_429']}"
    )
    print(
        f"relay (outbox + database):    {r_rate:7.1f} msg/s = {r_rate / cap:.3f} of the cap "
        f"(target >= 0.95), {r_ms:.2f} CPU ms/msg ({r_ms / b_ms:.2f}x baseline), "
        f"429s {r_stats['rejected_429']}"
    )
    steady = (r_stats["messages"] - cap) / r_wall  # without the limiter's first-second burst
    print(
        f"relay steady state (first second's {cap:.0f} burst left out): {steady / cap:.3f} of cap"
    )
    print(
        f"relay delivered {r_stats['messages']} of {n}; duplicates {r_stats['duplicates']} "
        f"(must be 0); list calls {r_stats['lists']}; consent checks {r_stats['checks']} "
        f"in {r_stats['check_reads']} reads"
    )
    c_rate, c_ms = c_stats["messages"] / c_wall, 1000 * c_cpu / c_stats["messages"]
    print(
        f"relay + live status webhooks: {c_rate:7.1f} msg/s = {c_rate / cap:.3f} of the cap, "
        f"{c_ms:.2f} CPU ms/msg ({c_ms / b_ms:.2f}x baseline, 2 signed callbacks per message "
        f"validated and applied), duplicates {c_stats['duplicates']}"
    )
    transactions = max(1, c_stats["callback_transactions"])
    print(
        f"status callbacks: {c_stats['callbacks']} applied in {transactions} group commits "
        f"({c_stats['callbacks'] / transactions:.1f} per transaction, "
        f"{args.callback_concurrency} posted at once by the fake)"
    )
    floor = await http_floor(c_stats["callbacks"], args.callback_concurrency)
    bound = (r_ms + 2 * floor) / b_ms
    added = (c_ms - r_ms - 2 * floor) / 2
    print(
        f"HTTP floor: {floor:.3f} CPU ms per callback for aiohttp reading the form and "
        f"answering 204 ({args.callback_concurrency} at once): relay + 2 callbacks cannot "
        f"go under {bound:.2f}x baseline with this web server; Podium's webhook adds "
        f"{added:.3f} ms per callback (signature, group commit)"
    )
    print(f"measured at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    asyncio.run(main())
