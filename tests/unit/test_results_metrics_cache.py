"""The weekly run's metrics cache: a re-score after a correction recomputes only the teams
written since, and what it hands on is what a full read of the stored data gives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from bot.services.registry import Services
from bot.services.results.metrics_cache import WeekMetricsCache
from storage.queries import results_revisions as revisions_q
from storage.queries.results_fraud import sync_reviews
from storage.schema import results_flags, store_orders
from tests.points_support import add_team
from tests.results_support import add_daily, add_orders


async def _teams(services: Services, count: int) -> list[int]:
    return [
        await add_team(services.db, f"Team {n}", track="student" if n % 2 else "professional")
        for n in range(count)
    ]


def _last_week(services: Services) -> tuple[dt.datetime, dict[str, dt.date]]:
    """Noon of last week's first day (orders are stored then) and the week's span."""
    week_start = services.results_scoring.weekly.week("last").first_day
    day = dt.datetime.combine(week_start, dt.time(12), dt.UTC)
    return day, {"start": week_start, "end": week_start + dt.timedelta(days=6)}


async def _full_read(services: Services, week_start: dt.date, teams: list[int]) -> dict:
    found = await services.results.team_metrics(
        team_ids=teams, start=week_start, end=week_start + dt.timedelta(days=6)
    )
    return {team: found[team] for team in teams}


async def test_a_rescore_after_a_correction_recomputes_only_the_corrected_team(
    services: Services,
) -> None:
    teams = await _teams(services, 6)
    weekly = services.results_scoring.weekly
    week = weekly.week("last")
    day = dt.datetime.combine(week.first_day, dt.time(12), dt.UTC)
    for n, team in enumerate(teams):
        await add_orders(services.db, team, day, 1000 * (n + 1), prefix=f"t{n}-")
        await add_daily(services.db, team, week.first_day, visitors=100.0 + n)
    first = await weekly.run_week(week)
    assert weekly.week_cache.last_computed == len(teams)
    assert first.scored == len(teams)
    # The weakest student team's late orders make it the best of its track.
    await add_orders(services.db, teams[1], day, 90_000, prefix="late-")
    second = await weekly.run_week(week)
    assert weekly.week_cache.last_computed == 1
    assert teams[1] in second.changed_team_ids
    # What the run scored from is exactly a full read of the stored data.
    cached = await weekly.week_cache.metrics(
        services.results,
        revision=await services.results.inputs_revision(),
        team_ids=teams,
        start=week.first_day,
        end=week.first_day + dt.timedelta(days=6),
    )
    assert weekly.week_cache.last_computed == 0
    assert cached == await _full_read(services, week.first_day, teams)
    assert cached[teams[1]]["sales"] == 920.0  # 20.00 + 900.00


async def test_a_write_committed_while_the_metrics_are_read_is_recomputed_next_time(
    services: Services,
) -> None:
    teams = await _teams(services, 3)
    day, span = _last_week(services)
    week_start = span["start"]
    cache = WeekMetricsCache()
    before = await services.results.inputs_revision()
    # An import commits after the run read the revision and before it read the metrics:
    # the metrics include it, labelled with the older revision.
    await add_orders(services.db, teams[0], day, 5000)
    await cache.metrics(services.results, revision=before, team_ids=teams, **span)
    now = await services.results.inputs_revision()
    again = await cache.metrics(services.results, revision=now, team_ids=teams, **span)
    assert cache.last_computed == 1  # the team of that write, not missed
    assert again == await _full_read(services, week_start, teams)
    await cache.metrics(services.results, revision=now, team_ids=teams, **span)
    assert cache.last_computed == 0


async def test_a_write_for_any_team_and_a_fraud_decision_are_seen_by_the_cache(
    services: Services,
) -> None:
    teams = await _teams(services, 4)
    day, span = _last_week(services)
    week_start = span["start"]
    for n, team in enumerate(teams):
        await add_orders(services.db, team, day, 1000 + n, prefix=f"t{n}-")
    cache = WeekMetricsCache()

    async def read() -> dict:
        revision = await services.results.inputs_revision()
        return await cache.metrics(services.results, revision=revision, team_ids=teams, **span)

    await read()
    async with services.db.write() as conn:
        await revisions_q.bump(conn, "2026", None)  # a write that may touch every team
    await read()
    assert cache.last_computed == len(teams)
    # A fraud decision on one order: only that order's team is read again, and its
    # flagged order no longer counts.
    async with services.db.write() as conn:
        row_id = await conn.scalar(
            select(store_orders.c.id).where(store_orders.c.team_id == teams[2])
        )
        assert row_id is not None
        await conn.execute(
            insert(results_flags).values(
                season="2026",
                rule="burst",
                subject=f"order:{row_id}",
                team_id=teams[2],
                order_row_id=row_id,
                evidence={},
                status="open",
                created_at=day,
                updated_at=day,
            )
        )
        await sync_reviews(conn, [row_id], season="2026")
    found = await read()
    assert cache.last_computed == 1
    assert found[teams[2]]["orders"] == 0.0
    assert found == await _full_read(services, week_start, teams)


async def test_the_cache_keeps_only_its_newest_weeks(services: Services) -> None:
    teams = await _teams(services, 2)
    cache = WeekMetricsCache(size=2)
    revision = await services.results.inputs_revision()
    monday = dt.date(2026, 11, 2)
    for weeks_back in (0, 1, 2, 0):
        start = monday - dt.timedelta(weeks=weeks_back)
        await cache.metrics(
            services.results,
            revision=revision,
            team_ids=teams,
            start=start,
            end=start + dt.timedelta(days=6),
        )
    assert cache.last_computed == len(teams)  # the first week was dropped: read again
