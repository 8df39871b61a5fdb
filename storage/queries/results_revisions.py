"""The revision of a season's scoring inputs and each week's last scoring fingerprint."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import results_revisions, results_week_runs


async def bump(conn: AsyncConnection, season: str) -> None:
    """Move the season's input revision on (in the transaction writing the inputs)."""
    stmt = upsertable_insert(conn, results_revisions).values(season=season, revision=1)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["season"],
            set_={"revision": results_revisions.c.revision + 1},
        )
    )


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
