"""Queries of results scoring: each team's scored week (``results_week_scores``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.bulk import execute_many
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
    details: dict[str, Any] | list[dict[str, Any]]
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


@dataclass(frozen=True, slots=True)
class StoredScore:
    """What a re-run needs of a team's stored score: its points, revision and entry."""

    points: int
    revision: int
    entry_id: int | None


async def stored_scores(
    conn: AsyncConnection, *, season: str, week_key: str, team_ids: Sequence[int]
) -> dict[int, StoredScore]:
    """The points, revision and ledger entry of the given teams' stored scores of a week
    (not the breakdown: decoding 10,000 teams' details cost more than the rest)."""
    t = results_week_scores
    found: dict[int, StoredScore] = {}
    wanted = set(team_ids)
    stmt = select(t.c.team_id, t.c.points, t.c.revision, t.c.entry_id).where(
        t.c.season == season, t.c.week_key == week_key
    )
    if len(wanted) <= CHUNK:
        stmt = stmt.where(t.c.team_id.in_(sorted(wanted)))
    # Else the week's rows at once, kept here, rather than thousands of bound ids.
    rows = await conn.execute(stmt)
    for team_id, points, revision, entry_id in rows:
        if int(team_id) in wanted:
            found[int(team_id)] = StoredScore(
                int(points), int(revision), int(entry_id) if entry_id is not None else None
            )
    return found


async def lock_team_ids(conn: AsyncConnection, team_ids: Sequence[int]) -> None:
    """Lock the teams' rows until the transaction ends (FOR UPDATE on PostgreSQL), in id
    order as the ledger locks them, reading nothing else of them. On SQLite, which has no
    row locks, nothing to do: the write transaction already excludes every other writer."""
    if conn.dialect.name == "sqlite":
        return
    ordered = sorted(set(team_ids))
    for start in range(0, len(ordered), CHUNK):
        await conn.execute(
            select(teams.c.id)
            .where(teams.c.id.in_(ordered[start : start + CHUNK]))
            .order_by(teams.c.id)
            .with_for_update()
        )


async def active_team_tracks(
    conn: AsyncConnection, *, season: str, tracks: Sequence[str]
) -> dict[int, str]:
    """The season's active teams of ``tracks``: id → track, by id (the weekly run needs
    no more of them)."""
    rows = await conn.execute(
        select(teams.c.id, teams.c.track)
        .where(
            teams.c.season == season,
            teams.c.disbanded_at.is_(None),
            teams.c.track.in_(list(tracks)),
        )
        .order_by(teams.c.id)
    )
    return {int(team_id): str(track) for team_id, track in rows}


async def scored_weeks(conn: AsyncConnection, *, season: str) -> list[str]:
    """The keys of the season's weeks that have stored scores, oldest first."""
    rows = await conn.execute(
        select(results_week_scores.c.week_key)
        .where(results_week_scores.c.season == season)
        .distinct()
        .order_by(results_week_scores.c.week_key)
    )
    return [str(key) for (key,) in rows]


SCORE_COLUMNS = (
    "season",
    "week_key",
    "team_id",
    "track",
    "points",
    "credited",
    "entry_id",
    "revision",
    "details",
    "scored_at",
)
#: An update sets every column but the key, found by the key's values in ``k_…``.
SCORE_UPDATE_NAMES = (*SCORE_COLUMNS[3:], "k_season", "k_week", "k_team")


def _update_scores() -> Any:
    table = results_week_scores
    return (
        update(table)
        .where(
            table.c.season == bindparam("k_season"),
            table.c.week_key == bindparam("k_week"),
            table.c.team_id == bindparam("k_team"),
        )
        .values({name: bindparam(name) for name in SCORE_COLUMNS[3:]})
    )


async def save_scores(
    conn: AsyncConnection, rows: Sequence[WeekScoreRow], *, existing: set[int]
) -> None:
    """Insert the new scores and replace the stored ones (team ids in ``existing``), one
    driver-level executemany each (``storage.bulk``: a whole track's rows at once)."""
    await execute_many(
        conn,
        key="results_week_scores.insert",
        build=lambda: insert(results_week_scores),
        names=SCORE_COLUMNS,
        rows=[_values(row) for row in rows if row.team_id not in existing],
    )
    await execute_many(
        conn,
        key="results_week_scores.update",
        build=_update_scores,
        names=SCORE_UPDATE_NAMES,
        rows=[
            (*_values(row)[3:], row.season, row.week_key, row.team_id)
            for row in rows
            if row.team_id in existing
        ],
    )


def _values(row: WeekScoreRow) -> tuple[Any, ...]:
    return (
        row.season,
        row.week_key,
        row.team_id,
        row.track,
        row.points,
        row.credited,
        row.entry_id,
        row.revision,
        row.details,
        row.scored_at,
    )


async def scored_count(conn: AsyncConnection, *, season: str, week_key: str, track: str) -> int:
    """How many teams of ``track`` have a stored score for the week."""
    t = results_week_scores
    count = await conn.scalar(
        select(func.count()).where(
            t.c.season == season, t.c.week_key == week_key, t.c.track == track
        )
    )
    return int(count or 0)


async def week_points(conn: AsyncConnection, *, season: str, week_key: str) -> dict[int, int]:
    """The stored points of a week by team id (the light read a re-run compares with)."""
    rows = await conn.execute(
        select(results_week_scores.c.team_id, results_week_scores.c.points).where(
            results_week_scores.c.season == season, results_week_scores.c.week_key == week_key
        )
    )
    return {int(team_id): int(points) for team_id, points in rows}


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
