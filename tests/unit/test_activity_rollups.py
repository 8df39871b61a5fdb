"""Actives rollups against full scans of ``activity_daily``: random activity with cohort
moves, late counts and erasures, on SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select, text, update

from bot.clock import FrozenClock
from bot.services.activity_rollups import weeks_between
from bot.services.registry import Services
from storage.engine import Database
from storage.migrate import alembic_config
from storage.queries import activity as q
from storage.schema import activity_actives_daily, activity_actives_weekly, activity_rollup_state
from tests.unit.test_activity import ORG, W48_START, in_cohort

COHORTS = ("rookie", "advanced", "elite")


Days = list[tuple[dt.date, str, int]]
Weeks = dict[dt.date, dict[str, int]]


async def scan_and_rollups(
    services: Services, db: Database
) -> tuple[tuple[Days, Weeks], tuple[Days, Weeks]]:
    """(full scans, rollups) for every day and week with stored activity, zeros dropped."""
    week_start = services.competition.competition.week_start_index
    async with db.read() as conn:
        span = await q.activity_day_range(conn)
        assert span is not None
        first, last = span
        scan_days = sorted(await q.actives_by_day(conn, first, last))
        rolled_days = sorted(await q.rolled_up_days(conn, first, last))
        weeks = weeks_between(first, last, week_start)
        scan_weeks: Weeks = {}
        for week in weeks:
            found = await q.actives_between(conn, week, week + dt.timedelta(days=6))
            if found:
                scan_weeks[week] = found
        rolled_weeks = await q.rolled_up_weeks(conn, weeks)
    return (scan_days, scan_weeks), (rolled_days, rolled_weeks)


async def test_rollups_equal_full_scans_through_random_activity_cohort_moves_late_counts_erasure(
    services: Services, db: Database, clock: FrozenClock
) -> None:
    await services.activity.ensure_rollups()  # built (empty) before anything is counted
    rng = random.Random(20261203)
    users = list(range(1, 41))
    for user in users[:32]:  # the last 8 never get a cohort (or a members row)
        await in_cohort(services, user, rng.choice(COHORTS))
    clock.set(W48_START - dt.timedelta(days=3))
    erased: set[int] = set()
    for step in range(40):
        clock.advance(dt.timedelta(hours=rng.choice((1, 5, 9, 13))))
        for user in rng.sample(users, 12):
            if user not in erased:
                services.activity.record(user, rng.choice(("message", "interaction", "vote")))
        for user in rng.sample(users[:32], 2):  # promotions (or demotions) mid-week
            await in_cohort(services, user, rng.choice(COHORTS))
        if rng.random() < 0.3:  # late counts: recorded for a day (and week) already past
            now = clock.now()
            clock.set(now - dt.timedelta(days=rng.choice((1, 2, 4, 8))))
            for user in rng.sample(users, 8):
                if user not in erased:
                    services.activity.record(user, "message")
            clock.set(now)
        if rng.random() < 0.5:  # sometimes counts wait across midnight for a later flush
            await services.activity.flush()
        if step in (15, 30):
            victim = rng.choice([u for u in users if u not in erased])
            erased.add(victim)
            await services.privacy.delete(victim, actor_id=ORG)
    await services.activity.flush()
    scans, rollups = await scan_and_rollups(services, db)
    assert rollups == scans
    days, weeks = scans
    assert len(weeks) >= 3  # the data is not trivial
    assert sum(n for _, _, n in days) > 200
    # rebuilding from scratch gives the rows the flushes kept
    async with db.read() as conn:
        kept_daily = sorted((await conn.execute(select(activity_actives_daily))).all())
    await services.activity.rebuild_rollups()
    async with db.read() as conn:
        rebuilt = sorted((await conn.execute(select(activity_actives_daily))).all())
    assert [r for r in rebuilt if r.actives] == [r for r in kept_daily if r.actives]


async def test_a_member_promoted_mid_week_counts_in_the_cohort_of_their_first_active_day(
    services: Services, db: Database, clock: FrozenClock
) -> None:
    await services.activity.ensure_rollups()
    await in_cohort(services, 1, "rookie")
    clock.set(W48_START + dt.timedelta(days=1, hours=3))  # Tuesday
    services.activity.record(1, "message")
    await services.activity.flush()
    await in_cohort(services, 1, "advanced")
    clock.set(W48_START + dt.timedelta(days=3, hours=3))  # Thursday
    services.activity.record(1, "message")
    daily = {
        (d.day.isoformat(), d.cohort): d.actives
        for d in await services.activity.daily_actives(days=7)
        if d.actives
    }
    assert daily == {("2026-11-24", "rookie"): 1}  # Thursday's count is still buffered
    await services.activity.flush()
    daily = {
        (d.day.isoformat(), d.cohort): d.actives
        for d in await services.activity.daily_actives(days=7)
        if d.actives
    }
    assert daily == {("2026-11-24", "rookie"): 1, ("2026-11-26", "advanced"): 1}
    weekly = {(w.week_key, w.cohort): w.actives for w in await services.activity.weekly_actives()}
    assert weekly[("2026-W48", "rookie")] == 1
    assert weekly[("2026-W48", "advanced")] == 0


async def test_late_counts_for_an_earlier_day_move_the_week_to_that_days_cohort(
    services: Services, db: Database, clock: FrozenClock
) -> None:
    await services.activity.ensure_rollups()
    await in_cohort(services, 1, "advanced")
    clock.set(W48_START + dt.timedelta(days=4, hours=3))  # Friday, as advanced
    services.activity.record(1, "message")
    await services.activity.flush()
    await in_cohort(services, 1, "elite")
    clock.set(W48_START + dt.timedelta(days=1, hours=3))  # a Tuesday count arrives late
    services.activity.record(1, "vote")
    clock.set(W48_START + dt.timedelta(days=8))
    await services.activity.flush()
    weekly = {(w.week_key, w.cohort): w.actives for w in await services.activity.weekly_actives()}
    assert (weekly[("2026-W48", "elite")], weekly[("2026-W48", "advanced")]) == (1, 0)
    scans, rollups = await scan_and_rollups(services, db)
    assert rollups == scans


async def test_erasing_a_member_takes_them_out_of_the_rollups_which_hold_no_member_ids(
    services: Services, db: Database, clock: FrozenClock
) -> None:
    await services.activity.ensure_rollups()
    for user in (1, 2):
        await in_cohort(services, user, "rookie")
    clock.set(W48_START + dt.timedelta(days=1, hours=3))
    services.activity.record(1, "message")
    services.activity.record(2, "message")
    await services.activity.flush()
    await services.privacy.delete(1, actor_id=ORG)
    weekly = {(w.week_key, w.cohort): w.actives for w in await services.activity.weekly_actives()}
    assert weekly[("2026-W48", "rookie")] == 1
    for table in (activity_actives_daily, activity_actives_weekly):
        assert "user_id" not in table.c


async def test_rollups_are_rebuilt_when_never_built_or_built_for_another_week_start(
    services: Services, db: Database, clock: FrozenClock
) -> None:
    await in_cohort(services, 1, "rookie")
    clock.set(W48_START + dt.timedelta(days=1, hours=3))
    services.activity.record(1, "message")
    await services.activity.flush()
    async with db.write() as conn:  # as after the migration: rows, but no rollups
        await conn.execute(activity_actives_daily.delete())
        await conn.execute(activity_actives_weekly.delete())
    assert await services.activity.ensure_rollups() is True
    assert await services.activity.ensure_rollups() is False
    async with db.write() as conn:  # built for Sunday weeks: this config starts on Monday
        await conn.execute(update(activity_rollup_state).values(week_start_index=6))
    services.activity._rollups_ready = False  # a new process start
    assert await services.activity.ensure_rollups() is True
    scans, rollups = await scan_and_rollups(services, db)
    assert rollups == scans


def test_migration_0023_records_each_existing_rows_cohort_as_the_members_current_one(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0019")
        conn.execute(
            text(
                "INSERT INTO members (user_id, display_name, locale, cohort_key, first_seen_at,"
                " last_seen_at) VALUES (1, 'a', 'en', 'elite', '2026-11-01', '2026-11-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO activity_daily (user_id, day, messages, interactions, votes) "
                "VALUES (1, '2026-11-24', 1, 0, 0), (2, '2026-11-24', 0, 1, 0)"
            )
        )
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
        found = conn.execute(text("SELECT user_id, cohort FROM activity_daily ORDER BY user_id"))
        assert [tuple(row) for row in found] == [(1, "elite"), (2, "")]
    engine.dispose()
