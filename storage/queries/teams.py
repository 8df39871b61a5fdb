"""Queries on teams and team members (reads shared by every feature; writes for teams)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import team_members, teams


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    season: str
    name: str
    name_key: str
    track: str
    captain_id: int
    invite_code: str
    channel_id: int | None
    created_at: dt.datetime
    disbanded_at: dt.datetime | None


def _team(mapping: object) -> TeamRow:
    return TeamRow(**mapping)  # type: ignore[arg-type]


async def get(conn: AsyncConnection, team_id: int) -> TeamRow | None:
    """One team by id (disbanded ones too)."""
    row = (await conn.execute(select(teams).where(teams.c.id == team_id))).first()
    return _team(row._mapping) if row else None


async def by_name_key(conn: AsyncConnection, season: str, name_key: str) -> TeamRow | None:
    """The season's active team with this normalized name."""
    row = (
        await conn.execute(
            select(teams).where(
                teams.c.season == season,
                teams.c.name_key == name_key,
                teams.c.disbanded_at.is_(None),
            )
        )
    ).first()
    return _team(row._mapping) if row else None


async def active(conn: AsyncConnection, season: str, track: str | None = None) -> list[TeamRow]:
    """The season's active teams (optionally of one track), by name."""
    stmt = select(teams).where(teams.c.season == season, teams.c.disbanded_at.is_(None))
    if track is not None:
        stmt = stmt.where(teams.c.track == track)
    return [_team(row._mapping) for row in await conn.execute(stmt.order_by(teams.c.name_key))]


async def team_of(conn: AsyncConnection, season: str, user_id: int) -> TeamRow | None:
    """The team the member is in this season, or None."""
    row = (
        await conn.execute(
            select(teams)
            .join(team_members, team_members.c.team_id == teams.c.id)
            .where(team_members.c.season == season, team_members.c.user_id == user_id)
        )
    ).first()
    return _team(row._mapping) if row else None


async def member_ids(conn: AsyncConnection, team_id: int) -> list[int]:
    """The team's members, longest-standing first."""
    rows = await conn.execute(
        select(team_members.c.user_id)
        .where(team_members.c.team_id == team_id)
        .order_by(team_members.c.joined_at, team_members.c.user_id)
    )
    return [int(user_id) for (user_id,) in rows]
