"""Queries on the points ledger: append entries (moving the weekly total) and read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries.points import CHUNK
from storage.queries.teams import TeamRow
from storage.schema import points_ledger, team_week_points, teams


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: int
    season: str
    team_id: int
    user_id: int | None
    amount: int
    reason: str
    source: str
    reference: str | None
    reverses_id: int | None
    week_key: str
    actor_id: int | None
    at: dt.datetime


async def append_entry(
    conn: AsyncConnection,
    *,
    season: str,
    team_id: int,
    track: str,
    user_id: int | None,
    amount: int,
    reason: str,
    source: str,
    reference: str | None,
    reverses_id: int | None,
    week_key: str,
    actor_id: int | None,
    at: dt.datetime,
) -> int:
    """Append one entry and move the team's total for ``week_key``; returns the entry id.

    Raises IntegrityError when ``reference`` is already used for this season and source,
    or when ``reverses_id`` was already reversed (both are unique in the database).
    """
    result = await conn.execute(
        insert(points_ledger)
        .values(
            season=season,
            team_id=team_id,
            user_id=user_id,
            amount=amount,
            reason=reason,
            source=source,
            reference=reference,
            reverses_id=reverses_id,
            week_key=week_key,
            actor_id=actor_id,
            at=at,
        )
        .returning(points_ledger.c.id)
    )
    entry_id = int(result.scalar_one())
    stmt = upsertable_insert(conn, team_week_points).values(
        team_id=team_id,
        week_key=week_key,
        season=season,
        track=track,
        total=amount,
        reached_at=at,
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["team_id", "week_key"],
            set_={
                "total": team_week_points.c.total + stmt.excluded.total,
                "reached_at": stmt.excluded.reached_at,
            },
        )
    )
    return entry_id


async def get_entry(conn: AsyncConnection, entry_id: int) -> EntryRow | None:
    """One ledger entry by id."""
    row = (await conn.execute(select(points_ledger).where(points_ledger.c.id == entry_id))).first()
    return EntryRow(**row._mapping) if row else None


async def reversal_of(conn: AsyncConnection, entry_id: int) -> EntryRow | None:
    """The entry that reverses ``entry_id``, if any."""
    row = (
        await conn.execute(select(points_ledger).where(points_ledger.c.reverses_id == entry_id))
    ).first()
    return EntryRow(**row._mapping) if row else None


async def recent_entries(conn: AsyncConnection, team_id: int, *, limit: int) -> list[EntryRow]:
    """The team's newest entries first."""
    rows = await conn.execute(
        select(points_ledger)
        .where(points_ledger.c.team_id == team_id)
        .order_by(points_ledger.c.id.desc())
        .limit(limit)
    )
    return [EntryRow(**row._mapping) for row in rows]


async def source_week_total(
    conn: AsyncConnection, *, team_id: int, week_key: str, source: str
) -> int:
    """Points the team got from ``source`` in ``week_key`` (reversals included)."""
    total = await conn.scalar(
        select(func.coalesce(func.sum(points_ledger.c.amount), 0)).where(
            points_ledger.c.team_id == team_id,
            points_ledger.c.week_key == week_key,
            points_ledger.c.source == source,
        )
    )
    return int(total or 0)


async def references_used(
    conn: AsyncConnection, *, season: str, source: str, references: Sequence[str]
) -> set[str]:
    """Which of ``references`` already have an entry for this season and source."""
    found: set[str] = set()
    for start in range(0, len(references), CHUNK):
        chunk = list(references[start : start + CHUNK])
        rows = await conn.execute(
            select(points_ledger.c.reference).where(
                points_ledger.c.season == season,
                points_ledger.c.source == source,
                points_ledger.c.reference.in_(chunk),
            )
        )
        found.update(str(reference) for (reference,) in rows)
    return found


# -- teams --------------------------------------------------------------------------------
async def lock_team(conn: AsyncConnection, team_id: int) -> TeamRow | None:
    """The team, its row locked until the transaction ends (FOR UPDATE on PostgreSQL)."""
    row = (await conn.execute(select(teams).where(teams.c.id == team_id).with_for_update())).first()
    return TeamRow(**row._mapping) if row else None


async def search_team_names(
    conn: AsyncConnection, season: str, prefix_key: str, *, limit: int
) -> list[tuple[int, str]]:
    """(id, name) of the season's active teams whose name key starts with ``prefix_key``."""
    stmt = select(teams.c.id, teams.c.name).where(
        teams.c.season == season, teams.c.disbanded_at.is_(None)
    )
    if prefix_key:
        stmt = stmt.where(teams.c.name_key.startswith(prefix_key, autoescape=True))
    rows = await conn.execute(stmt.order_by(teams.c.name_key).limit(limit))
    return [(int(team_id), str(name)) for team_id, name in rows]
