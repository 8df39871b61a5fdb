"""Status callbacks in group commits: many at once, replays, one bad callback, a failed commit."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import insert, select
from twilio.request_validator import RequestValidator

from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.i18n import Catalogs
from bot.services.audit import AuditService
from bot.services.outbox import OutboxService
from bot.services.whatsapp import WhatsAppService
from bot.whatsapp.webhooks import add_twilio_routes
from storage.engine import Database
from storage.queries import relay as relay_queries
from storage.queries import status_callbacks as sqlite_queries
from storage.schema import outbox, webhook_receipts

TOKEN = "group-commit-token"


def sid(n: int) -> str:
    return f"SM{n:032x}"


async def add_rows(db: Database, now: dt.datetime, statuses: list[tuple[str, str | None]]):
    """Outbox rows with these (status, twilio sid); returns their ids in order."""
    async with db.write() as conn:
        ids = []
        for i, (status, twilio_sid) in enumerate(statuses):
            result = await conn.execute(
                insert(outbox)
                .values(
                    occurrence_key=f"gc:{i}",
                    subscriber_id=None,
                    kind="broadcast",
                    language="en",
                    body="hi",
                    variables={},
                    status=status,
                    attempts=1,
                    next_attempt_at=now,
                    twilio_sid=twilio_sid,
                    created_at=now,
                    updated_at=now,
                )
                .returning(outbox.c.id)
            )
            ids.append(int(result.scalar_one()))
    return ids


async def states(db: Database) -> list[tuple[str, str | None, int | None]]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(outbox.c.status, outbox.c.twilio_sid, outbox.c.error_code).order_by(outbox.c.id)
        )
        return [tuple(r) for r in rows]


async def receipts(db: Database) -> set[str]:
    async with db.read() as conn:
        return set((await conn.execute(select(webhook_receipts.c.key))).scalars())


async def test_many_callbacks_at_once_are_applied_together_in_one_transaction(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
) -> None:
    service = OutboxService(db, clock, competition)
    ids = await add_rows(db, clock.now(), [("accepted", sid(i)) for i in range(30)])
    callbacks = [
        service.apply_callback(outbox_id=row_id, sid=sid(i), twilio_status=status, error_code=None)
        for i, row_id in enumerate(ids)
        for status in ("sent", "delivered")
    ]
    results = await asyncio.gather(*callbacks)

    assert results == ["sent", "delivered"] * 30
    assert service.callback_batches == (1, 60)
    assert await states(db) == [("delivered", sid(i), None) for i in range(30)]
    assert len(await receipts(db)) == 60


async def test_replays_in_a_batch_and_across_batches_apply_once_and_never_move_back(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
) -> None:
    service = OutboxService(db, clock, competition)
    first, second, third = await add_rows(
        db, clock.now(), [("accepted", sid(1)), ("sending", None), ("accepted", sid(3))]
    )

    async def cb(row_id: int, n: int, status: str, code: int | None = None) -> str | None:
        return await service.apply_callback(
            outbox_id=row_id, sid=sid(n), twilio_status=status, error_code=code
        )

    batch = await asyncio.gather(
        cb(first, 1, "delivered"),
        cb(first, 1, "sent"),  # arrived late: no step back
        cb(first, 1, "delivered"),  # a replay inside the batch
        cb(second, 2, "sent"),  # before the relay recorded the SID: the callback brings it
        cb(third, 3, "undelivered", 63016),
        cb(third, 3, "read"),  # after a terminal status: nothing
        cb(third, 99, "read"),  # another message's SID: ignored
        cb(first + 1000, 5, "sent"),  # no such row
    )
    later = await asyncio.gather(cb(first, 1, "delivered"), cb(second, 2, "sent"))

    assert batch == ["delivered", None, None, "sent", "undelivered", None, None, None]
    assert later == [None, None]
    assert await states(db) == [
        ("delivered", sid(1), None),
        ("sent", sid(2), None),
        ("undelivered", sid(3), 63016),
    ]


async def test_one_bad_callback_fails_alone_and_the_others_of_its_batch_are_applied(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
) -> None:
    service = OutboxService(db, clock, competition)
    ids = await add_rows(
        db, clock.now(), [("accepted", sid(1)), ("sending", None), ("accepted", sid(3))]
    )
    results = await asyncio.gather(
        service.apply_callback(outbox_id=ids[0], sid=sid(1), twilio_status="sent", error_code=None),
        # Claims the first row's SID for the second row: the unique SID refuses the write.
        service.apply_callback(
            outbox_id=ids[1], sid=sid(1), twilio_status="delivered", error_code=None
        ),
        service.apply_callback(
            outbox_id=ids[2], sid=sid(3), twilio_status="delivered", error_code=None
        ),
        return_exceptions=True,
    )

    assert results[0] == "sent"
    assert isinstance(results[1], Exception)
    assert results[2] == "delivered"
    assert await states(db) == [
        ("sent", sid(1), None),
        ("sending", None, None),
        ("delivered", sid(3), None),
    ]
    # The bad one's receipt went with its transaction: a correct callback still applies.
    assert await receipts(db) == {f"{sid(1)}:sent", f"{sid(3)}:delivered"}
    assert (
        await service.apply_callback(
            outbox_id=ids[1], sid=sid(2), twilio_status="sent", error_code=None
        )
        == "sent"
    )


@pytest.fixture
async def webhook(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
):  # the status route alone, on a local port, over the real services
    service = OutboxService(db, clock, competition)
    app = web.Application()
    add_twilio_routes(
        app,
        whatsapp=WhatsAppService(db, clock, competition, AuditService(db, clock)),
        outbox=service,
        catalogs=Catalogs(),
        auth_token=TOKEN,
        public_base_url="https://podium.example.com",
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def post_callback(
    base: str, row_id: int, form: dict[str, str], *, signed_for: str = "https://podium.example.com"
) -> int:
    query = f"/twilio/status?outbox_id={row_id}"
    signature = RequestValidator(TOKEN).compute_signature(signed_for + query, form)
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + query, data=form, headers={"X-Twilio-Signature": signature}) as r,
    ):
        return r.status


async def test_a_failed_commit_answers_503_stores_nothing_and_twilios_retry_applies(
    db: Database, webhook: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await add_rows(db, clock.now(), [("accepted", sid(1)), ("accepted", sid(2))])
    forms = [
        (ids[0], {"MessageSid": sid(1), "MessageStatus": "delivered"}),
        (ids[1], {"MessageSid": sid(2), "MessageStatus": "failed", "ErrorCode": "63016"}),
    ]

    async def connection_lost(*args: object, **kwargs: object) -> None:
        raise OSError("connection to the database lost before the commit")

    def disk_failed(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    # The last statement fails, after the receipts were inserted (PostgreSQL's path; and
    # SQLite's, which runs the same statements on the driver's thread).
    with monkeypatch.context() as m:
        m.setattr(relay_queries, "set_statuses", connection_lost)
        m.setattr(sqlite_queries, "set_statuses", disk_failed)
        failed = await asyncio.gather(*(post_callback(webhook, i, f) for i, f in forms))
    assert failed == [503, 503]
    assert await states(db) == [("accepted", sid(1), None), ("accepted", sid(2), None)]
    assert await receipts(db) == set()  # rolled back with the transaction

    retried = await asyncio.gather(*(post_callback(webhook, i, f) for i, f in forms))
    assert retried == [204, 204]
    assert await states(db) == [("delivered", sid(1), None), ("failed", sid(2), 63016)]


async def test_an_overlong_message_sid_is_refused_with_400(
    db: Database, webhook: str, clock: FrozenClock
) -> None:
    (row_id,) = await add_rows(db, clock.now(), [("sending", None)])
    status = await post_callback(
        webhook, row_id, {"MessageSid": "SM" + "0" * 60, "MessageStatus": "sent"}
    )
    assert status == 400
    assert await states(db) == [("sending", None, None)]


async def test_signatures_for_the_url_with_or_without_its_default_port_pass_and_others_fail(
    db: Database, webhook: str, clock: FrozenClock
) -> None:
    ids = await add_rows(db, clock.now(), [("accepted", sid(1))])
    form = {"MessageSid": sid(1), "MessageStatus": "sent", "To": "whatsapp:+15550000001"}

    with_port = await post_callback(
        webhook, ids[0], form, signed_for="https://podium.example.com:443"
    )
    other_host = await post_callback(
        webhook, ids[0], {**form, "MessageStatus": "read"}, signed_for="https://evil.example"
    )
    exact = await post_callback(webhook, ids[0], {**form, "MessageStatus": "delivered"})

    assert (with_port, other_host, exact) == (204, 403, 204)
    assert await states(db) == [("delivered", sid(1), None)]
