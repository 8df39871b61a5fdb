"""Queries for team progress: stages, their history, stuck alerts, counted store orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries.results.orders import CANCELLED_STATUSES, COUNTED_REVIEWS
from storage.schema import (
    members,
    progress_alerts,
    progress_events,
    store_orders,
    team_progress,
    teams,
)


@dataclass(frozen=True, slots=True)
class TeamStageRow:
    """An active team with its stage row (``stage``/``since`` None: no row yet) and its
    cohort (its captain's; None when the captain has none)."""

    team_id: int
    name: str
    track: str
    cohort: str | None
    created_at: dt.datetime
    stage: str | None
    since: dt.datetime | None


@dataclass(frozen=True, slots=True)
class EventRow:
    """A progress_events row."""

    id: int
    team_id: int
    stage: str
    previous_stage: str | None
    previous_since: dt.datetime | None
    source: str
    evidence_url: str | None
    evidence_file: str | None
    reported_by: int | None
    decided_by: int | None
    created_at: dt.datetime
    undone_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """A progress_alerts row."""

    id: int
    season: str
    stage: str
    week_key: str
    team_ids: list[int]
    active_teams: int
    created_at: dt.datetime
    session_id: int | None


def _alert(row: Any) -> AlertRow:
    return AlertRow(
        id=row.id,
        season=row.season,
        stage=row.stage,
        week_key=row.week_key,
        team_ids=[int(t) for t in row.team_ids],
        active_teams=row.active_teams,
        created_at=row.created_at,
        session_id=row.session_id,
    )


async def team_stages(
    conn: AsyncConnection, season: str, team_ids: Sequence[int] | None = None
) -> list[TeamStageRow]:
    """The season's active teams (or those of ``team_ids``) with their stage, by name."""
    stmt = (
        select(
            teams.c.id,
            teams.c.name,
            teams.c.track,
            teams.c.created_at,
            members.c.cohort_key,
            team_progress.c.stage,
            team_progress.c.since,
        )
        .select_from(teams)
        .outerjoin(team_progress, team_progress.c.team_id == teams.c.id)
        .outerjoin(members, members.c.user_id == teams.c.captain_id)
        .where(teams.c.season == season, teams.c.disbanded_at.is_(None))
        .order_by(teams.c.name, teams.c.id)
    )
    if team_ids is not None:
        stmt = stmt.where(teams.c.id.in_(list(team_ids)))
    rows = await conn.execute(stmt)
    return [
        TeamStageRow(
            team_id=int(r.id),
            name=r.name,
            track=r.track,
            cohort=r.cohort_key or None,
            created_at=r.created_at,
            stage=r.stage,
            since=r.since,
        )
        for r in rows
    ]


async def set_stage(
    conn: AsyncConnection,
    *,
    season: str,
    team_id: int,
    stage: str,
    since: dt.datetime,
    now: dt.datetime,
) -> None:
    """Put the team at ``stage`` since ``since`` (insert or replace its row)."""
    stmt = upsertable_insert(conn, team_progress).values(
        team_id=team_id, season=season, stage=stage, since=since, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[team_progress.c.team_id],
        set_={"stage": stage, "since": since, "updated_at": now},
    )
    await conn.execute(stmt)


async def clear_stage(conn: AsyncConnection, team_id: int) -> None:
    """Remove the team's row (it is back at the first stage since it was formed)."""
    await conn.execute(team_progress.delete().where(team_progress.c.team_id == team_id))


async def lock_stage(conn: AsyncConnection, team_id: int) -> tuple[str, dt.datetime] | None:
    """The team's (stage, since), locked for update on PostgreSQL; None without a row."""
    stmt = select(team_progress.c.stage, team_progress.c.since).where(
        team_progress.c.team_id == team_id
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return (row.stage, row.since) if row is not None else None


async def add_event(conn: AsyncConnection, **values: Any) -> int:
    """Record a change of stage; returns its id."""
    result = await conn.execute(
        progress_events.insert().values(values).returning(progress_events.c.id)
    )
    return int(result.scalar_one())


async def last_change(conn: AsyncConnection, team_id: int) -> EventRow | None:
    """The team's latest change that an undo may revert (not an undo, not undone)."""
    row = (
        await conn.execute(
            select(progress_events)
            .where(
                progress_events.c.team_id == team_id,
                progress_events.c.source != "undo",
                progress_events.c.undone_at.is_(None),
            )
            .order_by(progress_events.c.id.desc())
            .limit(1)
        )
    ).first()
    return _event(row) if row is not None else None


async def mark_undone(conn: AsyncConnection, event_id: int, now: dt.datetime) -> None:
    """Record that an organizer reverted the change ``event_id``."""
    await conn.execute(
        update(progress_events).where(progress_events.c.id == event_id).values(undone_at=now)
    )


async def events(conn: AsyncConnection, team_id: int, *, limit: int = 10) -> list[EventRow]:
    """The team's latest changes, newest first."""
    rows = await conn.execute(
        select(progress_events)
        .where(progress_events.c.team_id == team_id)
        .order_by(progress_events.c.id.desc())
        .limit(limit)
    )
    return [_event(r) for r in rows]


def _event(row: Any) -> EventRow:
    return EventRow(
        id=row.id,
        team_id=row.team_id,
        stage=row.stage,
        previous_stage=row.previous_stage,
        previous_since=row.previous_since,
        source=row.source,
        evidence_url=row.evidence_url,
        evidence_file=row.evidence_file,
        reported_by=row.reported_by,
        decided_by=row.decided_by,
        created_at=row.created_at,
        undone_at=row.undone_at,
    )


async def counted_orders(
    conn: AsyncConnection, season: str, team_ids: Sequence[int]
) -> dict[int, int]:
    """Counted orders per team (reviews ok or cleared, not refunded, not cancelled); teams
    without any are left out."""
    if not team_ids:
        return {}
    rows = await conn.execute(
        select(store_orders.c.team_id, func.count())
        .where(
            and_(
                store_orders.c.season == season,
                store_orders.c.team_id.in_(list(team_ids)),
                store_orders.c.review.in_(COUNTED_REVIEWS),
                store_orders.c.refunded.is_(False),
                store_orders.c.status.not_in(CANCELLED_STATUSES),
            )
        )
        .group_by(store_orders.c.team_id)
    )
    return {int(team_id): int(count) for team_id, count in rows}


async def claim_alert(
    conn: AsyncConnection,
    *,
    season: str,
    stage: str,
    week_key: str,
    team_ids: list[int],
    active_teams: int,
    now: dt.datetime,
) -> int | None:
    """Insert the alert of (season, stage, week) unless one exists; its id, or None."""
    stmt = upsertable_insert(conn, progress_alerts).values(
        season=season,
        stage=stage,
        week_key=week_key,
        team_ids=team_ids,
        active_teams=active_teams,
        created_at=now,
    )
    stmt = stmt.on_conflict_do_nothing(
        index_elements=[
            progress_alerts.c.season,
            progress_alerts.c.stage,
            progress_alerts.c.week_key,
        ]
    ).returning(progress_alerts.c.id)
    value = (await conn.execute(stmt)).scalar_one_or_none()
    return None if value is None else int(value)


async def alerts_of_week(conn: AsyncConnection, season: str, week_key: str) -> list[AlertRow]:
    """The season's alerts of ``week_key``, oldest first."""
    rows = await conn.execute(
        select(progress_alerts)
        .where(progress_alerts.c.season == season, progress_alerts.c.week_key == week_key)
        .order_by(progress_alerts.c.id)
    )
    return [_alert(r) for r in rows]


async def get_alert(conn: AsyncConnection, alert_id: int, *, lock: bool = False) -> AlertRow | None:
    """One alert (``lock``: FOR UPDATE on PostgreSQL)."""
    stmt = select(progress_alerts).where(progress_alerts.c.id == alert_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return _alert(row) if row is not None else None


async def set_alert_session(conn: AsyncConnection, alert_id: int, session_id: int) -> None:
    """Remember the clinic scheduled from the alert."""
    await conn.execute(
        update(progress_alerts)
        .where(progress_alerts.c.id == alert_id)
        .values(session_id=session_id)
    )
