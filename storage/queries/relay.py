"""Queries of the WhatsApp relay: claiming outbox rows, recording results and statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import outbox, subscribers, verification_codes
from storage.wakeup import LeaseWatch


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """An outbox row claimed for sending, with what the relay needs to send it."""

    id: int
    subscriber_id: int | None  # None: a verification code (``verification_id`` set)
    phone_e164: str
    last_inbound_at: dt.datetime | None
    kind: str
    language: str
    body: str
    variables: dict[str, Any]
    attempts: int  # including this one
    needs_check: bool
    claimed_at: dt.datetime  # the row's first claim: every attempt of it came after


def _with_recipient(stmt: Any) -> Any:
    return stmt.outerjoin(subscribers, subscribers.c.id == outbox.c.subscriber_id).outerjoin(
        verification_codes, verification_codes.c.id == outbox.c.verification_id
    )


async def claim_batch(
    conn: AsyncConnection, *, now: dt.datetime, limit: int, owner: int | None = None
) -> list[ClaimedRow]:
    """Move up to ``limit`` due ``queued`` rows to ``sending`` and return them.

    Rows that may no longer be sent (see :func:`consented`) are cancelled instead; at
    most one row per number is claimed per batch. On PostgreSQL the rows are locked with
    ``FOR UPDATE SKIP LOCKED`` so several workers never claim one row.
    """
    allowed = consented(now)
    stmt = _with_recipient(
        select(
            outbox.c.id,
            outbox.c.subscriber_id,
            func.coalesce(subscribers.c.phone_e164, verification_codes.c.phone_e164).label(
                "phone_e164"
            ),
            subscribers.c.last_inbound_at,
            allowed.label("allowed"),
            outbox.c.kind,
            outbox.c.language,
            outbox.c.body,
            outbox.c.variables,
            outbox.c.attempts,
            outbox.c.needs_check,
            outbox.c.claimed_at,
        )
    )
    stmt = (
        stmt.where(outbox.c.status == "queued", outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=outbox)
    rows = (await conn.execute(stmt)).all()
    refused = [row.id for row in rows if not row.allowed]
    if refused:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(refused), outbox.c.status == "queued")
            .values(status="cancelled", status_at=now, updated_at=now)
        )
    # One row per number per batch: an earlier attempt found in Twilio's list can then
    # only belong to this row (the number's other rows were recorded in earlier batches).
    seen: set[str] = set()
    claimed = []
    for row in rows:
        if row.allowed and row.phone_e164 not in seen:
            seen.add(row.phone_e164)
            claimed.append(row)
    if not claimed:
        return []
    await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_([row.id for row in claimed]))
        .values(
            status="sending",
            lease_key=owner,
            attempts=outbox.c.attempts + 1,
            claimed_at=func.coalesce(outbox.c.claimed_at, now),
            last_attempt_at=now,
            status_at=now,
            updated_at=now,
        )
    )
    return [
        ClaimedRow(
            id=row.id,
            subscriber_id=row.subscriber_id,
            phone_e164=row.phone_e164,
            last_inbound_at=row.last_inbound_at,
            kind=row.kind,
            language=row.language,
            body=row.body,
            variables=dict(row.variables or {}),
            attempts=row.attempts + 1,
            needs_check=bool(row.needs_check),
            claimed_at=row.claimed_at or now,
        )
        for row in claimed
    ]


def consented(now: dt.datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """True for an outbox row that may be sent at ``now``, by the database alone.

    A subscriber's row: the number has not opted out and still belongs to a member (an
    unlink or an erasure sets both). A verification code's row: its code still exists and
    has not expired (the member asked for it, so it needs no subscription). The relay asks
    this when it claims rows and again just before each send. Needs the outer joins of
    ``_with_recipient``.
    """
    return or_(
        and_(
            outbox.c.subscriber_id.is_not(None),
            subscribers.c.opted_out_at.is_(None),
            subscribers.c.user_id.is_not(None),
        ),
        and_(
            outbox.c.subscriber_id.is_(None),
            verification_codes.c.id.is_not(None),
            verification_codes.c.expires_at > now,
        ),
    )


def _still_allowed_statement() -> Any:
    """Built once: the relay asks it before every send, and building the joins and the
    consent test anew each time cost more than running it."""
    now = bindparam("now", type_=verification_codes.c.expires_at.type)
    return _with_recipient(select(outbox.c.id, consented(now).label("allowed"))).where(
        outbox.c.id.in_(bindparam("ids", expanding=True)), outbox.c.status == "sending"
    )


_STILL_ALLOWED = _still_allowed_statement()


async def still_allowed(
    conn: AsyncConnection, row_ids: Sequence[int], *, now: dt.datetime
) -> set[int]:
    """Just before claimed rows are sent: those of ``row_ids`` still ``sending`` that may
    be sent (see :func:`consented`): a STOP, unlink or erasure committed since the claim
    says no. One primary-key lookup for them all, on a read connection."""
    if not row_ids:
        return set()
    rows = await conn.execute(_STILL_ALLOWED, {"ids": sorted(set(row_ids)), "now": now})
    return {int(row.id) for row in rows if row.allowed}


async def record_accepted(
    conn: AsyncConnection, accepted: Sequence[tuple[int, str, str]], *, now: dt.datetime
) -> None:
    """Record Twilio's SIDs for ``(outbox id, sid, mode)``; a row a callback already moved
    further keeps its status."""
    if not accepted:
        return
    stmt = (
        update(outbox)
        .where(outbox.c.id == bindparam("b_id"))
        .values(
            twilio_sid=bindparam("b_sid"),
            mode=bindparam("b_mode"),
            needs_check=False,
            status=case((outbox.c.status == "sending", "accepted"), else_=outbox.c.status),
            status_at=now,
            updated_at=now,
        )
    )
    # In id order: rows are locked in the order they are updated, and the status
    # callbacks' group commit locks them in id order too (no deadlock between the two).
    await conn.execute(
        stmt,
        [{"b_id": row_id, "b_sid": sid, "b_mode": mode} for row_id, sid, mode in sorted(accepted)],
    )


async def record_retry(
    conn: AsyncConnection,
    row_id: int,
    *,
    next_attempt_at: dt.datetime,
    needs_check: bool,
    error: str,
    now: dt.datetime,
) -> None:
    """Put a row back in the queue for a later attempt."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.status == "sending")
        .values(
            status="queued",
            next_attempt_at=next_attempt_at,
            needs_check=needs_check,
            last_error=error[:200],
            status_at=now,
            updated_at=now,
        )
    )


