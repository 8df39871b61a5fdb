"""Queries on season closes: the closure row and the alumni picked at the close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries.points import CHUNK
from storage.schema import season_alumni, season_closures, team_members


@dataclass(frozen=True, slots=True)
class AlumnusRow:
    season: str
    user_id: int
    team_id: int
    track: str
    rank: int
    granted_at: dt.datetime | None


async def closure(conn: AsyncConnection, season: str) -> dt.datetime | None:
    """When the season was closed, or None while it is open."""
    closed_at: dt.datetime | None = await conn.scalar(
        select(season_closures.c.closed_at).where(season_closures.c.season == season)
    )
    return closed_at


async def close_season(
    conn: AsyncConnection, *, season: str, actor_id: int | None, now: dt.datetime
) -> bool:
    """Record the close; False when the season was already closed."""
    stmt = (
        upsertable_insert(conn, season_closures)
        .values(season=season, closed_at=now, closed_by=actor_id)
        .on_conflict_do_nothing(index_elements=["season"])
    )
    return bool((await conn.execute(stmt)).rowcount)


async def add_alumni(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Record alumni (season, user_id, team_id, track, rank); existing ones are kept."""
    if not rows:
        return
    stmt = upsertable_insert(conn, season_alumni).on_conflict_do_nothing(
        index_elements=["season", "user_id"]
    )
    await conn.execute(stmt, rows)


async def alumni(conn: AsyncConnection, season: str) -> list[AlumnusRow]:
    """The season's alumni, by track and rank."""
    rows = await conn.execute(
        select(season_alumni)
        .where(season_alumni.c.season == season)
        .order_by(season_alumni.c.track, season_alumni.c.rank, season_alumni.c.user_id)
    )
    return [AlumnusRow(**row._mapping) for row in rows]


async def mark_alumni_granted(
    conn: AsyncConnection, season: str, user_ids: Sequence[int], now: dt.datetime
) -> None:
    """Record that these alumni got the role."""
    ids = list(user_ids)
    for start in range(0, len(ids), CHUNK):
        await conn.execute(
            update(season_alumni)
            .where(
                and_(
                    season_alumni.c.season == season,
                    season_alumni.c.user_id.in_(ids[start : start + CHUNK]),
                )
            )
            .values(granted_at=now)
        )


async def team_member_ids(conn: AsyncConnection, team_ids: Sequence[int]) -> dict[int, list[int]]:
    """Members of each team, by team id."""
    found: dict[int, list[int]] = {}
    ids = list(team_ids)
    for start in range(0, len(ids), CHUNK):
        rows = await conn.execute(
            select(team_members.c.team_id, team_members.c.user_id)
            .where(team_members.c.team_id.in_(ids[start : start + CHUNK]))
            .order_by(team_members.c.team_id, team_members.c.user_id)
        )
        for team_id, user_id in rows:
            found.setdefault(int(team_id), []).append(int(user_id))
    return found
