"""Queries on guild_resources: the Discord ids behind the roles and channels the config names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import guild_resources


@dataclass(frozen=True, slots=True)
class ResourceRow:
    kind: str
    key: str
    name: str
    discord_id: int
    created_by_bot: bool


async def all_for_guild(conn: AsyncConnection, guild_id: int) -> list[ResourceRow]:
    """Every recorded role, category and channel of the guild."""
    rows = await conn.execute(
        select(
            guild_resources.c.kind,
            guild_resources.c.key,
            guild_resources.c.name,
            guild_resources.c.discord_id,
            guild_resources.c.created_by_bot,
        )
        .where(guild_resources.c.guild_id == guild_id)
        .order_by(guild_resources.c.kind, guild_resources.c.key)
    )
    return [ResourceRow(**row._mapping) for row in rows]


async def upsert(
    conn: AsyncConnection,
    *,
    guild_id: int,
    kind: str,
    key: str,
    name: str,
    discord_id: int,
    created_by_bot: bool,
    now: dt.datetime,
) -> None:
    """Record (or re-point) the Discord id of one configured resource."""
    stmt = upsertable_insert(conn, guild_resources).values(
        guild_id=guild_id,
        kind=kind,
        key=key,
        name=name,
        discord_id=discord_id,
        created_by_bot=created_by_bot,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[guild_resources.c.guild_id, guild_resources.c.kind, guild_resources.c.key],
        set_={
            "name": stmt.excluded.name,
            "discord_id": stmt.excluded.discord_id,
            "updated_at": stmt.excluded.updated_at,
            # Once the bot created a resource it stays marked as the bot's.
            "created_by_bot": guild_resources.c.created_by_bot | stmt.excluded.created_by_bot,
        },
    )
    await conn.execute(stmt)
