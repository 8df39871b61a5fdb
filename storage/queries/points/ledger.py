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


# -- many at once (automatic credits of a whole track, their reversals) -------------------
#: The columns of ``EntryRow`` and ``TeamRow`` in their fields' order (rows built by
#: position: a whole track's rows at once).
ENTRY_COLUMNS = tuple(points_ledger.c[name] for name in EntryRow.__dataclass_fields__)
TEAM_COLUMNS = tuple(teams.c[name] for name in TeamRow.__dataclass_fields__)


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


async def append_entries(conn: AsyncConnection, entries: Sequence[NewEntry]) -> list[int]:
    """Append many entries (a statement per chunk, not per entry) and move their teams'
    weekly totals by their sums; returns the new ids in the order given. Same constraints
    as ``append_entry`` (unique reference per season and source, one reversal per entry)."""
    ids: list[int] = []
    for start in range(0, len(entries), CHUNK):
        ids += await _insert_chunk(conn, entries[start : start + CHUNK])
    totals: dict[tuple[int, str], dict[str, object]] = {}
    for e in entries:
        key = (e.team_id, e.week_key)
        row = totals.setdefault(
            key,
            {
                "team_id": e.team_id,
                "week_key": e.week_key,
                "season": e.season,
                "track": e.track,
                "total": 0,
                "reached_at": e.at,
            },
        )
        row["total"] = int(str(row["total"])) + e.amount
    if totals:
        stmt = upsertable_insert(conn, team_week_points)
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["team_id", "week_key"],
                set_={
                    "total": team_week_points.c.total + stmt.excluded.total,
                    "reached_at": stmt.excluded.reached_at,
                },
            ),
            list(totals.values()),
        )
    return ids


def _entry_key(e: NewEntry) -> tuple[str, str, object] | None:
    # What identifies an entry among the rows just inserted: its reference (unique per
    # season and source) or the entry it reverses (one reversal per entry).
    if e.reference is not None:
        return (e.season, e.source, e.reference)
    if e.reverses_id is not None:
        return ("", "reverses", e.reverses_id)
    return None


async def _insert_chunk(conn: AsyncConnection, chunk: Sequence[NewEntry]) -> list[int]:
    """Insert one chunk of entries and return their ids in the order given.

    Asking for the ids "in parameter order" makes SQLAlchemy insert one row per statement
    on SQLite (it has no sentinel to order a batched RETURNING by): 10,000 weekly results
    credits were 10,000 round trips. When every entry carries a unique key (a reference
    or the entry it reverses: every automatic credit and reversal), the batch returns the
    keys with the ids and they are matched up, whatever order RETURNING yields."""
    params = [
        {
            "season": e.season,
            "team_id": e.team_id,
            "user_id": e.user_id,
            "amount": e.amount,
            "reason": e.reason,
            "source": e.source,
            "reference": e.reference,
            "reverses_id": e.reverses_id,
            "week_key": e.week_key,
            "actor_id": e.actor_id,
            "at": e.at,
        }
        for e in chunk
    ]
    keys = [_entry_key(e) for e in chunk]
    if None in keys or len(set(keys)) != len(keys):
        result = await conn.execute(
            insert(points_ledger).returning(points_ledger.c.id, sort_by_parameter_order=True),
            params,
        )
        return [int(entry_id) for entry_id in result.scalars()]
    t = points_ledger
    result = await conn.execute(
        insert(t).returning(t.c.id, t.c.season, t.c.source, t.c.reference, t.c.reverses_id),
        params,
    )
    found: dict[object, int] = {}
    for entry_id, season, source, reference, reverses_id in result:
        if reference is not None:
            found[(season, source, reference)] = int(entry_id)
        else:
            found[("", "reverses", reverses_id)] = int(entry_id)
    return [found[key] for key in keys]


async def entries_by_id(conn: AsyncConnection, entry_ids: Sequence[int]) -> dict[int, EntryRow]:
    """Entries by id (chunked)."""
    found: dict[int, EntryRow] = {}
    for start in range(0, len(entry_ids), CHUNK):
        chunk = list(entry_ids[start : start + CHUNK])
        rows = await conn.execute(select(*ENTRY_COLUMNS).where(points_ledger.c.id.in_(chunk)))
        # Positional: building a mapping per row cost more than the query (5,000 rows).
        found.update({int(row[0]): EntryRow(*row) for row in rows})
    return found


async def reversed_ids(conn: AsyncConnection, entry_ids: Sequence[int]) -> set[int]:
    """Which of ``entry_ids`` already have a reversal."""
    found: set[int] = set()
    for start in range(0, len(entry_ids), CHUNK):
        chunk = list(entry_ids[start : start + CHUNK])
        rows = await conn.execute(
            select(points_ledger.c.reverses_id).where(points_ledger.c.reverses_id.in_(chunk))
        )
        found.update(int(entry_id) for (entry_id,) in rows)
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


async def lock_teams(conn: AsyncConnection, team_ids: Sequence[int]) -> dict[int, TeamRow]:
    """The teams, their rows locked until the transaction ends (FOR UPDATE on PostgreSQL),
    in id order so two transactions locking overlapping sets cannot deadlock."""
    ordered = sorted(set(team_ids))
    found: dict[int, TeamRow] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        rows = await conn.execute(
            select(*TEAM_COLUMNS)
            .where(teams.c.id.in_(chunk))
            .order_by(teams.c.id)
            .with_for_update()
        )
        found.update({int(row[0]): TeamRow(*row) for row in rows})
    return found
