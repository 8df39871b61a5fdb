"""Queries for WhatsApp subscribers, verification codes and consent records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import (
    consent_records,
    members,
    subscribers,
    team_members,
    teams,
    verification_codes,
    webhook_receipts,
)


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    """A subscribers row."""

    id: int
    user_id: int | None
    phone_e164: str
    language: str
    opted_out_at: dt.datetime | None
    last_inbound_at: dt.datetime | None
    consent_changed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CodeRow:
    """A pending verification."""

    id: int
    user_id: int
    phone_e164: str
    language: str
    code_hash: str
    link_hash: str
    salt: str
    consent_text: str
    attempts: int
    expires_at: dt.datetime


def _subscriber(row: Any) -> SubscriberRow:
    return SubscriberRow(
        id=row.id,
        user_id=row.user_id,
        phone_e164=row.phone_e164,
        language=row.language,
        opted_out_at=row.opted_out_at,
        last_inbound_at=row.last_inbound_at,
        consent_changed_at=row.consent_changed_at,
    )


async def subscriber_by_phone(conn: AsyncConnection, phone: str) -> SubscriberRow | None:
    """The subscriber with this E.164 number."""
    row = (await conn.execute(select(subscribers).where(subscribers.c.phone_e164 == phone))).first()
    return _subscriber(row) if row is not None else None


async def subscriber_by_user(conn: AsyncConnection, user_id: int) -> SubscriberRow | None:
    """The member's subscriber row."""
    row = (await conn.execute(select(subscribers).where(subscribers.c.user_id == user_id))).first()
    return _subscriber(row) if row is not None else None


async def touch_inbound(conn: AsyncConnection, subscriber_id: int, at: dt.datetime) -> None:
    """Record the subscriber's own message (opens the 24-hour window); never moves the
    window back (a message received earlier may be applied after a later one)."""
    await conn.execute(
        update(subscribers)
        .where(
            subscribers.c.id == subscriber_id,
            or_(subscribers.c.last_inbound_at.is_(None), subscribers.c.last_inbound_at < at),
        )
        .values(last_inbound_at=at)
    )


async def record_receipt(conn: AsyncConnection, *, kind: str, key: str, at: dt.datetime) -> bool:
    """Note that webhook ``key`` of ``kind`` (``inbound``: its MessageSid; ``status``:
    MessageSid:MessageStatus) is being applied; False when it was already (a replay).
    Call it in the transaction of the webhook's effect, so both commit or neither."""
    stmt = (
        upsertable_insert(conn, webhook_receipts)
        .values(kind=kind, key=key[:80], received_at=at)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
    )
    result = await conn.execute(stmt)
    return (result.rowcount or 0) > 0


_RECEIPTS_INSERT: dict[str, Any] = {}


def _receipts_insert(conn: AsyncConnection) -> Any:
    """One statement for any number of keys (executemany with RETURNING, sent as one
    multi-row INSERT by SQLAlchemy), built once per database kind: status callbacks run
    it in every group commit."""
    name = conn.dialect.name
    if name not in _RECEIPTS_INSERT:
        _RECEIPTS_INSERT[name] = (
            upsertable_insert(conn, webhook_receipts)
            .on_conflict_do_nothing(index_elements=["kind", "key"])
            .returning(webhook_receipts.c.key)
        )
    return _RECEIPTS_INSERT[name]


async def record_receipts(
    conn: AsyncConnection, *, kind: str, keys: Sequence[str], at: dt.datetime
) -> set[str]:
    """``record_receipt`` for many webhooks in one statement: the keys (as given, each
    at most 80 characters) that were new, i.e. not a replay of one already applied."""
    # Sorted: concurrent batches (several web processes on PostgreSQL) take the unique
    # index's locks in one order, so none waits on another in a cycle.
    unique = sorted({key[:80] for key in keys})
    if not unique:
        return set()
    rows = await conn.execute(
        _receipts_insert(conn), [{"kind": kind, "key": key, "received_at": at} for key in unique]
    )
    return {str(key) for key in rows.scalars()}


