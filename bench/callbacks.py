"""CPU per Twilio status callback: one transaction each (the old path) against group commits.

The bench process serves ``/twilio/status`` over a migrated SQLite file holding rows Twilio
accepted; a child process (its CPU is not counted) posts signed ``sent`` and ``delivered``
callbacks for every row, ``--concurrency`` at once, as Twilio does. Measured in one run,
on fresh rows each time:

- **one per transaction**: the webhook as it was: twilio's ``RequestValidator`` (two
  HMACs, over the URL with and without its port) and ``OutboxService.apply_status`` with
  the receipt, one write transaction per callback;
- **group commit**: the real webhook (``add_twilio_routes``): one HMAC, and
  ``OutboxService.apply_callback``, callbacks that arrive during a transaction applied
  together in the next.

Prints CPU ms per callback in this process (``time.process_time``, the database thread
included), callbacks per second, callbacks per transaction, and the ratio of the two.

    .venv/bin/python bench/callbacks.py [--rows 2000] [--concurrency 4,32]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.config import load_competition  # noqa: E402
from bot.i18n import Catalogs  # noqa: E402
from bot.services.audit import AuditService  # noqa: E402
from bot.services.outbox import OutboxService  # noqa: E402
from bot.services.whatsapp import WhatsAppService  # noqa: E402
from bot.web.guard import parse_id, read_form  # noqa: E402
from bot.whatsapp.webhooks import add_twilio_routes  # noqa: E402
from storage.engine import Database  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.schema import outbox  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

TOKEN = "bench-auth-token"  # noqa: S105 - signs the bench's own callbacks

POSTER = """
import asyncio, json, sys, time
import aiohttp
from twilio.request_validator import RequestValidator

async def main():
    base, token, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rows = json.loads(sys.stdin.readline())
    validator = RequestValidator(token)
    jobs = []
    for row_id, sid in rows:
        for status in ("sent", "delivered"):
            form = {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status,
                    "To": "whatsapp:+15550000000", "MessageSid": sid,
                    "AccountSid": "AC" + "0" * 32, "From": "whatsapp:+14155238886",
                    "ApiVersion": "2010-04-01", "ChannelPrefix": "whatsapp"}
            url = f"{base}/twilio/status?outbox_id={row_id}"
            jobs.append((url, form, validator.compute_signature(url, form)))
    queue = iter(jobs)
    failed = 0
    async with aiohttp.ClientSession() as http:
        async def worker():
            nonlocal failed
            for url, form, signature in queue:
                async with http.post(url, data=form,
                                     headers={"X-Twilio-Signature": signature}) as r:
                    await r.read()
                    failed += r.status != 204
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        print(json.dumps({"seconds": time.monotonic() - started, "failed": failed}), flush=True)

asyncio.run(main())
"""


def old_routes(app: web.Application, outbox_service: OutboxService, base: str) -> None:
    """The status webhook as it was before group commits (a copy of the old handler)."""
    validator = RequestValidator(TOKEN)

    async def status(request: web.Request) -> web.Response:
        signature = request.headers.get("X-Twilio-Signature") or ""
        form = dict((await read_form(request)).items())
        if not validator.validate(base + request.path_qs, form, signature):
            return web.Response(status=403)
        outbox_id = parse_id(request.query.get("outbox_id"))
        if outbox_id is None:
            return web.Response(status=204)
        sid, twilio_status = form.get("MessageSid") or "", form.get("MessageStatus") or ""
        await outbox_service.apply_status(
            outbox_id=outbox_id,
            sid=sid,
            twilio_status=twilio_status,
            error_code=parse_id(form.get("ErrorCode"), max_digits=9),
            receipt=f"{sid}:{twilio_status.strip().lower()}",
        )
        return web.Response(status=204)

    app.router.add_post("/twilio/status", status)


async def run(rows: int, concurrency: int, *, grouped: bool) -> dict[str, float]:
    clock = SystemClock()
    competition = load_competition(ROOT / "competition.example.toml")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'callbacks.db'}")
        await migrate(db)
        now = clock.now()
        async with db.write() as conn:
            await conn.execute(
                insert(outbox),
                [
                    {
                        "occurrence_key": f"bench:{i}",
                        "subscriber_id": None,
                        "kind": "broadcast",
                        "language": "en",
                        "body": "hi",
                        "variables": {},
                        "status": "accepted",
                        "attempts": 1,
                        "next_attempt_at": now,
                        "twilio_sid": f"SM{i:032x}",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(rows)
                ],
            )
            ids = [(int(r.id), str(r.twilio_sid)) for r in await conn.execute(select(outbox))]
        service = OutboxService(db, clock, competition)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app = web.Application()
        if grouped:
            add_twilio_routes(
                app,
                whatsapp=WhatsAppService(db, clock, competition, AuditService(db, clock)),
                outbox=service,
                catalogs=Catalogs(),
                auth_token=TOKEN,
                public_base_url=base,
            )
        else:
            old_routes(app, service, base)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        poster = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            POSTER,
            base,
            TOKEN,
            str(concurrency),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        if poster.stdin is None or poster.stdout is None:
            raise RuntimeError("no pipe to the poster")
        poster.stdin.write(json.dumps(ids).encode() + b"\n")
        await poster.stdin.drain()
        await poster.stdout.readline()  # ready
        cpu = time.process_time()
        poster.stdin.write(b"\n")
        await poster.stdin.drain()
        result = json.loads(await poster.stdout.readline())
        cpu = time.process_time() - cpu
        await poster.wait()
        async with db.read() as conn:
            delivered = sum(
                1 for r in await conn.execute(select(outbox.c.status)) if r[0] == "delivered"
            )
        await runner.cleanup()
        await db.dispose()
    if delivered != rows or result["failed"]:
        raise SystemExit(f"{delivered} of {rows} delivered, {result['failed']} callbacks failed")
    transactions, applied = service.callback_batches
    callbacks = 2 * rows
    return {
        "cpu_ms": 1000 * cpu / callbacks,
        "rate": callbacks / result["seconds"],
        "per_transaction": applied / transactions if grouped else 1.0,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--concurrency", default="4,32")
    args = parser.parse_args()
    print(f"{2 * args.rows} signed status callbacks (sent + delivered for {args.rows} rows)")
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        old = await run(args.rows, concurrency, grouped=False)
        new = await run(args.rows, concurrency, grouped=True)
        print(f"{concurrency} callbacks in flight:")
        for name, r in (("one per transaction", old), ("group commit", new)):
            print(
                f"  {name:20s} {r['cpu_ms']:6.3f} CPU ms/callback, {r['rate']:7.0f} callbacks/s, "
                f"{r['per_transaction']:5.1f} callbacks/transaction"
            )
        print(f"  group commit CPU per callback: {new['cpu_ms'] / old['cpu_ms']:.2f}x the old path")
    print(f"measured at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    asyncio.run(main())
