"""Queries on scheduled_jobs, the durable timers behind the in-memory scheduler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import scheduled_jobs

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
MISSED = "missed"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    kind: str
    key: str
    run_at: dt.datetime
    status: str
    payload: dict[str, Any]
    attempts: int
    claimed_at: dt.datetime | None
    finished_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime
    #: the lease key of the process running it (``storage.wakeup``), None before 0021
    lease_key: int | None = None


def _row(mapping: Any) -> JobRow:
    return JobRow(**mapping)


async def upsert_pending(
    conn: AsyncConnection,
    *,
    kind: str,
    key: str,
    run_at: dt.datetime,
    payload: dict[str, Any],
    now: dt.datetime,
) -> JobRow:
    """Create the job, or move a still-pending job with this key to the new time and payload.

    A job that already ran (or is running, missed, cancelled) is returned unchanged: one
    key is one occurrence and never runs twice.
    """
    stmt = upsertable_insert(conn, scheduled_jobs).values(
        kind=kind,
        key=key,
        run_at=run_at,
        status=PENDING,
        payload=payload,
        attempts=0,
        created_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[scheduled_jobs.c.key],
        set_={"run_at": stmt.excluded.run_at, "payload": stmt.excluded.payload},
        where=scheduled_jobs.c.status == PENDING,
    )
    await conn.execute(stmt)
    row = (await conn.execute(select(scheduled_jobs).where(scheduled_jobs.c.key == key))).one()
    return _row(row._mapping)


async def get(conn: AsyncConnection, job_id: int) -> JobRow | None:
    """One job by id."""
    row = (await conn.execute(select(scheduled_jobs).where(scheduled_jobs.c.id == job_id))).first()
    return _row(row._mapping) if row else None


async def get_by_key(conn: AsyncConnection, key: str) -> JobRow | None:
    """One job by its occurrence key."""
    row = (await conn.execute(select(scheduled_jobs).where(scheduled_jobs.c.key == key))).first()
    return _row(row._mapping) if row else None


async def unfinished(conn: AsyncConnection) -> list[JobRow]:
    """Jobs still pending, or left running by a process that died, oldest first."""
    rows = await conn.execute(
        select(scheduled_jobs)
        .where(scheduled_jobs.c.status.in_((PENDING, RUNNING)))
        .order_by(scheduled_jobs.c.run_at, scheduled_jobs.c.id)
    )
    return [_row(r._mapping) for r in rows]


async def claim(
    conn: AsyncConnection,
    job_id: int,
    *,
    now: dt.datetime,
    from_status: str = PENDING,
    owner: int | None = None,
) -> bool:
    """Atomically move a job from ``from_status`` to running for the process whose lease
    key is ``owner``; False if someone else has it."""
    result = await conn.execute(
        update(scheduled_jobs)
        .where(scheduled_jobs.c.id == job_id, scheduled_jobs.c.status == from_status)
        .values(
            status=RUNNING,
            claimed_at=now,
            lease_key=owner,
            attempts=scheduled_jobs.c.attempts + 1,
        )
    )
    return result.rowcount == 1


async def finish(
    conn: AsyncConnection,
    job_id: int,
    *,
    status: str,
    now: dt.datetime,
    error: str | None = None,
    expected: str | None = None,
) -> bool:
    """Record how a job ended (done, failed, missed or cancelled); with ``expected``, only
    if it is still in that status (two workers judging one job missed). True if recorded."""
    stmt = update(scheduled_jobs).where(scheduled_jobs.c.id == job_id)
    if expected is not None:
        stmt = stmt.where(scheduled_jobs.c.status == expected)
    result = await conn.execute(stmt.values(status=status, finished_at=now, last_error=error))
    return result.rowcount == 1


async def cancel_pending(conn: AsyncConnection, key: str, *, now: dt.datetime) -> JobRow | None:
    """Cancel a pending job; returns it, or None when nothing pending had that key."""
    row = await get_by_key(conn, key)
    if row is None or row.status != PENDING:
        return None
    await conn.execute(
        update(scheduled_jobs)
        .where(scheduled_jobs.c.id == row.id, scheduled_jobs.c.status == PENDING)
        .values(status=CANCELLED, finished_at=now)
    )
    return row


async def count_by_status(conn: AsyncConnection) -> dict[str, int]:
    """How many jobs are in each status."""
    rows = await conn.execute(
        select(scheduled_jobs.c.status, func.count()).group_by(scheduled_jobs.c.status)
    )
    return {status: int(n) for status, n in rows}


async def release(conn: AsyncConnection, job_id: int) -> None:
    """Hand a job left running by a dead process back to pending."""
    await conn.execute(
        update(scheduled_jobs)
        .where(scheduled_jobs.c.id == job_id, scheduled_jobs.c.status == RUNNING)
        .values(status=PENDING)
    )
