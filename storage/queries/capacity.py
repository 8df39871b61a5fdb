"""Queries on capacity: team places and waitlist entries, offers, the per-track lock row,
and the WhatsApp audience of one team."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import (
    capacity_entries,
    capacity_offers,
    capacity_tracks,
    subscribers,
    team_members,
    teams,
)

PLACED, WAITLISTED, OFFERED, RELEASED = "placed", "waitlisted", "offered", "released"
OPEN, ACCEPTED, DECLINED, LAPSED, VOID = "open", "accepted", "declined", "lapsed", "void"


@dataclass(frozen=True, slots=True)
class EntryRow:
    team_id: int
    season: str
    track: str
    status: str
    queued_at: dt.datetime
    placed_at: dt.datetime | None
    checked_in_at: dt.datetime | None
    checked_in_by: int | None
    released_at: dt.datetime | None
    release_reason: str | None


@dataclass(frozen=True, slots=True)
class OfferRow:
    id: int
    team_id: int
    season: str
    track: str
    status: str
    offered_at: dt.datetime
    expires_at: dt.datetime
    answered_at: dt.datetime | None
    answered_by: int | None


def _entry(mapping: Any) -> EntryRow:
    return EntryRow(**mapping)


def _offer(mapping: Any) -> OfferRow:
    return OfferRow(**mapping)


async def lock_track(conn: AsyncConnection, season: str, track: str) -> dt.datetime | None:
    """Lock the track's row until the transaction ends (created when missing); returns when
    its check-in closed, or None."""
    await conn.execute(
        upsertable_insert(conn, capacity_tracks)
        .values(season=season, track=track)
        .on_conflict_do_nothing(index_elements=["season", "track"])
    )
    return await conn.scalar(
        select(capacity_tracks.c.checkin_closed_at)
        .where(capacity_tracks.c.season == season, capacity_tracks.c.track == track)
        .with_for_update()
    )


async def mark_checkin_closed(
    conn: AsyncConnection, season: str, track: str, now: dt.datetime
) -> None:
    """Record that the track's check-in close ran."""
    await conn.execute(
        update(capacity_tracks)
        .where(capacity_tracks.c.season == season, capacity_tracks.c.track == track)
        .values(checkin_closed_at=now)
    )


async def get_entry(conn: AsyncConnection, team_id: int) -> EntryRow | None:
    """The team's entry, or None when it has none yet."""
    row = (
        await conn.execute(select(capacity_entries).where(capacity_entries.c.team_id == team_id))
    ).first()
    return _entry(row._mapping) if row else None


async def insert_entry(
    conn: AsyncConnection,
    *,
    team_id: int,
    season: str,
    track: str,
    status: str,
    now: dt.datetime,
    placed: bool,
    checked_in: bool = False,
) -> None:
    """Give the team its entry (placed or waitlisted, queued now)."""
    await conn.execute(
        insert(capacity_entries).values(
            team_id=team_id,
            season=season,
            track=track,
            status=status,
            queued_at=now,
            placed_at=now if placed else None,
            checked_in_at=now if checked_in else None,
        )
    )


async def set_entry(conn: AsyncConnection, team_id: int, **values: Any) -> None:
    """Change columns of one entry."""
    await conn.execute(
        update(capacity_entries).where(capacity_entries.c.team_id == team_id).values(**values)
    )


