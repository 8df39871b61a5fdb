"""Queries on discord_posts: the journal of the Discord posts Podium makes on its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import discord_posts

CLAIMED = "claimed"
POSTED = "posted"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PostRow:
    """A discord_posts row."""

    id: int
    key: str
    status: str
    owner: str
    claimed_at: dt.datetime
    message_id: int | None
    nonce: str | None


def _row(row: Any) -> PostRow:
    return PostRow(
        id=row.id,
        key=row.key,
        status=row.status,
        owner=row.owner,
        claimed_at=row.claimed_at,
        message_id=row.message_id,
        nonce=row.nonce,
    )


async def insert_claim(conn: AsyncConnection, *, key: str, owner: str, now: dt.datetime) -> bool:
    """Create the claim of ``key`` for ``owner``; False when the key has a row already."""
    stmt = (
        upsertable_insert(conn, discord_posts)
        .values(key=key, status=CLAIMED, owner=owner, claimed_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return bool((await conn.execute(stmt)).rowcount)


async def get(conn: AsyncConnection, key: str) -> PostRow | None:
    """The row of one post key."""
    row = (await conn.execute(select(discord_posts).where(discord_posts.c.key == key))).first()
    return _row(row) if row is not None else None


async def take_over(
    conn: AsyncConnection, post_id: int, *, status: str, owner: str, new_owner: str
) -> bool:
    """Move a claim from ``owner`` (in ``status``) to ``new_owner``; False if it moved first.

    The claim time stays: it is when the first attempt may have started.
    """
    result = await conn.execute(
        update(discord_posts)
        .where(
            discord_posts.c.id == post_id,
            discord_posts.c.status == status,
            discord_posts.c.owner == owner,
        )
        .values(status=CLAIMED, owner=new_owner)
    )
    return result.rowcount == 1


async def finish(
    conn: AsyncConnection,
    post_id: int,
    *,
    channel_id: int | None,
    message_id: int | None,
    error: str | None,
    now: dt.datetime,
) -> None:
    """Record the outcome: ``posted`` with its message, or ``failed`` with why."""
    await conn.execute(
        update(discord_posts)
        .where(discord_posts.c.id == post_id)
        .values(
            status=POSTED if error is None else FAILED,
            channel_id=channel_id,
            message_id=message_id,
            error=error[:200] if error else None,
            finished_at=now,
        )
    )


async def statuses(conn: AsyncConnection, prefix: str) -> dict[str, str]:
    """Status per key of the posts whose key starts with ``prefix``."""
    rows = await conn.execute(
        select(discord_posts.c.key, discord_posts.c.status).where(
            discord_posts.c.key.startswith(prefix, autoescape=True)
        )
    )
    return {str(r.key): str(r.status) for r in rows}
