"""Queries on per-day team aggregates (``store_daily``): totals over days, replacing days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries import results_revisions as revisions_q
from storage.queries.results import TeamFilter, team_filter
from storage.schema import store_daily


def _where(
    season: str,
    metrics: Sequence[str],
    teams: TeamFilter,
    start: dt.date | None,
    end: dt.date | None,
) -> Any:
    conditions: list[Any] = [store_daily.c.season == season, store_daily.c.metric.in_(metrics)]
    conditions += teams.conditions
    if start is not None:
        conditions.append(store_daily.c.day >= start)
    if end is not None:
        conditions.append(store_daily.c.day <= end)
    return and_(*conditions)


async def sums(
    conn: AsyncConnection,
    *,
    season: str,
    metrics: Sequence[str],
    team_ids: Sequence[int] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> dict[int, dict[str, float]]:
    """Per team, the sum of each metric's daily values over ``[start, end]`` (days)."""
    if not metrics:
        return {}
    teams = team_filter(store_daily.c.team_id, team_ids)
    keys = list(dict.fromkeys(metrics))
    # One row per team with a column per metric (NULL: no value of it in the span): half
    # the rows of grouping by (team, metric), for 10,000 teams a week.
    rows = await conn.execute(
        select(
            store_daily.c.team_id,
            *(func.sum(case((store_daily.c.metric == key, store_daily.c.value))) for key in keys),
        )
        .where(_where(season, keys, teams, start, end))
        .group_by(store_daily.c.team_id)
    )
    result: dict[int, dict[str, float]] = {}
    for team_id, *totals in rows:
        if teams.wants(int(team_id)):
            result[int(team_id)] = {
                key: float(total)
                for key, total in zip(keys, totals, strict=True)
                if total is not None
            }
    return result


async def last_values(
    conn: AsyncConnection,
    *,
    season: str,
    metrics: Sequence[str],
    team_ids: Sequence[int] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> dict[int, dict[str, float]]:
    """Per team, each metric's value on the last day in ``[start, end]`` that has one."""
    if not metrics:
        return {}
    teams = team_filter(store_daily.c.team_id, team_ids)
    where = _where(season, metrics, teams, start, end)
    last_day = (
        select(
            store_daily.c.team_id, store_daily.c.metric, func.max(store_daily.c.day).label("day")
        )
        .where(where)
        .group_by(store_daily.c.team_id, store_daily.c.metric)
        .subquery()
    )
    rows = await conn.execute(
        select(store_daily.c.team_id, store_daily.c.metric, store_daily.c.value)
        .join(
            last_day,
            and_(
                store_daily.c.team_id == last_day.c.team_id,
                store_daily.c.metric == last_day.c.metric,
                store_daily.c.day == last_day.c.day,
            ),
        )
        .where(store_daily.c.season == season)
    )
    result: dict[int, dict[str, float]] = {}
    for team_id, metric, value in rows:
        if teams.wants(int(team_id)):
            result.setdefault(int(team_id), {})[str(metric)] = float(value)
    return result


async def replace_days(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Write daily values, each replacing the stored value of its (team, day, metric)."""
    if not rows:
        return
    for season in {row["season"] for row in rows}:
        teams = {int(row["team_id"]) for row in rows if row["season"] == season}
        await revisions_q.bump(conn, season, teams)
    stmt = upsertable_insert(conn, store_daily)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["season", "team_id", "day", "metric"],
            set_={
                "value": stmt.excluded.value,
                "import_id": stmt.excluded.import_id,
                "updated_at": stmt.excluded.updated_at,
            },
        ),
        list(rows),
    )


async def existing_values(
    conn: AsyncConnection, *, season: str, team_ids: Sequence[int], days: Sequence[dt.date]
) -> dict[tuple[int, dt.date, str], float]:
    """The stored values of the given teams on the given days, by (team, day, metric)."""
    if not team_ids or not days:
        return {}
    rows = await conn.execute(
        select(
            store_daily.c.team_id, store_daily.c.day, store_daily.c.metric, store_daily.c.value
        ).where(
            store_daily.c.season == season,
            store_daily.c.team_id.in_(list(team_ids)),
            store_daily.c.day.in_(list(days)),
        )
    )
    return {(int(t), d, str(m)): float(v) for t, d, m, v in rows}
