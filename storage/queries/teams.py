"""Queries on teams and team members (reads shared by every feature; writes for teams)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import team_members, team_registration_locks, teams


class DuplicateKey(Exception):
    """An insert or update broke a unique constraint (another writer got there first)."""


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


@dataclass(frozen=True, slots=True)
class MembershipRow:
    user_id: int
    joined_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TeamNameRow:
    id: int
    name: str
    name_key: str


async def insert_team(
    conn: AsyncConnection,
    *,
    season: str,
    name: str,
    name_key: str,
    track: str,
    captain_id: int,
    invite_code: str,
    now: dt.datetime,
) -> int:
    """Insert an active team; returns its id. Raises DuplicateKey on a name or code clash."""
    try:
        result = await conn.execute(
            insert(teams)
            .values(
                season=season,
                name=name,
                name_key=name_key,
                track=track,
                captain_id=captain_id,
                invite_code=invite_code,
                created_at=now,
            )
            .returning(teams.c.id)
        )
    except IntegrityError as exc:
        raise DuplicateKey(str(exc.orig)) from exc
    return int(result.scalar_one())


async def lock_team(conn: AsyncConnection, team_id: int) -> TeamRow | None:
    """The team, its row locked until the transaction ends (PostgreSQL; SQLite's single
    writer already serializes transactions)."""
    row = (await conn.execute(select(teams).where(teams.c.id == team_id).with_for_update())).first()
    return _team(row._mapping) if row else None


async def by_invite_code(conn: AsyncConnection, invite_code: str) -> TeamRow | None:
    """The active team with this invite code."""
    row = (
        await conn.execute(
            select(teams).where(teams.c.invite_code == invite_code, teams.c.disbanded_at.is_(None))
        )
    ).first()
    return _team(row._mapping) if row else None


async def add_member(
    conn: AsyncConnection, *, team_id: int, user_id: int, season: str, now: dt.datetime
) -> None:
    """Put the member in the team. Raises DuplicateKey when they are already in a team."""
    try:
        await conn.execute(
            insert(team_members).values(
                team_id=team_id, user_id=user_id, season=season, joined_at=now
            )
        )
    except IntegrityError as exc:
        raise DuplicateKey(str(exc.orig)) from exc


async def remove_member(conn: AsyncConnection, team_id: int, user_id: int) -> bool:
    """Take the member out of the team; False when they were not in it."""
    result = await conn.execute(
        delete(team_members).where(
            team_members.c.team_id == team_id, team_members.c.user_id == user_id
        )
    )
    return bool(result.rowcount)


async def memberships(conn: AsyncConnection, team_id: int) -> list[MembershipRow]:
    """The team's members with their join times, longest-standing first."""
    rows = await conn.execute(
        select(team_members.c.user_id, team_members.c.joined_at)
        .where(team_members.c.team_id == team_id)
        .order_by(team_members.c.joined_at, team_members.c.user_id)
    )
    return [MembershipRow(int(r.user_id), r.joined_at) for r in rows]


async def member_count(conn: AsyncConnection, team_id: int) -> int:
    """How many members the team has."""
    count = await conn.scalar(
        select(func.count()).select_from(team_members).where(team_members.c.team_id == team_id)
    )
    return int(count or 0)


async def update_team(conn: AsyncConnection, team_id: int, **values: Any) -> None:
    """Change columns of one team (name, name_key, captain_id, invite_code, channel_id).

    Raises DuplicateKey when the new name or code is taken."""
    try:
        await conn.execute(update(teams).where(teams.c.id == team_id).values(**values))
    except IntegrityError as exc:
        raise DuplicateKey(str(exc.orig)) from exc


async def disband(conn: AsyncConnection, team_id: int, now: dt.datetime) -> list[int]:
    """Mark the team disbanded and free its members; returns who was in it.

    The team row stays (ledger history keeps its name); its members may join other teams.
    """
    members = await member_ids(conn, team_id)
    await conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
    await conn.execute(update(teams).where(teams.c.id == team_id).values(disbanded_at=now))
    return members


async def names(conn: AsyncConnection, season: str) -> list[TeamNameRow]:
    """Id, name and name key of every active team of the season (for the search index)."""
    rows = await conn.execute(
        select(teams.c.id, teams.c.name, teams.c.name_key).where(
            teams.c.season == season, teams.c.disbanded_at.is_(None)
        )
    )
    return [TeamNameRow(int(r.id), r.name, r.name_key) for r in rows]


async def member_counts(conn: AsyncConnection, team_ids: list[int]) -> dict[int, int]:
    """Members per team for the given teams (teams without members are absent)."""
    if not team_ids:
        return {}
    rows = await conn.execute(
        select(team_members.c.team_id, func.count())
        .where(team_members.c.team_id.in_(team_ids))
        .group_by(team_members.c.team_id)
    )
    return {int(team_id): int(count) for team_id, count in rows}


async def season_memberships(conn: AsyncConnection, season: str) -> dict[int, int]:
    """Team id by member id for every member of an active team this season."""
    rows = await conn.execute(
        select(team_members.c.user_id, team_members.c.team_id).where(
            team_members.c.season == season
        )
    )
    return {int(user_id): int(team_id) for user_id, team_id in rows}


async def registration_lock(conn: AsyncConnection, season: str) -> dt.datetime | None:
    """When an organizer locked the season's registration, or None when it is open."""
    return await conn.scalar(
        select(team_registration_locks.c.locked_at).where(
            team_registration_locks.c.season == season
        )
    )


async def lock_registration(
    conn: AsyncConnection, *, season: str, now: dt.datetime, actor_id: int | None
) -> bool:
    """Lock the season's registration; False when it was locked already."""
    if await registration_lock(conn, season) is not None:
        return False
    await conn.execute(
        insert(team_registration_locks).values(season=season, locked_at=now, locked_by=actor_id)
    )
    return True


async def unlock_registration(conn: AsyncConnection, season: str) -> bool:
    """Open the season's registration again; False when it was not locked."""
    result = await conn.execute(
        delete(team_registration_locks).where(team_registration_locks.c.season == season)
    )
    return bool(result.rowcount)