async def record_failed(
    conn: AsyncConnection,
    row_id: int,
    *,
    error_code: int | None,
    error: str,
    now: dt.datetime,
) -> None:
    """Fail a row for good with Twilio's error code (or None and a reason)."""
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.status.in_(("sending", "queued")))
        .values(
            status="failed",
            error_code=error_code,
            last_error=error[:200],
            needs_check=False,
            status_at=now,
            updated_at=now,
        )
    )


async def set_status(
    conn: AsyncConnection,
    row_id: int,
    *,
    expected: str,
    status: str,
    sid: str | None,
    error_code: int | None,
    now: dt.datetime,
) -> bool:
    """Move a row from ``expected`` to ``status`` (compare-and-set); False if it changed."""
    values: dict[str, Any] = {"status": status, "status_at": now, "updated_at": now}
    if error_code is not None:
        values["error_code"] = error_code
    if sid is not None:
        values["twilio_sid"] = func.coalesce(outbox.c.twilio_sid, sid)
    result = await conn.execute(
        update(outbox).where(outbox.c.id == row_id, outbox.c.status == expected).values(**values)
    )
    return (result.rowcount or 0) > 0


async def lock_statuses(
    conn: AsyncConnection, row_ids: Sequence[int]
) -> dict[int, tuple[str, str | None]]:
    """(status, twilio sid) of the rows ``row_ids`` that exist, locked until the end of
    the transaction on PostgreSQL (in id order, as ``record_accepted`` locks them, so two
    writers never wait on each other in a cycle); SQLite's one writer needs no lock."""
    if not row_ids:
        return {}
    stmt = _LOCK_STATUSES_PG if conn.dialect.name == "postgresql" else _LOCK_STATUSES
    rows = await conn.execute(stmt, {"ids": sorted(set(row_ids))})
    return {int(r.id): (str(r.status), r.twilio_sid) for r in rows}


# Built once: the status callbacks' group commit runs them in every transaction.
_LOCK_STATUSES = (
    select(outbox.c.id, outbox.c.status, outbox.c.twilio_sid)
    .where(outbox.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(outbox.c.id)
)
_LOCK_STATUSES_PG = _LOCK_STATUSES.with_for_update(of=outbox)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A row's move from ``expected`` to ``status``; ``sid`` fills an unknown twilio sid,
    ``error_code`` (when not None) replaces the row's."""

    row_id: int
    expected: str
    status: str
    sid: str | None
    error_code: int | None


async def set_statuses(
    conn: AsyncConnection, changes: Sequence[StatusChange], *, now: dt.datetime
) -> None:
    """Apply many compare-and-set status moves in one statement (rows locked by
    ``lock_statuses`` in this transaction, so none can have moved in between)."""
    if not changes:
        return
    await conn.execute(
        _SET_STATUSES,
        [
            {
                "b_id": c.row_id,
                "b_expected": c.expected,
                "b_status": c.status,
                "b_sid": c.sid,
                "b_code": c.error_code,
                "b_now": now,
            }
            for c in changes
        ],
    )


_SET_STATUSES = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"), outbox.c.status == bindparam("b_expected"))
    .values(
        status=bindparam("b_status"),
        twilio_sid=func.coalesce(outbox.c.twilio_sid, bindparam("b_sid", type_=String)),
        error_code=func.coalesce(bindparam("b_code", type_=Integer), outbox.c.error_code),
        status_at=bindparam("b_now", type_=outbox.c.status_at.type),
        updated_at=bindparam("b_now", type_=outbox.c.updated_at.type),
    )
)


