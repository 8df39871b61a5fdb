"""Queries of the privacy tools: a member's rows in any table, their erasure, and the
streamed CSV export of a whole competition.

These functions take table and column names and execute what they are told; which tables
hold member data and what erasure does with each column is decided by
``bot.services.privacy``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Text,
    and_,
    cast,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from storage.schema import (
    discord_posts,
    metadata,
    outbox,
    points_ledger,
    submissions,
    subscribers,
    team_members,
    teams,
    votes,
)
from storage.schema import members as members_table

Row = dict[str, Any]


def table_names() -> list[str]:
    """Every table of the schema, in dependency order (parents first)."""
    return [table.name for table in metadata.sorted_tables]


def text_columns(table_name: str) -> list[str]:
    """The columns of ``table_name`` that hold text or JSON (what a leak scan reads)."""
    table = metadata.tables[table_name]
    return [c.name for c in table.columns if isinstance(c.type, String | Text | JSON)]


def _match(
    table_name: str, equals: Mapping[str, Iterable[Any]], contains: Mapping[str, str]
) -> ColumnElement[bool]:
    table = metadata.tables[table_name]
    conditions: list[ColumnElement[bool]] = []
    for column, values in equals.items():
        wanted = list(values)
        if wanted:
            conditions.append(table.c[column].in_(wanted))
    for column, fragment in contains.items():
        conditions.append(cast(table.c[column], Text).contains(fragment, autoescape=True))
    return or_(*conditions) if conditions else false()


async def find_rows(
    conn: AsyncConnection,
    table_name: str,
    *,
    equals: Mapping[str, Iterable[Any]] | None = None,
    contains: Mapping[str, str] | None = None,
) -> list[Row]:
    """Rows of ``table_name`` where any ``equals`` column holds one of its values or any
    ``contains`` column (text or JSON, read as text) contains its fragment; primary-key
    order. No condition: no rows."""
    table = metadata.tables[table_name]
    stmt = select(table).where(_match(table_name, equals or {}, contains or {}))
    stmt = stmt.order_by(*table.primary_key.columns)
    return [dict(row._mapping) for row in await conn.execute(stmt)]


async def delete_rows(
    conn: AsyncConnection, table_name: str, column: str, values: Iterable[Any]
) -> int:
    """Delete the rows whose ``column`` is one of ``values``; returns how many."""
    wanted = list(values)
    if not wanted:
        return 0
    table = metadata.tables[table_name]
    result = await conn.execute(delete(table).where(table.c[column].in_(wanted)))
    return result.rowcount or 0


async def replace_value(
    conn: AsyncConnection, table_name: str, column: str, old: Any, new: Any
) -> int:
    """Set ``column`` to ``new`` where it equals ``old``; returns how many rows changed."""
    table = metadata.tables[table_name]
    result = await conn.execute(update(table).where(table.c[column] == old).values({column: new}))
    return result.rowcount or 0


async def update_row(
    conn: AsyncConnection, table_name: str, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """Update the one row whose primary key is ``key``."""
    table = metadata.tables[table_name]
    where = and_(*(table.c[name] == value for name, value in key.items()))
    await conn.execute(update(table).where(where).values(dict(values)))


def primary_key(table_name: str) -> list[str]:
    """The primary-key column names of ``table_name``."""
    return [c.name for c in metadata.tables[table_name].primary_key.columns]


async def member_team_rows(conn: AsyncConnection, user_id: int) -> list[Row]:
    """The member's team memberships with the team's name, track and captain."""
    stmt = (
        select(
            team_members.c.team_id,
            team_members.c.season,
            team_members.c.joined_at,
            teams.c.name.label("team_name"),
            teams.c.track,
            teams.c.captain_id,
            teams.c.disbanded_at,
        )
        .join(teams, teams.c.id == team_members.c.team_id)
        .where(team_members.c.user_id == user_id)
        .order_by(team_members.c.joined_at)
    )
    return [dict(row._mapping) for row in await conn.execute(stmt)]


async def cancel_queued(conn: AsyncConnection, subscriber_ids: Sequence[int], *, now: Any) -> int:
    """Cancel every ``queued`` outbox row of these subscribers (the relay claims only
    ``queued`` rows, so none of them is ever sent); returns how many."""
    if not subscriber_ids:
        return 0
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.subscriber_id.in_(list(subscriber_ids)), outbox.c.status == "queued")
        .values(status="cancelled", status_at=now, updated_at=now)
    )
    return result.rowcount or 0


# -- the whole-competition CSV export (streamed) -------------------------------------------


async def _stream(conn: AsyncConnection, stmt: Select[Any]) -> AsyncIterator[Row]:
    result = await conn.stream(stmt.execution_options(yield_per=500))
    async for row in result:
        yield dict(row._mapping)


def stream_teams(conn: AsyncConnection) -> AsyncIterator[Row]:
    """Every team with its member count, by id."""
    count = (
        select(func.count())
        .select_from(team_members)
        .where(team_members.c.team_id == teams.c.id)
        .scalar_subquery()
    )
    stmt = select(
        teams.c.id,
        teams.c.season,
        teams.c.name,
        teams.c.track,
        teams.c.captain_id,
        count.label("members"),
        teams.c.created_at,
        teams.c.disbanded_at,
    ).order_by(teams.c.id)
    return _stream(conn, stmt)


def stream_members(conn: AsyncConnection, season: str) -> AsyncIterator[Row]:
    """Every member with their ``season`` team and WhatsApp number (if any), by user id."""
    membership = (
        select(team_members.c.user_id, team_members.c.team_id)
        .where(team_members.c.season == season)
        .subquery()
    )
    stmt = (
        select(
            members_table.c.user_id,
            members_table.c.display_name,
            members_table.c.locale,
            members_table.c.cohort_key,
            membership.c.team_id,
            subscribers.c.phone_e164,
            subscribers.c.opted_out_at,
            members_table.c.first_seen_at,
            members_table.c.last_seen_at,
            members_table.c.left_guild_at,
        )
        .outerjoin(membership, membership.c.user_id == members_table.c.user_id)
        .outerjoin(subscribers, subscribers.c.user_id == members_table.c.user_id)
        .order_by(members_table.c.user_id)
    )
    return _stream(conn, stmt)


def stream_ledger(conn: AsyncConnection) -> AsyncIterator[Row]:
    """Every ledger entry, by id."""
    return _stream(conn, select(points_ledger).order_by(points_ledger.c.id))


def stream_votes(conn: AsyncConnection) -> AsyncIterator[Row]:
    """Every vote (voided ones too), by id."""
    stmt = select(
        votes.c.id,
        votes.c.contest_id,
        votes.c.submission_id,
        votes.c.voter_id,
        votes.c.created_at,
        votes.c.voided_at,
        votes.c.voided_by,
        votes.c.void_reason,
    ).order_by(votes.c.id)
    return _stream(conn, stmt)


def stream_submissions(conn: AsyncConnection) -> AsyncIterator[Row]:
    """Every submission (withdrawn ones too), by id."""
    stmt = select(
        submissions.c.id,
        submissions.c.contest_id,
        submissions.c.team_id,
        submissions.c.user_id,
        submissions.c.title,
        submissions.c.url,
        submissions.c.attachment_name,
        submissions.c.created_at,
        submissions.c.updated_at,
        submissions.c.withdrawn_at,
    ).order_by(submissions.c.id)
    return _stream(conn, stmt)


#: Journal keys of the posts the export lists: a broadcast occurrence in a channel, a Q&A
#: notice in a channel or a DM (``bot.services.posts.target_key``).
_JOURNAL_KEY = re.compile(r"(?P<occurrence>.+):(?P<recipient>(?:channel|dm):-?\d+)")
_JOURNAL_PARTS = (("discord", "broadcast:", "broadcast"), ("qa", "qa:", "qa_notice"))


async def stream_deliveries(conn: AsyncConnection) -> AsyncIterator[Row]:
    """WhatsApp outbox rows, Discord broadcast posts and Q&A notices, in that order, each
    by id: channel, occurrence key, recipient, kind, status, error, time."""
    whatsapp = select(
        literal("whatsapp").label("channel"),
        outbox.c.id,
        outbox.c.occurrence_key,
        subscribers.c.phone_e164.label("recipient"),
        outbox.c.kind,
        outbox.c.status,
        cast(outbox.c.error_code, String).label("error"),
        outbox.c.updated_at.label("at"),
    ).join(subscribers, subscribers.c.id == outbox.c.subscriber_id)
    async for row in _stream(conn, whatsapp.order_by(outbox.c.id)):
        yield row
    for channel, prefix, kind in _JOURNAL_PARTS:
        stmt = (
            select(
                discord_posts.c.id,
                discord_posts.c.key,
                discord_posts.c.status,
                discord_posts.c.error,
                func.coalesce(discord_posts.c.finished_at, discord_posts.c.claimed_at).label("at"),
            )
            .where(discord_posts.c.key.startswith(prefix, autoescape=True))
            .order_by(discord_posts.c.id)
        )
        async for post in _stream(conn, stmt):
            match = _JOURNAL_KEY.fullmatch(post["key"])
            if match is None:
                continue
            yield {
                "channel": channel,
                "id": post["id"],
                "occurrence_key": match["occurrence"],
                "recipient": match["recipient"],
                "kind": kind,
                # A claim not finished yet reads as before the journals merged: pending.
                "status": "pending" if post["status"] == "claimed" else post["status"],
                "error": post["error"],
                "at": post["at"],
            }