async def update_subscriber(conn: AsyncConnection, subscriber_id: int, **values: Any) -> None:
    """Set columns of one subscriber."""
    await conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(values))


async def create_subscriber(conn: AsyncConnection, **values: Any) -> int:
    """Insert a subscriber; returns its id."""
    result = await conn.execute(insert(subscribers).values(values).returning(subscribers.c.id))
    return int(result.scalar_one())


async def add_consent(
    conn: AsyncConnection,
    *,
    subscriber_id: int | None,
    user_id: int | None,
    action: str,
    source: str,
    wording: str,
    at: dt.datetime,
) -> None:
    """Append a consent record."""
    await conn.execute(
        insert(consent_records).values(
            subscriber_id=subscriber_id,
            user_id=user_id,
            action=action,
            source=source,
            wording=wording,
            at=at,
        )
    )


async def consents(conn: AsyncConnection, user_id: int) -> list[tuple[str, str, dt.datetime]]:
    """(action, source, at) of a member's consent records, oldest first."""
    rows = await conn.execute(
        select(consent_records.c.action, consent_records.c.source, consent_records.c.at)
        .where(consent_records.c.user_id == user_id)
        .order_by(consent_records.c.id)
    )
    return [(r.action, r.source, r.at) for r in rows]


async def replace_code(conn: AsyncConnection, **values: Any) -> int:
    """Store the member's pending verification, replacing an older one; returns its id."""
    await conn.execute(
        delete(verification_codes).where(verification_codes.c.user_id == values["user_id"])
    )
    result = await conn.execute(
        insert(verification_codes).values(values).returning(verification_codes.c.id)
    )
    return int(result.scalar_one())


def _code(row: Any) -> CodeRow:
    return CodeRow(
        id=row.id,
        user_id=row.user_id,
        phone_e164=row.phone_e164,
        language=row.language,
        code_hash=row.code_hash,
        link_hash=row.link_hash,
        salt=row.salt,
        consent_text=row.consent_text,
        attempts=row.attempts,
        expires_at=row.expires_at,
    )


async def code_for_user(conn: AsyncConnection, user_id: int) -> CodeRow | None:
    """The member's pending verification."""
    row = (
        await conn.execute(
            select(verification_codes).where(verification_codes.c.user_id == user_id)
        )
    ).first()
    return _code(row) if row is not None else None


async def codes_for_phone(conn: AsyncConnection, phone: str) -> list[CodeRow]:
    """Pending verifications of a number (several members may have typed it)."""
    rows = await conn.execute(
        select(verification_codes).where(verification_codes.c.phone_e164 == phone)
    )
    return [_code(row) for row in rows]


async def count_attempt(conn: AsyncConnection, code_id: int) -> None:
    """One more wrong attempt."""
    await conn.execute(
        update(verification_codes)
        .where(verification_codes.c.id == code_id)
        .values(attempts=verification_codes.c.attempts + 1)
    )


async def delete_code(conn: AsyncConnection, code_id: int) -> None:
    """Forget a verification (used, expired or exhausted)."""
    await conn.execute(delete(verification_codes).where(verification_codes.c.id == code_id))


async def team_of(conn: AsyncConnection, season: str, user_id: int) -> tuple[int, str, str] | None:
    """(team id, name, track) of the member's active team this season."""
    row = (
        await conn.execute(
            select(teams.c.id, teams.c.name, teams.c.track)
            .join(team_members, team_members.c.team_id == teams.c.id)
            .where(
                team_members.c.user_id == user_id,
                team_members.c.season == season,
                teams.c.disbanded_at.is_(None),
            )
        )
    ).first()
    return (int(row.id), str(row.name), str(row.track)) if row is not None else None


async def cohort_of(conn: AsyncConnection, user_id: int) -> str | None:
    """The member's cohort key, if known."""
    row = (
        await conn.execute(select(members.c.cohort_key).where(members.c.user_id == user_id))
    ).first()
    return row.cohort_key if row is not None else None