async def get_status(conn: AsyncConnection, row_id: int) -> tuple[str, str | None] | None:
    """(status, twilio sid) of a row, or None when there is no such row."""
    row = (
        await conn.execute(
            select(outbox.c.status, outbox.c.twilio_sid).where(outbox.c.id == row_id)
        )
    ).first()
    return (row.status, row.twilio_sid) if row is not None else None


async def unclaim(
    conn: AsyncConnection, row_ids: Sequence[int], *, owner: int | None, now: dt.datetime
) -> int:
    """The given rows back to the queue if they are still ``sending`` under ``owner``'s
    lease key (as they were; their check mark is kept). Returns how many."""
    if not row_ids:
        return 0
    result = await conn.execute(
        update(outbox)
        .where(
            outbox.c.id.in_(list(row_ids)),
            outbox.c.status == "sending",
            outbox.c.lease_key.is_(None) if owner is None else outbox.c.lease_key == owner,
        )
        .values(status="queued", lease_key=None, next_attempt_at=now, updated_at=now)
    )
    return result.rowcount or 0


async def release_sending(
    conn: AsyncConnection, *, now: dt.datetime, own: int | None, leases: LeaseWatch
) -> int:
    """Rows left ``sending`` by a process that is gone (its lease free for the grace of
    ``leases``, ``storage.wakeup.LeaseWatch``; any but ``own`` on SQLite, or claimed before
    migration 0021) go back to the queue, marked to be checked against Twilio's list
    before any resend. Returns how many."""
    owners = await conn.execute(
        select(outbox.c.lease_key)
        .where(outbox.c.status == "sending", outbox.c.lease_key.is_not(None))
        .distinct()
    )
    keys = [int(row[0]) for row in owners]
    dead = await leases.dead(conn, keys, own=own)
    result = await conn.execute(
        update(outbox)
        .where(
            outbox.c.status == "sending",
            or_(outbox.c.lease_key.is_(None), outbox.c.lease_key.in_(sorted(dead))),
        )
        .values(
            status="queued",
            needs_check=True,
            lease_key=None,
            next_attempt_at=now,
            updated_at=now,
        )
    )
    return result.rowcount or 0


async def next_attempt_at(conn: AsyncConnection) -> dt.datetime | None:
    """When the earliest queued row is due (None: nothing queued)."""
    due: dt.datetime | None = await conn.scalar(
        select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "queued")
    )
    return due


async def stale(conn: AsyncConnection, *, before: dt.datetime, limit: int) -> list[tuple[int, str]]:
    """(id, sid) of rows Twilio took whose status has not moved since ``before`` (their
    callbacks may have been lost, e.g. while the process was down), oldest first."""
    rows = await conn.execute(
        select(outbox.c.id, outbox.c.twilio_sid)
        .where(
            outbox.c.status.in_(("accepted", "sent")),
            outbox.c.twilio_sid.is_not(None),
            outbox.c.status_at < before,
        )
        .order_by(outbox.c.status_at)
        .limit(limit)
    )
    return [(int(r.id), str(r.twilio_sid)) for r in rows]


async def cancel_pending(conn: AsyncConnection, subscriber_id: int, *, now: dt.datetime) -> int:
    """Cancel every queued row of a subscriber (an opt-out); returns how many."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.subscriber_id == subscriber_id, outbox.c.status == "queued")
        .values(status="cancelled", status_at=now, updated_at=now)
    )
    return result.rowcount or 0


async def known_sids(conn: AsyncConnection, sids: Iterable[str]) -> set[str]:
    """The SIDs among ``sids`` already recorded on some outbox row."""
    wanted = list(sids)
    if not wanted:
        return set()
    rows = await conn.execute(select(outbox.c.twilio_sid).where(outbox.c.twilio_sid.in_(wanted)))
    return {row[0] for row in rows}


async def backlog(conn: AsyncConnection, *, now: dt.datetime) -> tuple[int, int]:
    """(rows due now, rows waiting for a later retry) among queued rows."""
    due = func.sum(case((outbox.c.next_attempt_at <= now, 1), else_=0))
    row = (
        await conn.execute(
            select(func.count(), due).select_from(outbox).where(outbox.c.status == "queued")
        )
    ).one()
    total, due_now = int(row[0] or 0), int(row[1] or 0)
    return due_now, total - due_now


async def status_counts(conn: AsyncConnection, occurrence_prefix: str) -> dict[str, int]:
    """Rows per status for occurrence keys starting with ``occurrence_prefix``."""
    rows = await conn.execute(
        select(outbox.c.status, func.count())
        .where(outbox.c.occurrence_key.like(occurrence_prefix + "%"))
        .group_by(outbox.c.status)
    )
    return {status: int(count) for status, count in rows}
