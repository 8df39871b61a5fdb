"""Activity counters, daily/weekly actives per cohort and the drop alert, on the real
migrated database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from bot.calendar import week_by_key
from bot.clock import FrozenClock
from bot.scheduler import Job
from bot.services.activity import (
    ALERT_PUBLICATION,
    DROP_CHECK_JOB,
    DailyActives,
    WeeklyActives,
    drop_percent,
    is_alarming_drop,
)
from bot.services.contests import OwnTeamVote
from bot.services.registry import Services
from storage.engine import Database
from storage.schema import activity_alerts, activity_daily
from tests.conftest import T0
from tests.contest_support import OLD_ACCOUNT, OLD_MEMBER
from tests.points_support import add_team
from tests.unit.test_contests import ALICE, press, setup_entries

ORG = 100000000000000010
#: 2026-11-25 is a Wednesday; Shanghai is UTC+8, so local midnight is 16:00 UTC.
LOCAL_MIDNIGHT = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC)
ONE_SECOND = dt.timedelta(seconds=1)
#: Monday 2026-11-23 00:00 Shanghai, the start of week 2026-W48.
W48_START = dt.datetime(2026, 11, 22, 16, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


async def in_cohort(services: Services, user_id: int, cohort: str) -> None:
    await services.cohorts.assign(
        actor_id=ORG, user_id=user_id, display_name=f"user {user_id}", cohort=cohort
    )


async def rows(db: Database) -> dict[tuple[int, dt.date], tuple[int, int, int]]:
    async with db.read() as conn:
        result = await conn.execute(select(activity_daily))
        return {(r.user_id, r.day): (r.messages, r.interactions, r.votes) for r in result.all()}


async def active_week(services: Services, clock: FrozenClock, start: dt.datetime, users) -> None:
    """Each user sends one message on the Tuesday of the week starting at ``start``."""
    clock.set(start + dt.timedelta(days=1, hours=3))
    for user in users:
        services.activity.record(user, "message")
    await services.activity.flush()


# -- counting -------------------------------------------------------------------------------
async def test_record_buffers_in_memory_until_flush_writes_one_row_per_member_and_day(
    services: Services, db: Database
):
    services.activity.record(1, "message")
    services.activity.record(1, "message")
    services.activity.record(1, "interaction")
    services.activity.record(2, "vote", count=3)
    assert await rows(db) == {}
    assert await services.activity.flush() == 2
    day = dt.date(2026, 11, 25)
    assert await rows(db) == {(1, day): (2, 1, 0), (2, day): (0, 0, 3)}
    assert services.activity.buffered == 0


async def test_a_second_flush_adds_to_the_stored_counts_instead_of_replacing_them(
    services: Services, db: Database
):
    services.activity.record(1, "message")
    await services.activity.flush()
    services.activity.record(1, "message", count=4)
    services.activity.record(1, "vote")
    assert await services.activity.flush() == 1
    assert await rows(db) == {(1, dt.date(2026, 11, 25)): (5, 0, 1)}
    assert await services.activity.flush() == 0


async def test_activity_around_local_midnight_lands_on_the_competition_day(
    services: Services, clock: FrozenClock
):
    await in_cohort(services, 1, "rookie")
    await in_cohort(services, 2, "rookie")
    clock.set(LOCAL_MIDNIGHT - ONE_SECOND)  # 23:59:59 on Wednesday in Shanghai
    services.activity.record(1, "message")
    clock.set(LOCAL_MIDNIGHT)  # 00:00 on Thursday in Shanghai (still the 25th in UTC)
    services.activity.record(1, "interaction")
    services.activity.record(2, "message")
    await services.activity.flush()

    daily = await services.activity.daily_actives(days=2)
    rookie = [d for d in daily if d.cohort == "rookie"]
    assert rookie == [
        DailyActives(day=dt.date(2026, 11, 25), cohort="rookie", actives=1),
        DailyActives(day=dt.date(2026, 11, 26), cohort="rookie", actives=2),
    ]
    weekly = await services.activity.weekly_actives(weeks=1)
    # member 1 was active on both days and counts once in the week
    assert WeeklyActives("2026-W48", dt.date(2026, 11, 23), "rookie", 2) in weekly


async def test_weekly_actives_split_at_the_local_week_start_not_at_utc_midnight(
    services: Services, clock: FrozenClock
):
    await in_cohort(services, 1, "elite")
    next_week = W48_START + WEEK  # Monday 2026-11-30 00:00 Shanghai = Sunday 16:00 UTC
    clock.set(next_week - ONE_SECOND)
    services.activity.record(1, "message")
    clock.set(next_week)
    services.activity.record(1, "message")
    services.activity.record(1, "message")
    await services.activity.flush()

    weekly = await services.activity.weekly_actives(weeks=2)
    elite = [(w.week_key, w.week_start, w.actives) for w in weekly if w.cohort == "elite"]
    assert elite == [("2026-W48", dt.date(2026, 11, 23), 1), ("2026-W49", dt.date(2026, 11, 30), 1)]


async def test_each_cohort_has_a_row_per_day_and_members_without_one_count_under_empty(
    services: Services, clock: FrozenClock
):
    await in_cohort(services, 1, "advanced")
    services.activity.record(1, "message")
    services.activity.record(99, "interaction")  # never given a cohort (and no members row)
    await services.activity.flush()

    daily = await services.activity.daily_actives(days=3)
    assert len(daily) == 3 * 4  # rookie, advanced, elite and ""
    today = {d.cohort: d.actives for d in daily if d.day == dt.date(2026, 11, 25)}
    assert today == {"rookie": 0, "advanced": 1, "elite": 0, "": 1}
    assert [d.day for d in daily[::4]] == [
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 25),
    ]


async def test_forget_drops_only_that_members_buffered_counts(services: Services, db: Database):
    services.activity.record(1, "message")
    services.activity.record(2, "message")
    services.activity.forget(1)
    await services.activity.flush()
    assert set(await rows(db)) == {(2, dt.date(2026, 11, 25))}


async def test_a_counted_vote_is_recorded_but_taking_it_back_is_not(
    services: Services, clock: FrozenClock, db: Database
):
    _, _, entries = await setup_entries(services, clock, count=2)
    voter = 720000000000000009
    await press(services, entries[0].id, voter)  # counted
    await press(services, entries[0].id, voter)  # taken back
    await services.activity.flush()
    stored = await rows(db)
    assert stored == {(voter, services.activity.local_day()): (0, 0, 1)}


async def test_a_refused_vote_is_not_recorded(services: Services, clock: FrozenClock):
    _, _, entries = await setup_entries(services, clock, count=1)
    with pytest.raises(OwnTeamVote):
        await services.contests.vote(
            submission_id=entries[0].id,
            voter_id=ALICE,
            account_created_at=OLD_ACCOUNT,
            joined_at=OLD_MEMBER,
        )
    assert services.activity.buffered == 0


# -- /admin stats -----------------------------------------------------------------------------
async def test_stats_flushes_first_and_compares_this_week_with_last_week(
    services: Services, clock: FrozenClock
):
    for user in (1, 2, 3, 4):
        await in_cohort(services, user, "rookie")
    await add_team(services.db, "Alpha", members_=[1])
    await active_week(services, clock, W48_START - WEEK, [1, 2, 3, 4])
    clock.set(T0 - dt.timedelta(days=1))  # Tuesday
    services.activity.record(1, "message")
    services.activity.record(2, "message")
    clock.set(T0)
    services.activity.record(1, "vote", count=2)  # still buffered when stats runs

    stats = await services.activity.stats()
    rookie = next(c for c in stats.cohorts if c.cohort == "rookie")
    assert (rookie.today, rookie.yesterday, rookie.this_week, rookie.last_week) == (1, 2, 2, 4)
    assert rookie.change_percent == -50
    assert stats.week_key == "2026-W48"
    assert stats.members_counted == 2
    assert stats.votes_this_week == 2
    assert (stats.teams, stats.subscribers) == (1, 0)
    assert services.activity.buffered == 0


# -- drop alert -------------------------------------------------------------------------------
def test_drop_rules_use_exact_arithmetic_and_a_minimum_baseline():
    assert is_alarming_drop(20, 17, percent=15, min_actives=10)  # exactly 15%
    assert not is_alarming_drop(100, 86, percent=15, min_actives=10)  # 14%
    assert not is_alarming_drop(9, 1, percent=15, min_actives=10)  # baseline too small
    assert not is_alarming_drop(0, 0, percent=15, min_actives=1)
    assert drop_percent(40, 30) == 25
    assert drop_percent(10, 12) == -20


async def test_drop_alert_is_claimed_once_per_cohort_per_week_even_when_rerun(
    services: Services, clock: FrozenClock, db: Database
):
    rookies = list(range(1, 21))
    elites = list(range(101, 113))
    for user in rookies:
        await in_cohort(services, user, "rookie")
    for user in elites:
        await in_cohort(services, user, "elite")
    await active_week(services, clock, W48_START - WEEK, rookies + elites)  # 20 rookie, 12 elite
    await active_week(services, clock, W48_START, rookies[:10] + elites)  # rookie -50%, elite 0%

    clock.set(W48_START + WEEK)
    first = await services.activity.check_drop("2026-W48")
    assert [
        (a.cohort, a.week_key, a.previous_actives, a.actives, a.drop_percent) for a in first
    ] == [("rookie", "2026-W48", 20, 10, 50)]
    assert await services.activity.check_drop("2026-W48") == []
    async with db.read() as conn:
        stored = (await conn.execute(select(activity_alerts))).all()
    assert [(r.cohort, r.week_key, r.status) for r in stored] == [("rookie", "2026-W48", "claimed")]

    await services.activity.alert_posted(first[0].id, message_id=555)
    async with db.read() as conn:
        row = (await conn.execute(select(activity_alerts))).one()
    assert (row.status, row.message_id) == ("posted", 555)


async def test_the_drop_check_job_publishes_its_alerts_and_asks_for_next_weeks_check(
    services: Services, clock: FrozenClock
):
    rookies = list(range(1, 21))
    for user in rookies:
        await in_cohort(services, user, "rookie")
    await active_week(services, clock, W48_START - WEEK, rookies)
    await active_week(services, clock, W48_START, rookies[:10])  # rookie -50%
    clock.set(W48_START + WEEK)
    job = Job(
        id=1,
        kind=DROP_CHECK_JOB,
        key="activity:drop-check:2026-W48",
        run_at=clock.now(),
        payload={"week": "2026-W48"},
    )

    result = await services.activity.run_drop_check(job)

    (post,) = result.publications
    assert (post.kind, post.resource, post.data.cohort) == (
        ALERT_PUBLICATION,
        "channel:organizers",
        "rookie",
    )
    assert post.key == f"drop-alert:{post.data.id}"
    assert result.next_run is not None
    assert (result.next_run.kind, result.next_run.key, result.next_run.payload) == (
        DROP_CHECK_JOB,
        "activity:drop-check:2026-W49",
        {"week": "2026-W49"},
    )
    assert (
        result.next_run.when
        == services.activity.drop_check_key(
            week_by_key(
                "2026-W49",
                services.competition.competition.tz,
                services.competition.competition.week_start_index,
            )
        )[1]
    )
    # Run again (a retried fire): the alert was claimed already, nothing is published twice.
    assert (await services.activity.run_drop_check(job)).publications == ()


async def test_the_database_refuses_a_second_alert_for_the_same_cohort_and_week(db: Database):
    values = {
        "cohort": "rookie",
        "week_key": "2026-W48",
        "previous_actives": 20,
        "actives": 10,
        "drop_percent": 50,
        "status": "claimed",
        "created_at": T0,
    }
    async with db.write() as conn:
        await conn.execute(insert(activity_alerts).values(**values))
    with pytest.raises(Exception, match=r"(?i)unique"):
        async with db.write() as conn:
            await conn.execute(insert(activity_alerts).values(**values))


async def test_no_alert_for_a_drop_below_the_threshold(services: Services, clock: FrozenClock):
    users = list(range(1, 21))
    for user in users:
        await in_cohort(services, user, "rookie")
    await active_week(services, clock, W48_START - WEEK, users)
    await active_week(services, clock, W48_START, users[:18])  # -10% < 15%
    clock.set(W48_START + WEEK)
    assert await services.activity.check_drop("2026-W48") == []


async def test_no_alert_when_last_week_was_under_the_minimum_baseline(
    services: Services, clock: FrozenClock
):
    for user in (1, 2):
        await in_cohort(services, user, "rookie")
    await active_week(services, clock, W48_START - WEEK, [1, 2])
    await active_week(services, clock, W48_START, [1])  # 2 -> 1 is -50% but says nothing
    clock.set(W48_START + WEEK)
    assert await services.activity.check_drop("2026-W48") == []


async def test_an_empty_previous_week_raises_no_alert(services: Services, clock: FrozenClock):
    users = list(range(1, 15))
    for user in users:
        await in_cohort(services, user, "rookie")
    await active_week(services, clock, W48_START, users)
    clock.set(W48_START + WEEK)
    assert await services.activity.check_drop("2026-W48") == []
    clock.set(W48_START + 2 * WEEK)
    assert await services.activity.check_drop("2026-W49") != []  # 14 -> 0 the week after


async def test_a_smaller_configured_threshold_and_baseline_are_honoured(
    services: Services, clock: FrozenClock
):
    engagement = services.competition.engagement.model_copy(
        update={"drop_alert_percent": 50, "drop_alert_min_actives": 2}
    )
    services.activity.competition = services.competition.model_copy(
        update={"engagement": engagement}
    )
    for user in (1, 2):
        await in_cohort(services, user, "rookie")
    await active_week(services, clock, W48_START - WEEK, [1, 2])
    await active_week(services, clock, W48_START, [1])
    clock.set(W48_START + WEEK)
    assert [a.cohort for a in await services.activity.check_drop("2026-W48")] == ["rookie"]


def test_the_drop_check_runs_when_the_week_ends(services: Services, clock: FrozenClock):
    key, when = services.activity.drop_check_key(services.activity.current_week())
    assert key == f"{DROP_CHECK_JOB}:2026-W48"
    assert when == W48_START + WEEK


def test_the_local_day_follows_the_clock_both_ways_across_midnight(
    services: Services, clock: FrozenClock
):
    activity = services.activity
    clock.set(LOCAL_MIDNIGHT)
    assert activity.local_day() == dt.date(2026, 11, 26)
    clock.set(LOCAL_MIDNIGHT - ONE_SECOND)
    assert activity.local_day() == dt.date(2026, 11, 25)
    clock.set(LOCAL_MIDNIGHT + dt.timedelta(days=1))
    assert activity.local_day() == dt.date(2026, 11, 27)
