"""Queries on members' cohorts and on cohort import previews."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import cohort_imports, members


@dataclass(frozen=True, slots=True)
class CohortImportRow:
    id: int
    actor_id: int
    file_name: str
    rows: list[Any]
    errors: list[Any]
    created_at: dt.datetime
    applied_at: dt.datetime | None
    applied_by: int | None


async def cohort_of(conn: AsyncConnection, user_id: int) -> str | None:
    """The member's cohort key, or None (unknown member or no cohort yet)."""
    value = await conn.scalar(select(members.c.cohort_key).where(members.c.user_id == user_id))
    return str(value) if value is not None else None


async def cohorts_of(conn: AsyncConnection, user_ids: list[int]) -> dict[int, str | None]:
    """Cohort key per member for the given members that have a row."""
    if not user_ids:
        return {}
    rows = await conn.execute(
        select(members.c.user_id, members.c.cohort_key).where(members.c.user_id.in_(user_ids))
    )
    return {int(user_id): cohort for user_id, cohort in rows}


async def locales_of(conn: AsyncConnection, user_ids: list[int]) -> dict[int, str]:
    """Catalog locale per member for the given members that have a row."""
    if not user_ids:
        return {}
    rows = await conn.execute(
        select(members.c.user_id, members.c.locale).where(members.c.user_id.in_(user_ids))
    )
    return {int(user_id): str(locale) for user_id, locale in rows}


async def assigned(conn: AsyncConnection) -> dict[int, str]:
    """Cohort key of every member who has one (also those who left and may come back)."""
    rows = await conn.execute(
        select(members.c.user_id, members.c.cohort_key).where(members.c.cohort_key.is_not(None))
    )
    return {int(user_id): str(cohort) for user_id, cohort in rows}


async def set_cohort(
    conn: AsyncConnection,
    *,
    user_id: int,
    display_name: str,
    cohort_key: str,
    now: dt.datetime,
) -> None:
    """Set the member's cohort, creating their row when the bot has not seen them yet."""
    stmt = upsertable_insert(conn, members).values(
        user_id=user_id,
        display_name=display_name[:100],
        cohort_key=cohort_key,
        first_seen_at=now,
        last_seen_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[members.c.user_id], set_={"cohort_key": stmt.excluded.cohort_key}
    )
    await conn.execute(stmt)


async def mark_left(conn: AsyncConnection, user_id: int, now: dt.datetime) -> None:
    """Record that the member left the server (their row stays)."""
    await conn.execute(
        update(members).where(members.c.user_id == user_id).values(left_guild_at=now)
    )


async def insert_import(
    conn: AsyncConnection,
    *,
    actor_id: int,
    file_name: str,
    rows: list[Any],
    errors: list[Any],
    now: dt.datetime,
) -> int:
    """Store a checked import file; returns its id."""
    result = await conn.execute(
        insert(cohort_imports)
        .values(
            actor_id=actor_id,
            file_name=file_name[:200],
            rows=rows,
            errors=errors,
            created_at=now,
        )
        .returning(cohort_imports.c.id)
    )
    return int(result.scalar_one())


async def get_import(conn: AsyncConnection, import_id: int) -> CohortImportRow | None:
    """One stored import."""
    row = (
        await conn.execute(select(cohort_imports).where(cohort_imports.c.id == import_id))
    ).first()
    return CohortImportRow(**row._mapping) if row else None


async def mark_import_applied(
    conn: AsyncConnection, import_id: int, *, now: dt.datetime, actor_id: int
) -> bool:
    """Mark the import applied; False when it already was (so it applies once)."""
    result = await conn.execute(
        update(cohort_imports)
        .where(cohort_imports.c.id == import_id, cohort_imports.c.applied_at.is_(None))
        .values(applied_at=now, applied_by=actor_id)
    )
    return bool(result.rowcount)
