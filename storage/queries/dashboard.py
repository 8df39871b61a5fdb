"""Cheap counts for the dashboard and ``/metrics`` (counts only, no personal data)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import (
    members,
    outbox,
    scheduled_jobs,
    subscribers,
    team_members,
    teams,
    votes,
)


async def totals(conn: AsyncConnection, season: str) -> dict[str, int]:
    """Counts of the season's active teams and their members, every member seen, WhatsApp
    subscribers (opted in), pending scheduled jobs and counted (not voided) votes."""
    queries = {
        "teams": select(func.count())
        .select_from(teams)
        .where(teams.c.season == season, teams.c.disbanded_at.is_(None)),
        "team_members": select(func.count())
        .select_from(team_members)
        .where(team_members.c.season == season),
        "members": select(func.count()).select_from(members),
        "subscribers": select(func.count())
        .select_from(subscribers)
        .where(subscribers.c.opted_out_at.is_(None)),
        "pending_jobs": select(func.count())
        .select_from(scheduled_jobs)
        .where(scheduled_jobs.c.status == "pending"),
        "votes": select(func.count()).select_from(votes).where(votes.c.voided_at.is_(None)),
    }
    return {name: int(await conn.scalar(query) or 0) for name, query in queries.items()}


async def outbox_by_status(conn: AsyncConnection, key_prefix: str | None = None) -> dict[str, int]:
    """Outbox rows per status, all of them or those whose occurrence key starts with
    ``key_prefix`` (``"broadcast:"`` for every broadcast)."""
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    if key_prefix is not None:
        query = query.where(outbox.c.occurrence_key.like(key_prefix + "%"))
    return {str(status): int(count) for status, count in await conn.execute(query)}


async def outbox_ids(conn: AsyncConnection, key_prefix: str) -> list[int]:
    """Ids of the outbox rows whose occurrence key starts with ``key_prefix``, oldest first."""
    rows = await conn.execute(
        select(outbox.c.id)
        .where(outbox.c.occurrence_key.like(key_prefix + "%"))
        .order_by(outbox.c.id)
    )
    return [int(row_id) for (row_id,) in rows]


async def has_teams(conn: AsyncConnection) -> bool:
    """True when any team (of any season) exists."""
    return (await conn.scalar(select(teams.c.id).limit(1))) is not None


async def display_names(conn: AsyncConnection, user_ids: Sequence[int]) -> dict[int, str]:
    """The members table's display name of each of ``user_ids`` that has a row."""
    if not user_ids:
        return {}
    rows = await conn.execute(
        select(members.c.user_id, members.c.display_name).where(
            members.c.user_id.in_(sorted(set(user_ids)))
        )
    )
    return {int(user_id): str(name) for user_id, name in rows}


async def members_named(conn: AsyncConnection, text: str, *, limit: int = 200) -> list[int]:
    """Ids of the members whose display name contains ``text`` (case-insensitive, the
    text taken literally: ``%`` and ``_`` match themselves), at most ``limit``."""
    rows = await conn.execute(
        select(members.c.user_id)
        .where(func.lower(members.c.display_name).contains(text.lower(), autoescape=True))
        .order_by(members.c.user_id)
        .limit(limit)
    )
    return [int(user_id) for (user_id,) in rows]


async def team_names(conn: AsyncConnection, team_ids: Sequence[int]) -> dict[int, str]:
    """The name of each of ``team_ids`` that exists (disbanded teams included)."""
    if not team_ids:
        return {}
    rows = await conn.execute(
        select(teams.c.id, teams.c.name).where(teams.c.id.in_(sorted(set(team_ids))))
    )
    return {int(team_id): str(name) for team_id, name in rows}
