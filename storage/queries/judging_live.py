"""Queries on the live final of a judging round (``judging_live``) and its running order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import judging_entries, judging_live


@dataclass(frozen=True, slots=True)
class LiveRow:
    round_id: int
    qa_session_id: int
    position: int | None
    finished_at: dt.datetime | None
    updated_at: dt.datetime


async def get(conn: AsyncConnection, round_id: int) -> LiveRow | None:
    """The live final of a round, or None."""
    row = (
        await conn.execute(select(judging_live).where(judging_live.c.round_id == round_id))
    ).first()
    return LiveRow(**row._mapping) if row is not None else None


async def attach(conn: AsyncConnection, round_id: int, qa_session_id: int, at: dt.datetime) -> None:
    """Tie the round to a Q&A session (again: the session changes, the position stays)."""
    stmt = upsertable_insert(conn, judging_live).values(
        round_id=round_id, qa_session_id=qa_session_id, position=None, updated_at=at
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["round_id"], set_={"qa_session_id": qa_session_id, "updated_at": at}
        )
    )


async def move(
    conn: AsyncConnection,
    round_id: int,
    *,
    expected: int | None,
    position: int | None,
    finished_at: dt.datetime | None,
    at: dt.datetime,
) -> bool:
    """Set the position on stage if it still is ``expected`` (two organizers pressing
    "next" together move once); False when it had moved already."""
    current = (
        judging_live.c.position.is_(None)
        if expected is None
        else judging_live.c.position == expected
    )
    result = await conn.execute(
        update(judging_live)
        .where(judging_live.c.round_id == round_id, current, judging_live.c.finished_at.is_(None))
        .values(position=position, finished_at=finished_at, updated_at=at)
    )
    return result.rowcount == 1


async def running_order(conn: AsyncConnection, round_id: int) -> list[int]:
    """The round's entries (submission ids) in their order."""
    rows = await conn.execute(
        select(judging_entries.c.submission_id)
        .where(judging_entries.c.round_id == round_id)
        .order_by(judging_entries.c.position, judging_entries.c.submission_id)
    )
    return [int(entry_id) for (entry_id,) in rows]
