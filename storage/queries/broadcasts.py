"""Queries for broadcasts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import broadcasts


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    """A broadcasts row."""

    id: int
    message: str
    audience: str
    channels: str
    first_run_at: dt.datetime
    repeat: str | None
    template_sid: str | None
    status: str
    next_run_at: dt.datetime | None
    created_by: int


def _row(row: Any) -> BroadcastRow:
    return BroadcastRow(
        id=row.id,
        message=row.message,
        audience=row.audience,
        channels=row.channels,
        first_run_at=row.first_run_at,
        repeat=row.repeat,
        template_sid=row.template_sid,
        status=row.status,
        next_run_at=row.next_run_at,
        created_by=row.created_by,
    )


async def create(conn: AsyncConnection, **values: Any) -> int:
    """Insert a broadcast; returns its id."""
    result = await conn.execute(insert(broadcasts).values(values).returning(broadcasts.c.id))
    return int(result.scalar_one())


async def get(conn: AsyncConnection, broadcast_id: int) -> BroadcastRow | None:
    """One broadcast."""
    row = (await conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))).first()
    return _row(row) if row is not None else None


async def scheduled(conn: AsyncConnection, *, limit: int = 100) -> list[BroadcastRow]:
    """Broadcasts with an occurrence still to come, soonest first."""
    rows = await conn.execute(
        select(broadcasts)
        .where(broadcasts.c.status == "scheduled")
        .order_by(broadcasts.c.next_run_at, broadcasts.c.id)
        .limit(limit)
    )
    return [_row(row) for row in rows]


async def update_broadcast(conn: AsyncConnection, broadcast_id: int, **values: Any) -> None:
    """Set columns of one broadcast."""
    await conn.execute(update(broadcasts).where(broadcasts.c.id == broadcast_id).values(values))
