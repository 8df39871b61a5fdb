"""Queries on the weekly totals: week and season totals, boards and ranks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.queries.points import CHUNK
from storage.schema import members, team_week_points, teams


@dataclass(frozen=True, slots=True)
class BoardRow:
    team_id: int
    name: str
    name_key: str
    total: int
    reached_at: dt.datetime


async def week_total(conn: AsyncConnection, team_id: int, week_key: str) -> int:
    """The team's total for one week (0 without entries)."""
    total = await conn.scalar(
        select(team_week_points.c.total).where(
            team_week_points.c.team_id == team_id, team_week_points.c.week_key == week_key
        )
    )
    return int(total or 0)


async def season_totals(
    conn: AsyncConnection, season: str, team_ids: Sequence[int]
) -> dict[int, int]:
    """Season totals of ``team_ids`` (teams without entries are absent)."""
    totals: dict[int, int] = {}
    ids = list(dict.fromkeys(team_ids))
    for start in range(0, len(ids), CHUNK):
        rows = await conn.execute(
            select(team_week_points.c.team_id, func.sum(team_week_points.c.total))
            .where(
                team_week_points.c.season == season,
                team_week_points.c.team_id.in_(ids[start : start + CHUNK]),
            )
            .group_by(team_week_points.c.team_id)
        )
        totals.update({int(team_id): int(total) for team_id, total in rows})
    return totals


def _cohort_filter(cohort: str | None) -> Any:
    # A team's cohort is its captain's cohort: every team has exactly one captain, so every
    # team appears on exactly one cohort's board.
    if cohort is None:
        return None
    return (
        select(members.c.user_id)
        .where(members.c.user_id == teams.c.captain_id, members.c.cohort_key == cohort)
        .exists()
    )


async def captain_in_cohort(conn: AsyncConnection, team_id: int, cohort: str) -> bool:
    """True when the team's captain is in ``cohort`` (a team's cohort is its captain's)."""
    found = await conn.scalar(
        select(teams.c.id).where(teams.c.id == team_id, _cohort_filter(cohort))
    )
    return found is not None


async def week_board(
    conn: AsyncConnection,
    *,
    season: str,
    week_key: str,
    track: str,
    limit: int,
    cohort: str | None = None,
) -> list[BoardRow]:
    """The week's best active teams of ``track``: highest total first, then who reached it
    first, then by name. Teams without points that week (or back to 0) are not listed."""
    conditions = [
        team_week_points.c.season == season,
        team_week_points.c.week_key == week_key,
        team_week_points.c.track == track,
        team_week_points.c.total != 0,
        teams.c.disbanded_at.is_(None),
    ]
    exists = _cohort_filter(cohort)
    if exists is not None:
        conditions.append(exists)
    rows = await conn.execute(
        select(
            team_week_points.c.team_id,
            teams.c.name,
            teams.c.name_key,
            team_week_points.c.total,
            team_week_points.c.reached_at,
        )
        .join(teams, teams.c.id == team_week_points.c.team_id)
        .where(*conditions)
        .order_by(
            team_week_points.c.total.desc(),
            team_week_points.c.reached_at,
            teams.c.name_key,
            teams.c.id,
        )
        .limit(limit)
    )
    return [BoardRow(**row._mapping) for row in rows]


async def teams_above(
    conn: AsyncConnection,
    *,
    season: str,
    week_key: str,
    track: str,
    total: int,
    cohort: str | None = None,
) -> int:
    """How many active teams of ``track`` have a higher (non-zero) total in ``week_key``.

    Without a cohort this is an index-only count over the weekly totals, less the few
    disbanded teams above (found through their own small partial index), so it stays fast
    at any number of teams.
    """
    above = [
        team_week_points.c.season == season,
        team_week_points.c.week_key == week_key,
        team_week_points.c.track == track,
        team_week_points.c.total > total,
        team_week_points.c.total != 0,
    ]
    if cohort is not None:
        count = await conn.scalar(
            select(func.count())
            .select_from(team_week_points.join(teams, teams.c.id == team_week_points.c.team_id))
            .where(*above, teams.c.disbanded_at.is_(None), _cohort_filter(cohort))
        )
        return int(count or 0)
    everyone = await conn.scalar(select(func.count()).select_from(team_week_points).where(*above))
    disbanded = await conn.scalar(
        select(func.count())
        .select_from(
            teams.join(
                team_week_points,
                and_(
                    team_week_points.c.team_id == teams.c.id,
                    team_week_points.c.week_key == week_key,
                ),
            )
        )
        .where(teams.c.season == season, teams.c.disbanded_at.is_not(None), *above)
    )
    return int(everyone or 0) - int(disbanded or 0)


async def season_board(
    conn: AsyncConnection, *, season: str, track: str, limit: int | None = None
) -> list[BoardRow]:
    """Season totals of the active teams of ``track``, best first (same tie-breaks as a
    week: the total's last change first, then the name). Teams at 0 are not listed."""
    total = func.sum(team_week_points.c.total).label("total")
    reached = func.max(team_week_points.c.reached_at).label("reached_at")
    stmt = (
        select(team_week_points.c.team_id, teams.c.name, teams.c.name_key, total, reached)
        .join(teams, teams.c.id == team_week_points.c.team_id)
        .where(
            team_week_points.c.season == season,
            team_week_points.c.track == track,
            teams.c.disbanded_at.is_(None),
        )
        .group_by(team_week_points.c.team_id, teams.c.name, teams.c.name_key)
        .having(func.sum(team_week_points.c.total) != 0)
        .order_by(total.desc(), reached, teams.c.name_key, team_week_points.c.team_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [BoardRow(**row._mapping) for row in await conn.execute(stmt)]
