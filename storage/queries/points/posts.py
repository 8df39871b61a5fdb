"""Queries on the weekly board posts (``leaderboard_posts``): claim once, then finish."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import leaderboard_posts


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    season: str
    week_key: str
    track: str
    status: str
    channel_id: int | None
    message_id: int | None
    claimed_at: dt.datetime
    posted_at: dt.datetime | None


async def get_post(conn: AsyncConnection, season: str, week_key: str, track: str) -> PostRow | None:
    """The post record for one season, week and track."""
    row = (
        await conn.execute(
            select(leaderboard_posts).where(
                leaderboard_posts.c.season == season,
                leaderboard_posts.c.week_key == week_key,
                leaderboard_posts.c.track == track,
            )
        )
    ).first()
    return PostRow(**row._mapping) if row else None


async def claim_post(
    conn: AsyncConnection, *, season: str, week_key: str, track: str, now: dt.datetime
) -> bool:
    """Create the ``claimed`` record; False when one exists (INSERT … ON CONFLICT DO NOTHING)."""
    stmt = (
        upsertable_insert(conn, leaderboard_posts)
        .values(season=season, week_key=week_key, track=track, status="claimed", claimed_at=now)
        .on_conflict_do_nothing(index_elements=["season", "week_key", "track"])
    )
    result = await conn.execute(stmt)
    return bool(result.rowcount)


async def finish_post(
    conn: AsyncConnection,
    *,
    post_id: int,
    status: str,
    channel_id: int | None,
    message_id: int | None,
    now: dt.datetime,
) -> None:
    """Mark a post ``posted`` (with its message) or ``empty``."""
    await conn.execute(
        update(leaderboard_posts)
        .where(leaderboard_posts.c.id == post_id)
        .values(status=status, channel_id=channel_id, message_id=message_id, posted_at=now)
    )
