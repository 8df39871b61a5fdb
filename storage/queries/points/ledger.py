"""Queries on the points ledger: append entries (moving the weekly total) and read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.bulk import allocate_ids, execute_many
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


# -- many at once (automatic credits of a whole track, their reversals) -------------------


@dataclass(frozen=True, slots=True)
class NewEntry:
    """One entry for ``append_entries`` (the fields of ``append_entry``)."""

    season: str
    team_id: int
    track: str
    amount: int
    reason: str
    source: str
    reference: str | None
    reverses_id: int | None
    week_key: str
    at: dt.datetime
    user_id: int | None = None
    actor_id: int | None = None


LEDGER_COLUMNS = (
    "id",
    "season",
    "team_id",
    "user_id",
    "amount",
    "reason",
    "source",
    "reference",
    "reverses_id",
    "week_key",
    "actor_id",
    "at",
)
TOTAL_COLUMNS = ("team_id", "week_key", "season", "track", "total", "reached_at")


def _add_totals(dialect_insert: Any) -> Any:
    return dialect_insert.on_conflict_do_update(
        index_elements=["team_id", "week_key"],
        set_={
            "total": team_week_points.c.total + dialect_insert.excluded.total,
            "reached_at": dialect_insert.excluded.reached_at,
        },
    )


async def append_entries(conn: AsyncConnection, entries: Sequence[NewEntry]) -> list[int]:
    """Append many entries and move their teams' weekly totals by their sums; returns the
    new ids in the order given. Same constraints as ``append_entry`` (unique reference per
    season and source, one reversal per entry).

    The ids are allocated first and the rows written in one driver-level executemany
    (``storage.bulk``): a weekly results run appends 10,000 entries, and SQLAlchemy's
    per-row work was most of its time."""
    if not entries:
        return []
    ids = await allocate_ids(conn, points_ledger, len(entries))
    await execute_many(
        conn,
        key="points_ledger.insert",
        build=lambda: insert(points_ledger),
        names=LEDGER_COLUMNS,
        rows=[
            (
                entry_id,
                e.season,
                e.team_id,
                e.user_id,
                e.amount,
                e.reason,
                e.source,
                e.reference,
                e.reverses_id,
                e.week_key,
                e.actor_id,
                e.at,
            )
            for entry_id, e in zip(ids, entries, strict=True)
        ],
    )
    totals: dict[tuple[int, str], list[Any]] = {}
    for e in entries:
        row = totals.get((e.team_id, e.week_key))
        if row is None:
            totals[(e.team_id, e.week_key)] = [
                e.team_id,
                e.week_key,
                e.season,
                e.track,
                e.amount,
                e.at,
            ]
        else:
            row[4] += e.amount
    await execute_many(
        conn,
        key="team_week_points.add",
        build=lambda: _add_totals(upsertable_insert(conn, team_week_points)),
        names=TOTAL_COLUMNS,
        rows=list(totals.values()),
    )
    return ids


@dataclass(frozen=True, slots=True)
class ReversibleEntry:
    """What reversing an entry needs of it, and whether it already has a reversal."""

    id: int
    season: str
    team_id: int
    user_id: int | None
    amount: int
    source: str
    reverses_id: int | None
    week_key: str
    reversed: bool


async def reversible_entries(
    conn: AsyncConnection, entry_ids: Sequence[int]
) -> dict[int, ReversibleEntry]:
    """The entries of ``entry_ids`` that exist, each with whether it was reversed (one
    query per chunk: a weekly re-score reverses thousands at once)."""
    e, r = points_ledger, points_ledger.alias("reversal")
    reversed_ = select(r.c.id).where(r.c.reverses_id == e.c.id).exists()
    found: dict[int, ReversibleEntry] = {}
    for start in range(0, len(entry_ids), CHUNK):
        chunk = list(entry_ids[start : start + CHUNK])
        rows = await conn.execute(
            select(
                e.c.id,
                e.c.season,
                e.c.team_id,
                e.c.user_id,
                e.c.amount,
                e.c.source,
                e.c.reverses_id,
                e.c.week_key,
                reversed_,
            ).where(e.c.id.in_(chunk))
        )
        found.update({int(row[0]): ReversibleEntry(*row) for row in rows})
    return found


async def source_week_totals(
    conn: AsyncConnection, *, team_ids: Sequence[int], week_key: str, source: str
) -> dict[int, int]:
    """Points each team got from ``source`` in ``week_key`` (reversals included)."""
    found: dict[int, int] = {}
    for start in range(0, len(team_ids), CHUNK):
        chunk = list(team_ids[start : start + CHUNK])
        rows = await conn.execute(
            select(points_ledger.c.team_id, func.sum(points_ledger.c.amount))
            .where(
                points_ledger.c.team_id.in_(chunk),
                points_ledger.c.week_key == week_key,
                points_ledger.c.source == source,
            )
            .group_by(points_ledger.c.team_id)
        )
        found.update({int(team_id): int(total or 0) for team_id, total in rows})
    return found


@dataclass(frozen=True, slots=True)
class LockedTeam:
    """What crediting or reversing many teams at once needs of each team."""

    id: int
    season: str
    track: str
    disbanded: bool


async def lock_teams(conn: AsyncConnection, team_ids: Sequence[int]) -> dict[int, LockedTeam]:
    """The teams (what a batch credit checks of them), their rows locked until the
    transaction ends (FOR UPDATE on PostgreSQL), in id order so two transactions locking
    overlapping sets cannot deadlock."""
    ordered = sorted(set(team_ids))
    found: dict[int, LockedTeam] = {}
    columns = (teams.c.id, teams.c.season, teams.c.track, teams.c.disbanded_at.is_not(None))
    if conn.dialect.name == "sqlite" and len(ordered) > CHUNK:
        # No row locks on SQLite (the write transaction excludes every other writer):
        # many teams are read in one statement and picked here, not in chunks of bound
        # ids (a weekly results run credits 10,000 teams).
        wanted = set(ordered)
        for team_id, season, track, disbanded in await conn.execute(select(*columns)):
            if team_id in wanted:
                found[int(team_id)] = LockedTeam(int(team_id), season, track, bool(disbanded))
        return found
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        rows = await conn.execute(
            select(*columns).where(teams.c.id.in_(chunk)).order_by(teams.c.id).with_for_update()
        )
        found.update(
            {
                int(team_id): LockedTeam(int(team_id), str(season), str(track), bool(disbanded))
                for team_id, season, track, disbanded in rows
            }
        )
    return found
