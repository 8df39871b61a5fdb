"""Queries of results scoring: each team's scored week (``results_week_scores``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import results_week_scores, teams

CHUNK = 500


@dataclass(frozen=True, slots=True)
class WeekScoreRow:
    season: str
    week_key: str
    team_id: int
    track: str
    points: int
    credited: int
    entry_id: int | None
    revision: int
    details: list[dict[str, Any]]
    scored_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ScoredTeamRow:
    team_id: int
    name: str
    points: int
    credited: int


async def week_scores(
    conn: AsyncConnection, *, season: str, week_key: str, team_ids: Sequence[int] | None = None
) -> dict[int, WeekScoreRow]:
    """The stored scores of a week by team id (all teams, or those of ``team_ids``)."""
    base = select(results_week_scores).where(
        results_week_scores.c.season == season, results_week_scores.c.week_key == week_key
    )
    if team_ids is None:
        rows = list(await conn.execute(base))
    else:
        rows = []
        for start in range(0, len(team_ids), CHUNK):
            chunk = list(team_ids[start : start + CHUNK])
            rows += list(await conn.execute(base.where(results_week_scores.c.team_id.in_(chunk))))
    return {int(row.team_id): WeekScoreRow(**row._mapping) for row in rows}


async def scored_weeks(conn: AsyncConnection, *, season: str) -> list[str]:
    """The keys of the season's weeks that have stored scores, oldest first."""
    rows = await conn.execute(
        select(results_week_scores.c.week_key)
        .where(results_week_scores.c.season == season)
        .distinct()
        .order_by(results_week_scores.c.week_key)
    )
    return [str(key) for (key,) in rows]


async def lock_score(
    conn: AsyncConnection, *, season: str, week_key: str, team_id: int
) -> WeekScoreRow | None:
    """One team's stored score of a week, locked until the transaction ends."""
    row = (
        await conn.execute(
            select(results_week_scores)
            .where(
                results_week_scores.c.season == season,
                results_week_scores.c.week_key == week_key,
                results_week_scores.c.team_id == team_id,
            )
            .with_for_update()
        )
    ).first()
    return WeekScoreRow(**row._mapping) if row else None


async def save_score(conn: AsyncConnection, row: WeekScoreRow, *, new: bool) -> None:
    """Insert (``new``) or replace a team's score of a week."""
    values = {
        "track": row.track,
        "points": row.points,
        "credited": row.credited,
        "entry_id": row.entry_id,
        "revision": row.revision,
        "details": row.details,
        "scored_at": row.scored_at,
    }
    if new:
        await conn.execute(
            insert(results_week_scores).values(
                season=row.season, week_key=row.week_key, team_id=row.team_id, **values
            )
        )
        return
    await conn.execute(
        update(results_week_scores)
        .where(
            results_week_scores.c.season == row.season,
            results_week_scores.c.week_key == row.week_key,
            results_week_scores.c.team_id == row.team_id,
        )
        .values(**values)
    )


async def save_details(
    conn: AsyncConnection, rows: Sequence[tuple[str, str, int, list[dict[str, Any]]]]
) -> None:
    """Refresh the breakdown of scores whose points did not change:
    (season, week_key, team_id, details) each."""
    for season, week_key, team_id, details in rows:
        await conn.execute(
            update(results_week_scores)
            .where(
                results_week_scores.c.season == season,
                results_week_scores.c.week_key == week_key,
                results_week_scores.c.team_id == team_id,
            )
            .values(details=details)
        )


async def top_scored(
    conn: AsyncConnection, *, season: str, week_key: str, track: str, limit: int
) -> list[ScoredTeamRow]:
    """A week's best scored teams of a track (most points first, then by name)."""
    rows = await conn.execute(
        select(
            results_week_scores.c.team_id,
            teams.c.name,
            results_week_scores.c.points,
            results_week_scores.c.credited,
        )
        .join(teams, teams.c.id == results_week_scores.c.team_id)
        .where(
            results_week_scores.c.season == season,
            results_week_scores.c.week_key == week_key,
            results_week_scores.c.track == track,
            results_week_scores.c.points > 0,
        )
        .order_by(results_week_scores.c.points.desc(), teams.c.name_key)
        .limit(limit)
    )
    return [
        ScoredTeamRow(int(r.team_id), str(r.name), int(r.points), int(r.credited)) for r in rows
    ]
