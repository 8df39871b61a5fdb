"""Queries of the team finder: cards and their tags, the browse filter, invites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from storage.dialect import upsertable_insert
from storage.queries.teams import DuplicateKey
from storage.schema import lfg_card_tags, lfg_cards, lfg_invites, members, team_members

PENDING = "pending"


@dataclass(frozen=True, slots=True)
class CardRow:
    season: str
    user_id: int
    track: str
    skills: str
    languages: str
    timezone: str
    utc_offset_minutes: int
    looking_for: str
    created_at: dt.datetime
    updated_at: dt.datetime
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    season: str
    team_id: int
    captain_id: int
    user_id: int
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    answered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CardFilter:
    """What ``/lfg browse`` narrows the cards to; None: any."""

    track: str | None = None
    skill: str | None = None
    language: str | None = None
    min_offset: int | None = None
    max_offset: int | None = None


# -- cards -------------------------------------------------------------------------------


async def get_card(conn: AsyncConnection, season: str, user_id: int) -> CardRow | None:
    """The member's card this season, or None."""
    row = (
        await conn.execute(
            select(lfg_cards).where(lfg_cards.c.season == season, lfg_cards.c.user_id == user_id)
        )
    ).first()
    return CardRow(**row._mapping) if row else None


async def save_card(
    conn: AsyncConnection,
    *,
    season: str,
    user_id: int,
    values: dict[str, object],
    tags: list[tuple[str, str]],
    now: dt.datetime,
) -> bool:
    """Insert or replace the member's card and its tags (an upsert, so two saves at once
    both succeed, the later winning); True when there was no card before."""
    created = await get_card(conn, season, user_id) is None
    stmt = upsertable_insert(conn, lfg_cards).values(
        season=season, user_id=user_id, created_at=now, updated_at=now, **values
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[lfg_cards.c.season, lfg_cards.c.user_id],
            set_={**values, "updated_at": now},
        )
    )
    await conn.execute(
        delete(lfg_card_tags).where(
            lfg_card_tags.c.season == season, lfg_card_tags.c.user_id == user_id
        )
    )
    if tags:
        await conn.execute(
            upsertable_insert(conn, lfg_card_tags).on_conflict_do_nothing(),
            [{"season": season, "user_id": user_id, "kind": k, "tag": t} for k, t in tags],
        )
    return created


async def delete_card(conn: AsyncConnection, season: str, user_id: int) -> bool:
    """Remove the member's card and tags; True when there was one."""
    await conn.execute(
        delete(lfg_card_tags).where(
            lfg_card_tags.c.season == season, lfg_card_tags.c.user_id == user_id
        )
    )
    result = await conn.execute(
        delete(lfg_cards).where(lfg_cards.c.season == season, lfg_cards.c.user_id == user_id)
    )
    return result.rowcount > 0


def _filtered(stmt: Select[Any], season: str, wanted: CardFilter) -> Select[Any]:
    in_team = exists().where(
        team_members.c.season == season, team_members.c.user_id == lfg_cards.c.user_id
    )
    left = members.alias("left_members")
    gone = exists().where(left.c.user_id == lfg_cards.c.user_id, left.c.left_guild_at.is_not(None))
    stmt = stmt.where(lfg_cards.c.season == season, ~in_team, ~gone)
    if wanted.track is not None:
        stmt = stmt.where(lfg_cards.c.track == wanted.track)
    for kind, tag in (("skill", wanted.skill), ("language", wanted.language)):
        if tag is not None:
            stmt = stmt.where(
                exists().where(
                    lfg_card_tags.c.season == season,
                    lfg_card_tags.c.user_id == lfg_cards.c.user_id,
                    lfg_card_tags.c.kind == kind,
                    lfg_card_tags.c.tag == tag,
                )
            )
    if wanted.min_offset is not None and wanted.max_offset is not None:
        stmt = stmt.where(
            lfg_cards.c.utc_offset_minutes.between(wanted.min_offset, wanted.max_offset)
        )
    return stmt


async def browse(
    conn: AsyncConnection, season: str, wanted: CardFilter, *, limit: int, offset: int
) -> tuple[list[CardRow], int]:
    """One page of the cards matching ``wanted`` (newest first; never of owners in a team
    or gone from the server), with the display names the bot knows, and how many match."""
    total = (
        await conn.execute(_filtered(select(func.count()).select_from(lfg_cards), season, wanted))
    ).scalar_one()
    stmt = _filtered(
        select(lfg_cards, members.c.display_name).outerjoin(
            members, members.c.user_id == lfg_cards.c.user_id
        ),
        season,
        wanted,
    )
    rows = await conn.execute(
        stmt.order_by(lfg_cards.c.updated_at.desc(), lfg_cards.c.user_id)
        .limit(limit)
        .offset(offset)
    )
    return [CardRow(**row._mapping) for row in rows], int(total)


