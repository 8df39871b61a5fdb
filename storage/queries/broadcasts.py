"""Queries for broadcasts and their Discord posts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import broadcast_posts, broadcasts


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


@dataclass(frozen=True, slots=True)
class PostClaimRow:
    """A broadcast_posts row as ``begin_post`` found it; ``created`` when it made it."""

    id: int
    status: str
    at: dt.datetime
    created: bool


async def begin_post(
    conn: AsyncConnection,
    *,
    broadcast_id: int,
    occurrence_key: str,
    channel_id: int,
    now: dt.datetime,
) -> PostClaimRow:
    """Record an intended Discord post (idempotent); returns its row as it is now."""
    result = await conn.execute(
        upsertable_insert(conn, broadcast_posts)
        .values(
            broadcast_id=broadcast_id,
            occurrence_key=occurrence_key,
            channel_id=channel_id,
            status="pending",
            at=now,
        )
        .on_conflict_do_nothing(index_elements=["occurrence_key", "channel_id"])
    )
    row = (
        await conn.execute(
            select(broadcast_posts.c.id, broadcast_posts.c.status, broadcast_posts.c.at).where(
                broadcast_posts.c.occurrence_key == occurrence_key,
                broadcast_posts.c.channel_id == channel_id,
            )
        )
    ).one()
    return PostClaimRow(int(row.id), str(row.status), row.at, bool(result.rowcount))


async def finish_post(
    conn: AsyncConnection,
    *,
    occurrence_key: str,
    channel_id: int,
    message_id: int | None,
    error: str | None,
    now: dt.datetime,
) -> None:
    """Record the outcome of a Discord post."""
    await conn.execute(
        update(broadcast_posts)
        .where(
            broadcast_posts.c.occurrence_key == occurrence_key,
            broadcast_posts.c.channel_id == channel_id,
        )
        .values(
            status="posted" if error is None else "failed",
            message_id=message_id,
            error=error[:200] if error else None,
            at=now,
        )
    )


async def post_counts(conn: AsyncConnection, broadcast_id: int) -> dict[str, int]:
    """Discord posts of a broadcast per status."""
    rows = await conn.execute(
        select(broadcast_posts.c.status, func.count())
        .where(broadcast_posts.c.broadcast_id == broadcast_id)
        .group_by(broadcast_posts.c.status)
    )
    return {status: int(count) for status, count in rows}
