"""Queries on per-member daily activity counts and on the drop alerts claimed from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import activity_alerts, activity_daily, members, subscribers, teams


@dataclass(frozen=True, slots=True)
class CountRow:
    """Counts to add for one member on one local day."""

    user_id: int
    day: dt.date
    messages: int
    interactions: int
    votes: int


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    cohort: str
    week_key: str
    previous_actives: int
    actives: int
    drop_percent: int
    status: str
    message_id: int | None
    created_at: dt.datetime


async def add_counts(conn: AsyncConnection, rows: Sequence[CountRow]) -> int:
    """Upsert-add: a (user, day) row gets the counts added to what it holds. Returns len(rows)."""
    if not rows:
        return 0
    stmt = upsertable_insert(conn, activity_daily)
    stmt = stmt.on_conflict_do_update(
        index_elements=[activity_daily.c.user_id, activity_daily.c.day],
        set_={
            "messages": activity_daily.c.messages + stmt.excluded.messages,
            "interactions": activity_daily.c.interactions + stmt.excluded.interactions,
            "votes": activity_daily.c.votes + stmt.excluded.votes,
        },
    )
    await conn.execute(
        stmt,
        [
            {
                "user_id": r.user_id,
                "day": r.day,
                "messages": r.messages,
                "interactions": r.interactions,
                "votes": r.votes,
            }
            for r in rows
        ],
    )
    return len(rows)


async def delete_for_users(conn: AsyncConnection, user_ids: Iterable[int]) -> int:
    """Remove every count of these members; returns rows deleted."""
    ids = list(user_ids)
    if not ids:
        return 0
    result = await conn.execute(delete(activity_daily).where(activity_daily.c.user_id.in_(ids)))
    return int(result.rowcount or 0)


async def actives_by_day(
    conn: AsyncConnection, first: dt.date, last: dt.date
) -> list[tuple[dt.date, str, int]]:
    """(day, cohort key or "", distinct active members) for days in [first, last]."""
    cohort = func.coalesce(members.c.cohort_key, "").label("cohort")
    stmt = (
        select(
            activity_daily.c.day,
            cohort,
            func.count(func.distinct(activity_daily.c.user_id)).label("actives"),
        )
        .select_from(
            activity_daily.outerjoin(members, members.c.user_id == activity_daily.c.user_id)
        )
        .where(activity_daily.c.day >= first, activity_daily.c.day <= last)
        .group_by(activity_daily.c.day, cohort)
    )
    return [(row.day, str(row.cohort), int(row.actives)) for row in await conn.execute(stmt)]


async def actives_between(conn: AsyncConnection, first: dt.date, last: dt.date) -> dict[str, int]:
    """Distinct active members per cohort key ("" without one) over days [first, last]."""
    cohort = func.coalesce(members.c.cohort_key, "").label("cohort")
    stmt = (
        select(cohort, func.count(func.distinct(activity_daily.c.user_id)).label("actives"))
        .select_from(
            activity_daily.outerjoin(members, members.c.user_id == activity_daily.c.user_id)
        )
        .where(activity_daily.c.day >= first, activity_daily.c.day <= last)
        .group_by(cohort)
    )
    return {str(row.cohort): int(row.actives) for row in await conn.execute(stmt)}


async def vote_total_between(conn: AsyncConnection, first: dt.date, last: dt.date) -> int:
    """Sum of counted vote presses over days [first, last]."""
    stmt = select(func.coalesce(func.sum(activity_daily.c.votes), 0)).where(
        activity_daily.c.day >= first, activity_daily.c.day <= last
    )
    return int((await conn.execute(stmt)).scalar_one())


async def claim_alert(
    conn: AsyncConnection,
    *,
    cohort: str,
    week_key: str,
    previous_actives: int,
    actives: int,
    drop_percent: int,
    now: dt.datetime,
) -> int | None:
    """Insert the alert for (cohort, week) unless one exists; returns its id, or None if taken."""
    stmt = upsertable_insert(conn, activity_alerts).values(
        cohort=cohort,
        week_key=week_key,
        previous_actives=previous_actives,
        actives=actives,
        drop_percent=drop_percent,
        status="claimed",
        created_at=now,
    )
    stmt = stmt.on_conflict_do_nothing(
        index_elements=[activity_alerts.c.cohort, activity_alerts.c.week_key]
    ).returning(activity_alerts.c.id)
    value = (await conn.execute(stmt)).scalar_one_or_none()
    return None if value is None else int(value)


async def finish_alert(
    conn: AsyncConnection, alert_id: int, *, status: str, message_id: int | None
) -> None:
    """Record how posting a claimed alert went (posted | failed)."""
    await conn.execute(
        update(activity_alerts)
        .where(activity_alerts.c.id == alert_id)
        .values(status=status, message_id=message_id)
    )


async def unposted_alerts(conn: AsyncConnection) -> list[AlertRow]:
    """Alerts claimed but not yet recorded as posted or failed, oldest first."""
    stmt = (
        select(activity_alerts)
        .where(activity_alerts.c.status == "claimed")
        .order_by(activity_alerts.c.id)
    )
    return [AlertRow(**row._mapping) for row in await conn.execute(stmt)]


async def alerts(conn: AsyncConnection, *, limit: int = 50) -> list[AlertRow]:
    """The newest alerts first."""
    stmt = select(activity_alerts).order_by(activity_alerts.c.id.desc()).limit(limit)
    return [AlertRow(**row._mapping) for row in await conn.execute(stmt)]


async def team_and_subscriber_counts(conn: AsyncConnection, season: str) -> tuple[int, int]:
    """(active teams of ``season``, WhatsApp subscribers who have not opted out)."""
    team_count = await conn.execute(
        select(func.count())
        .select_from(teams)
        .where(teams.c.season == season, teams.c.disbanded_at.is_(None))
    )
    subscriber_count = await conn.execute(
        select(func.count()).select_from(subscribers).where(subscribers.c.opted_out_at.is_(None))
    )
    return int(team_count.scalar_one()), int(subscriber_count.scalar_one())
