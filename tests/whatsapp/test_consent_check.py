"""The relay's consent check before each send: checks asked together share one read, and
each answer is the database's as of after the check was asked."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import insert, update

from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.services.outbox import OutboxService
from storage.engine import Database
from storage.schema import outbox, subscribers, verification_codes


async def add_subscriber(db: Database, n: int, now: dt.datetime, *, opted_out: bool) -> int:
    async with db.write() as conn:
        result = await conn.execute(
            insert(subscribers)
            .values(
                user_id=1000 + n,
                phone_e164=f"+1555{n:07d}",
                consent_at=now,
                consent_source="test",
                consent_text="ok",
                opted_out_at=now if opted_out else None,
                created_at=now,
            )
            .returning(subscribers.c.id)
        )
        return int(result.scalar_one())


async def add_code(db: Database, n: int, now: dt.datetime, *, expires_at: dt.datetime) -> int:
    async with db.write() as conn:
        result = await conn.execute(
            insert(verification_codes)
            .values(
                user_id=2000 + n,
                phone_e164=f"+1666{n:07d}",
                language="en",
                code_hash="h",
                link_hash=f"l{n}",
                salt="s",
                consent_text="ok",
                attempts=0,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(verification_codes.c.id)
        )
        return int(result.scalar_one())


async def add_row(
    db: Database,
    now: dt.datetime,
    key: str,
    *,
    status: str = "sending",
    subscriber_id: int | None = None,
    verification_id: int | None = None,
) -> int:
    async with db.write() as conn:
        result = await conn.execute(
            insert(outbox)
            .values(
                occurrence_key=key,
                subscriber_id=subscriber_id,
                verification_id=verification_id,
                kind="broadcast",
                language="en",
                body="hi",
                variables={},
                status=status,
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            .returning(outbox.c.id)
        )
        return int(result.scalar_one())


async def test_checks_asked_together_share_one_read_and_each_gets_its_rows_answer(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
) -> None:
    now = clock.now()
    consenting = await add_subscriber(db, 1, now, opted_out=False)
    stopped = await add_subscriber(db, 2, now, opted_out=True)
    live_code = await add_code(db, 1, now, expires_at=now + dt.timedelta(minutes=10))
    old_code = await add_code(db, 2, now, expires_at=now - dt.timedelta(seconds=1))
    rows = {
        "consenting": await add_row(db, now, "a", subscriber_id=consenting),
        "opted out": await add_row(db, now, "b", subscriber_id=stopped),
        "live code": await add_row(db, now, "c", verification_id=live_code),
        "expired code": await add_row(db, now, "d", verification_id=old_code),
        "not claimed": await add_row(db, now, "e", status="queued", subscriber_id=consenting),
        "no such row": 10_000,
    }
    service = OutboxService(db, clock, competition)

    answers = await asyncio.gather(*(service.still_allowed(row_id) for row_id in rows.values()))

    assert dict(zip(rows, answers, strict=True)) == {
        "consenting": True,
        "opted out": False,
        "live code": True,
        "expired code": False,
        "not claimed": False,
        "no such row": False,
    }
    assert service.consent_check_batches == (1, len(rows))


async def test_a_check_asked_after_a_stop_committed_sees_it(
    db: Database, clock: FrozenClock, competition: CompetitionConfig
) -> None:
    now = clock.now()
    subscriber = await add_subscriber(db, 1, now, opted_out=False)
    row = await add_row(db, now, "a", subscriber_id=subscriber)
    service = OutboxService(db, clock, competition)
    assert await service.still_allowed(row) is True

    async with db.write() as conn:
        await conn.execute(
            update(subscribers).where(subscribers.c.id == subscriber).values(opted_out_at=now)
        )

    assert await service.still_allowed(row) is False
    assert service.consent_check_batches == (2, 2)
