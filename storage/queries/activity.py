"""Queries on per-member daily activity counts, their actives rollups and the drop alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import (
    activity_actives_daily,
    activity_actives_weekly,
    activity_alerts,
    activity_daily,
    activity_rollup_state,
    members,
    subscribers,
    teams,
)

#: PostgreSQL advisory lock taken by every transaction that changes the rollups, so two
#: processes flushing at once see each other's rows (SQLite has one writer already).
ROLLUP_LOCK = 0x506F_6469_756D_4163
#: Ids per IN (...) list, well under SQLite's and asyncpg's parameter limits.
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class CountRow:
    """Counts to add for one member on one local day; ``cohort`` is stored only when the
    row is new (the cohort recorded for that member and day)."""

    user_id: int
    day: dt.date
    messages: int
    interactions: int
    votes: int
    cohort: str = ""


@dataclass(frozen=True, slots=True)
class DayRow:
    """A member's stored activity day and the cohort recorded on it."""

    user_id: int
    day: dt.date
    cohort: str


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


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


async def lock_rollups(conn: AsyncConnection) -> None:
    """Serialize rollup changes across processes on PostgreSQL (until the transaction ends)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK})


async def add_counts(conn: AsyncConnection, rows: Sequence[CountRow]) -> int:
    """Upsert-add: a (user, day) row gets the counts added to what it holds (its recorded
    cohort stays); a new row stores ``cohort``. Returns len(rows)."""
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
                "cohort": r.cohort,
            }
            for r in rows
        ],
    )
    return len(rows)


async def cohorts_of(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, str]:
    """The current cohort key of each member ("" without one or without a members row)."""
    found: dict[int, str] = {}
    for chunk in _chunks(user_ids):
        rows = await conn.execute(
            select(members.c.user_id, members.c.cohort_key).where(members.c.user_id.in_(chunk))
        )
        found.update({int(u): str(c or "") for u, c in rows})
    return found


async def days_of(
    conn: AsyncConnection,
    user_ids: Iterable[int],
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> list[DayRow]:
    """The stored activity days of these members, within [first, last] when given."""
    found: list[DayRow] = []
    for chunk in _chunks(user_ids):
        stmt = select(
            activity_daily.c.user_id, activity_daily.c.day, activity_daily.c.cohort
        ).where(activity_daily.c.user_id.in_(chunk))
        if first is not None:
            stmt = stmt.where(activity_daily.c.day >= first)
        if last is not None:
            stmt = stmt.where(activity_daily.c.day <= last)
        found.extend(DayRow(int(u), d, str(c)) for u, d, c in await conn.execute(stmt))
    return found


async def delete_for_users(conn: AsyncConnection, user_ids: Iterable[int]) -> int:
    """Remove every count of these members; returns rows deleted (the caller unwinds the
    rollups first)."""
    deleted = 0
    for chunk in _chunks(user_ids):
        result = await conn.execute(
            delete(activity_daily).where(activity_daily.c.user_id.in_(chunk))
        )
        deleted += int(result.rowcount or 0)
    return deleted


async def _upsert_add(
    conn: AsyncConnection, table: Table, key: str, deltas: dict[tuple[dt.date, str], int]
) -> None:
    values = [{key: k, "cohort": c, "actives": n} for (k, c), n in sorted(deltas.items()) if n]
    if not values:
        return
    stmt = upsertable_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key], table.c.cohort],
        set_={"actives": table.c.actives + stmt.excluded.actives},
    )
    await conn.execute(stmt, values)


async def add_actives(
    conn: AsyncConnection,
    daily: dict[tuple[dt.date, str], int],
    weekly: dict[tuple[dt.date, str], int],
) -> None:
    """Add signed changes to the daily ((day, cohort) → n) and weekly ((week start, cohort)
    → n) rollups."""
    await _upsert_add(conn, activity_actives_daily, "day", daily)
    await _upsert_add(conn, activity_actives_weekly, "week_start", weekly)


async def rolled_up_days(
    conn: AsyncConnection, first: dt.date, last: dt.date
) -> list[tuple[dt.date, str, int]]:
    """(day, cohort, actives) from the daily rollup for days in [first, last] (no zeros)."""
    t = activity_actives_daily
    stmt = select(t.c.day, t.c.cohort, t.c.actives).where(
        t.c.day >= first, t.c.day <= last, t.c.actives > 0
    )
    return [(d, str(c), int(n)) for d, c, n in await conn.execute(stmt)]


async def rolled_up_weeks(
    conn: AsyncConnection, week_starts: Sequence[dt.date]
) -> dict[dt.date, dict[str, int]]:
    """{week start: {cohort: actives}} from the weekly rollup (no zeros)."""
    t = activity_actives_weekly
    stmt = select(t.c.week_start, t.c.cohort, t.c.actives).where(
        t.c.week_start.in_(list(week_starts)), t.c.actives > 0
    )
    found: dict[dt.date, dict[str, int]] = {}
    for week_start, cohort, n in await conn.execute(stmt):
        found.setdefault(week_start, {})[str(cohort)] = int(n)
    return found


async def rollup_week_start(conn: AsyncConnection) -> int | None:
    """The week start the rollups were built with, or None when never built."""
    value = await conn.scalar(
        select(activity_rollup_state.c.week_start_index).where(activity_rollup_state.c.id == 1)
    )
    return None if value is None else int(value)


async def replace_rollups(
    conn: AsyncConnection,
    daily: Sequence[tuple[dt.date, str, int]],
    weekly: Sequence[tuple[dt.date, str, int]],
    *,
    week_start_index: int,
    now: dt.datetime,
) -> None:
    """Replace both rollups with these rows and record the week start they use."""
    await conn.execute(delete(activity_actives_daily))
    await conn.execute(delete(activity_actives_weekly))
    if daily:
        await conn.execute(
            activity_actives_daily.insert(),
            [{"day": d, "cohort": c, "actives": n} for d, c, n in daily],
        )
    if weekly:
        await conn.execute(
            activity_actives_weekly.insert(),
            [{"week_start": w, "cohort": c, "actives": n} for w, c, n in weekly],
        )
    await conn.execute(delete(activity_rollup_state))
    await conn.execute(
        activity_rollup_state.insert().values(id=1, week_start_index=week_start_index, built_at=now)
    )


async def activity_day_range(conn: AsyncConnection) -> tuple[dt.date, dt.date] | None:
    """The first and last day with stored activity, or None when there is none."""
    row = (
        await conn.execute(select(func.min(activity_daily.c.day), func.max(activity_daily.c.day)))
    ).one()
    return None if row[0] is None else (row[0], row[1])


async def actives_by_day(
    conn: AsyncConnection, first: dt.date, last: dt.date
) -> list[tuple[dt.date, str, int]]:
    """Full scan: (day, recorded cohort, active members) for days in [first, last]. Each
    row of ``activity_daily`` is one member on one day, so a count is distinct."""
    stmt = (
        select(activity_daily.c.day, activity_daily.c.cohort, func.count().label("actives"))
        .where(activity_daily.c.day >= first, activity_daily.c.day <= last)
        .group_by(activity_daily.c.day, activity_daily.c.cohort)
    )
    return [(row.day, str(row.cohort), int(row.actives)) for row in await conn.execute(stmt)]


async def actives_between(conn: AsyncConnection, first: dt.date, last: dt.date) -> dict[str, int]:
    """Full scan: distinct active members over days [first, last], each counted once, in
    the cohort recorded on their earliest active day of the range."""
    earliest = (
        select(activity_daily.c.user_id, func.min(activity_daily.c.day).label("day"))
        .where(activity_daily.c.day >= first, activity_daily.c.day <= last)
        .group_by(activity_daily.c.user_id)
        .subquery()
    )
    stmt = (
        select(activity_daily.c.cohort, func.count().label("actives"))
        .select_from(
            activity_daily.join(
                earliest,
                (earliest.c.user_id == activity_daily.c.user_id)
                & (earliest.c.day == activity_daily.c.day),
            )
        )
        .group_by(activity_daily.c.cohort)
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