async def tags(conn: AsyncConnection, season: str, kind: str, prefix: str, limit: int) -> list[str]:
    """The distinct tags of ``kind`` on the season's cards starting with ``prefix``, most
    used first."""
    count = func.count().label("n")
    rows = await conn.execute(
        select(lfg_card_tags.c.tag, count)
        .where(
            lfg_card_tags.c.season == season,
            lfg_card_tags.c.kind == kind,
            lfg_card_tags.c.tag.startswith(prefix, autoescape=True),
        )
        .group_by(lfg_card_tags.c.tag)
        .order_by(count.desc(), lfg_card_tags.c.tag)
        .limit(limit)
    )
    return [row.tag for row in rows]


async def timezones(conn: AsyncConnection, season: str) -> list[tuple[str, int]]:
    """The distinct (timezone, offset) pairs of the season's cards, most used first."""
    count = func.count().label("n")
    rows = await conn.execute(
        select(lfg_cards.c.timezone, lfg_cards.c.utc_offset_minutes, count)
        .where(lfg_cards.c.season == season)
        .group_by(lfg_cards.c.timezone, lfg_cards.c.utc_offset_minutes)
        .order_by(count.desc(), lfg_cards.c.timezone)
        .limit(200)
    )
    return [(row.timezone, row.utc_offset_minutes) for row in rows]


# -- invites -----------------------------------------------------------------------------


async def get_invite(conn: AsyncConnection, invite_id: int) -> InviteRow | None:
    """One invite by id."""
    row = (await conn.execute(select(lfg_invites).where(lfg_invites.c.id == invite_id))).first()
    return InviteRow(**row._mapping) if row else None


async def expire_invites(conn: AsyncConnection, now: dt.datetime) -> int:
    """Mark every pending invite past its expiry as expired; how many."""
    result = await conn.execute(
        update(lfg_invites)
        .where(lfg_invites.c.status == PENDING, lfg_invites.c.expires_at <= now)
        .values(status="expired", answered_at=lfg_invites.c.expires_at)
    )
    return result.rowcount


async def pending_invite(conn: AsyncConnection, team_id: int, user_id: int) -> InviteRow | None:
    """The team's pending invite of the member, if any."""
    row = (
        await conn.execute(
            select(lfg_invites).where(
                lfg_invites.c.team_id == team_id,
                lfg_invites.c.user_id == user_id,
                lfg_invites.c.status == PENDING,
            )
        )
    ).first()
    return InviteRow(**row._mapping) if row else None


async def pending_count(conn: AsyncConnection, team_id: int) -> int:
    """How many invites the team has waiting for an answer."""
    return int(
        (
            await conn.execute(
                select(func.count()).where(
                    lfg_invites.c.team_id == team_id, lfg_invites.c.status == PENDING
                )
            )
        ).scalar_one()
    )


async def pending_for(
    conn: AsyncConnection, season: str, user_id: int, now: dt.datetime
) -> list[InviteRow]:
    """The member's invites waiting for an answer and not expired at ``now``, oldest first."""
    rows = await conn.execute(
        select(lfg_invites)
        .where(
            lfg_invites.c.season == season,
            lfg_invites.c.user_id == user_id,
            lfg_invites.c.status == PENDING,
            lfg_invites.c.expires_at > now,
        )
        .order_by(lfg_invites.c.id)
    )
    return [InviteRow(**row._mapping) for row in rows]


async def insert_invite(
    conn: AsyncConnection,
    *,
    season: str,
    team_id: int,
    captain_id: int,
    user_id: int,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> int:
    """A new pending invite; raises DuplicateKey when the team has one for the member."""
    try:
        result = await conn.execute(
            insert(lfg_invites)
            .values(
                season=season,
                team_id=team_id,
                captain_id=captain_id,
                user_id=user_id,
                status=PENDING,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(lfg_invites.c.id)
        )
        return int(result.scalar_one())
    except IntegrityError as exc:
        raise DuplicateKey(str(exc.orig)) from exc


async def answer_invite(
    conn: AsyncConnection, invite_id: int, status: str, now: dt.datetime
) -> bool:
    """Move a pending invite to ``status``; False when it was no longer pending."""
    result = await conn.execute(
        update(lfg_invites)
        .where(lfg_invites.c.id == invite_id, lfg_invites.c.status == PENDING)
        .values(status=status, answered_at=now)
    )
    return result.rowcount > 0


async def void_pending_for(
    conn: AsyncConnection, season: str, user_id: int, now: dt.datetime
) -> int:
    """Void the member's pending invites (they joined a team); how many."""
    result = await conn.execute(
        update(lfg_invites)
        .where(
            lfg_invites.c.season == season,
            lfg_invites.c.user_id == user_id,
            lfg_invites.c.status == PENDING,
        )
        .values(status="void", answered_at=now)
    )
    return result.rowcount
