"""Queries on the members table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import members


@dataclass(frozen=True, slots=True)
class MemberRow:
    user_id: int
    display_name: str
    locale: str
    cohort_key: str | None
    account_created_at: dt.datetime | None
    joined_guild_at: dt.datetime | None
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    left_guild_at: dt.datetime | None


async def upsert_seen(
    conn: AsyncConnection,
    *,
    user_id: int,
    display_name: str,
    locale: str,
    account_created_at: dt.datetime | None,
    joined_guild_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Insert the member or refresh their name, locale, join time and last-seen time."""
    stmt = upsertable_insert(conn, members).values(
        user_id=user_id,
        display_name=display_name,
        locale=locale,
        account_created_at=account_created_at,
        joined_guild_at=joined_guild_at,
        first_seen_at=now,
        last_seen_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[members.c.user_id],
        set_={
            "display_name": stmt.excluded.display_name,
            "locale": stmt.excluded.locale,
            "joined_guild_at": stmt.excluded.joined_guild_at,
            "account_created_at": stmt.excluded.account_created_at,
            "last_seen_at": stmt.excluded.last_seen_at,
            "left_guild_at": None,
        },
    )
    await conn.execute(stmt)


async def get(conn: AsyncConnection, user_id: int) -> MemberRow | None:
    """The member's row, or None if the bot has never seen them."""
    row = (await conn.execute(select(members).where(members.c.user_id == user_id))).first()
    return MemberRow(**row._mapping) if row else None