async def entries(
    conn: AsyncConnection,
    season: str,
    track: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[EntryRow]:
    """The season's entries (of one track, of one status), in waitlist order (the first
    ``limit`` of them)."""
    stmt = select(capacity_entries).where(capacity_entries.c.season == season)
    if track is not None:
        stmt = stmt.where(capacity_entries.c.track == track)
    if status is not None:
        stmt = stmt.where(capacity_entries.c.status == status)
    stmt = stmt.order_by(capacity_entries.c.queued_at, capacity_entries.c.team_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_entry(r._mapping) for r in await conn.execute(stmt)]


async def stale_entries(conn: AsyncConnection, season: str, track: str) -> list[int]:
    """Teams whose entry still counts (placed, waitlisted, offered) although the team was
    disbanded (its disband committed before the capacity change that follows it)."""
    rows = await conn.execute(
        select(capacity_entries.c.team_id)
        .join(teams, teams.c.id == capacity_entries.c.team_id)
        .where(
            capacity_entries.c.season == season,
            capacity_entries.c.track == track,
            capacity_entries.c.status != RELEASED,
            teams.c.disbanded_at.is_not(None),
        )
    )
    return [int(team_id) for (team_id,) in rows]


async def teams_without_entry(conn: AsyncConnection, season: str) -> list[tuple[int, str]]:
    """(id, track) of the season's active teams that have no entry, oldest first."""
    rows = await conn.execute(
        select(teams.c.id, teams.c.track)
        .outerjoin(capacity_entries, capacity_entries.c.team_id == teams.c.id)
        .where(
            teams.c.season == season,
            teams.c.disbanded_at.is_(None),
            capacity_entries.c.team_id.is_(None),
        )
        .order_by(teams.c.created_at, teams.c.id)
    )
    return [(int(r.id), str(r.track)) for r in rows]


async def counts(conn: AsyncConnection, season: str, track: str) -> dict[str, int]:
    """Entries per status in the track."""
    rows = await conn.execute(
        select(capacity_entries.c.status, func.count())
        .where(capacity_entries.c.season == season, capacity_entries.c.track == track)
        .group_by(capacity_entries.c.status)
    )
    return {str(status): int(count) for status, count in rows}


async def checked_in_count(conn: AsyncConnection, season: str, track: str) -> int:
    """Placed teams of the track that checked in."""
    count = await conn.scalar(
        select(func.count())
        .select_from(capacity_entries)
        .where(
            capacity_entries.c.season == season,
            capacity_entries.c.track == track,
            capacity_entries.c.status == PLACED,
            capacity_entries.c.checked_in_at.is_not(None),
        )
    )
    return int(count or 0)


async def waitlist_position(conn: AsyncConnection, entry: EntryRow) -> int:
    """1-based position of a waitlisted entry in its track's line."""
    ahead = await conn.scalar(
        select(func.count())
        .select_from(capacity_entries)
        .where(
            capacity_entries.c.season == entry.season,
            capacity_entries.c.track == entry.track,
            capacity_entries.c.status == WAITLISTED,
            (capacity_entries.c.queued_at < entry.queued_at)
            | and_(
                capacity_entries.c.queued_at == entry.queued_at,
                capacity_entries.c.team_id < entry.team_id,
            ),
        )
    )
    return int(ahead or 0) + 1


async def insert_offer(
    conn: AsyncConnection,
    *,
    team_id: int,
    season: str,
    track: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> int:
    """Open an offer for the team; returns its id."""
    result = await conn.execute(
        insert(capacity_offers)
        .values(
            team_id=team_id,
            season=season,
            track=track,
            status=OPEN,
            offered_at=now,
            expires_at=expires_at,
        )
        .returning(capacity_offers.c.id)
    )
    return int(result.scalar_one())


async def get_offer(conn: AsyncConnection, offer_id: int) -> OfferRow | None:
    """One offer by id."""
    row = (
        await conn.execute(select(capacity_offers).where(capacity_offers.c.id == offer_id))
    ).first()
    return _offer(row._mapping) if row else None


async def open_offer_of(conn: AsyncConnection, team_id: int) -> OfferRow | None:
    """The team's open offer, or None."""
    row = (
        await conn.execute(
            select(capacity_offers).where(
                capacity_offers.c.team_id == team_id, capacity_offers.c.status == OPEN
            )
        )
    ).first()
    return _offer(row._mapping) if row else None


async def open_offers(conn: AsyncConnection, season: str) -> list[OfferRow]:
    """The season's open offers, oldest first."""
    rows = await conn.execute(
        select(capacity_offers)
        .where(capacity_offers.c.season == season, capacity_offers.c.status == OPEN)
        .order_by(capacity_offers.c.offered_at, capacity_offers.c.id)
    )
    return [_offer(r._mapping) for r in rows]


async def close_offer(
    conn: AsyncConnection,
    offer_id: int,
    *,
    status: str,
    now: dt.datetime,
    by: int | None = None,
) -> bool:
    """Move an open offer to ``status``; False when it was not open any more (another
    answer or the lapse job got there first)."""
    result = await conn.execute(
        update(capacity_offers)
        .where(capacity_offers.c.id == offer_id, capacity_offers.c.status == OPEN)
        .values(status=status, answered_at=now, answered_by=by)
    )
    return bool(result.rowcount)


def team_subscribers(team_id: int, season: str) -> Select[tuple[int, str]]:
    """SELECT (subscriber id, language) of the team's members' WhatsApp numbers that may be
    messaged (not opted out, still linked)."""
    return (
        select(subscribers.c.id, subscribers.c.language)
        .join(
            team_members,
            and_(
                team_members.c.user_id == subscribers.c.user_id,
                team_members.c.season == season,
            ),
        )
        .where(
            team_members.c.team_id == team_id,
            subscribers.c.opted_out_at.is_(None),
            subscribers.c.user_id.is_not(None),
        )
    )
