"""The revision of a season's scoring inputs (and of each team's), and each week's last
scoring fingerprint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.bulk import execute_many
from storage.dialect import upsertable_insert
from storage.schema import results_revisions, results_team_revisions, results_week_runs

#: The ``team_id`` recorded for a write that may have changed every team's inputs.
EVERY_TEAM = 0


async def bump(conn: AsyncConnection, season: str, team_ids: Iterable[int] | None) -> int:
    """Move the season's input revision on and record it for ``team_ids``, the teams whose
    inputs the write changes (None: any team's), in the transaction writing the inputs.
    Returns the new revision.

    The revision row is locked until the writing transaction ends (PostgreSQL), so
    revisions are committed in their order."""
    stmt = upsertable_insert(conn, results_revisions).values(season=season, revision=1)
    revision = await conn.scalar(
        stmt.on_conflict_do_update(
            index_elements=["season"],
            set_={"revision": results_revisions.c.revision + 1},
        ).returning(results_revisions.c.revision)
    )
    teams = sorted({EVERY_TEAM} if team_ids is None else set(team_ids))

    def upsert() -> Any:
        insert = upsertable_insert(conn, results_team_revisions)
        return insert.on_conflict_do_update(
            index_elements=["season", "team_id"], set_={"revision": insert.excluded.revision}
        )

    # Driver-level: an import's batch of orders may name thousands of teams.
    await execute_many(
        conn,
        key="results_team_revisions.upsert",
        build=upsert,
        names=("season", "team_id", "revision"),
        rows=[(season, team, revision) for team in teams],
    )
    return int(revision)


async def teams_changed_since(
    conn: AsyncConnection, season: str, revision: int
) -> frozenset[int] | None:
    """The teams whose inputs were written after ``revision`` (None: possibly every team)."""
    t = results_team_revisions
    rows = await conn.execute(
        select(t.c.team_id).where(t.c.season == season, t.c.revision > revision)
    )
    teams = frozenset(int(team) for (team,) in rows)
    return None if EVERY_TEAM in teams else teams


async def current(conn: AsyncConnection, season: str) -> int:
    """The season's input revision (0: never written)."""
    value = await conn.scalar(
        select(results_revisions.c.revision).where(results_revisions.c.season == season)
    )
    return int(value or 0)


async def week_fingerprint(conn: AsyncConnection, *, season: str, week_key: str) -> str | None:
    """What the week's last complete scoring run saw, or None."""
    t = results_week_runs
    value = await conn.scalar(
        select(t.c.fingerprint).where(t.c.season == season, t.c.week_key == week_key)
    )
    return str(value) if value is not None else None


async def save_week_fingerprint(
    conn: AsyncConnection, *, season: str, week_key: str, fingerprint: str, at: dt.datetime
) -> None:
    """Record what a complete scoring run of the week saw."""
    stmt = upsertable_insert(conn, results_week_runs).values(
        season=season, week_key=week_key, fingerprint=fingerprint, scored_at=at
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["season", "week_key"],
            set_={"fingerprint": stmt.excluded.fingerprint, "scored_at": stmt.excluded.scored_at},
        )
    )
