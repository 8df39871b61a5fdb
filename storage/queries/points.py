"""Queries on the points ledger, the weekly totals, imports and closes.

Every ledger entry goes through ``append_entry``, which also moves the team's weekly
total in the same transaction, so boards never scan the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries.teams import TeamRow
from storage.schema import (
    members,
    point_imports,
    points_ledger,
    season_alumni,
    season_closures,
    team_members,
    team_week_points,
    teams,
)

#: Largest IN (...) list sent in one statement (SQLite's default variable limit is 32766;
#: older builds allow 999).
_CHUNK = 900


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


@dataclass(frozen=True, slots=True)
class BoardRow:
    team_id: int
    name: str
    name_key: str
    total: int
    reached_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ImportRow:
    id: int
    season: str
    file_hash: str
    file_name: str
    status: str
    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    actor_id: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: int | None
    entries: int


@dataclass(frozen=True, slots=True)
class AlumnusRow:
    season: str
    user_id: int
    team_id: int
    track: str
    rank: int
    granted_at: dt.datetime | None


# -- ledger -------------------------------------------------------------------------------
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
    for start in range(0, len(references), _CHUNK):
        chunk = list(references[start : start + _CHUNK])
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


# -- weekly totals ------------------------------------------------------------------------
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
    for start in range(0, len(ids), _CHUNK):
        rows = await conn.execute(
            select(team_week_points.c.team_id, func.sum(team_week_points.c.total))
            .where(
                team_week_points.c.season == season,
                team_week_points.c.team_id.in_(ids[start : start + _CHUNK]),
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


# -- imports ------------------------------------------------------------------------------
async def create_import(
    conn: AsyncConnection,
    *,
    season: str,
    file_hash: str,
    file_name: str,
    rows: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    actor_id: int | None,
    now: dt.datetime,
) -> int:
    """Store a checked file as a ``preview``; returns its id."""
    result = await conn.execute(
        insert(point_imports)
        .values(
            season=season,
            file_hash=file_hash,
            file_name=file_name,
            status="preview",
            rows=rows,
            errors=errors,
            actor_id=actor_id,
            created_at=now,
            entries=0,
        )
        .returning(point_imports.c.id)
    )
    return int(result.scalar_one())


async def get_import(conn: AsyncConnection, import_id: int) -> ImportRow | None:
    """One import by id."""
    row = (await conn.execute(select(point_imports).where(point_imports.c.id == import_id))).first()
    return ImportRow(**row._mapping) if row else None


async def imported_file(conn: AsyncConnection, season: str, file_hash: str) -> ImportRow | None:
    """The import of this file this season that was confirmed, if any."""
    row = (
        await conn.execute(
            select(point_imports).where(
                point_imports.c.season == season,
                point_imports.c.file_hash == file_hash,
                point_imports.c.status == "imported",
            )
        )
    ).first()
    return ImportRow(**row._mapping) if row else None


async def decide_import(
    conn: AsyncConnection,
    *,
    import_id: int,
    status: str,
    actor_id: int | None,
    entries: int,
    now: dt.datetime,
) -> bool:
    """Move a ``preview`` to ``imported`` or ``cancelled``; False when it was not a preview."""
    result = await conn.execute(
        update(point_imports)
        .where(point_imports.c.id == import_id, point_imports.c.status == "preview")
        .values(status=status, decided_at=now, decided_by=actor_id, entries=entries)
    )
    return bool(result.rowcount)


# -- seasons ------------------------------------------------------------------------------
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
    for start in range(0, len(ids), _CHUNK):
        await conn.execute(
            update(season_alumni)
            .where(
                and_(
                    season_alumni.c.season == season,
                    season_alumni.c.user_id.in_(ids[start : start + _CHUNK]),
                )
            )
            .values(granted_at=now)
        )


async def team_member_ids(conn: AsyncConnection, team_ids: Sequence[int]) -> dict[int, list[int]]:
    """Members of each team, by team id."""
    found: dict[int, list[int]] = {}
    ids = list(team_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = await conn.execute(
            select(team_members.c.team_id, team_members.c.user_id)
            .where(team_members.c.team_id.in_(ids[start : start + _CHUNK]))
            .order_by(team_members.c.team_id, team_members.c.user_id)
        )
        for team_id, user_id in rows:
            found.setdefault(int(team_id), []).append(int(user_id))
    return found
