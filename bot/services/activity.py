"""Engagement activity: per-member daily counts, daily and weekly actives, the drop alert.

Counts only, never content: a message, an interaction or a counted vote adds 1 to the
member's counter for the competition timezone's calendar day of ``clock.now()``.

``record`` is in memory (a dict keyed by (user id, local day), O(1), no I/O); ``flush``
writes the buffer to ``activity_daily`` as upsert-adds in one transaction. A crash loses
at most the counts recorded since the last flush (the bot flushes every 30 seconds and on
shutdown).

A member is "active" on a day when any counter is above zero. Daily and weekly actives
per cohort are read from rollups that every flush and erasure keep exact in the same
transaction (``bot.services.activity_rollups``: which cohort counts, late counts, erasure),
so the dashboard reads a few dozen rows whatever the season's size.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import Week, local_midnight, next_week, previous_week, week_by_key, week_of
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Job, JobResult, NextRun
from bot.services.activity_rollups import erase_deltas, plan_flush, week_start_of, weeks_between
from bot.services.publications import Publication
from storage.engine import Database
from storage.queries import activity as q
from storage.queries.activity import CountRow

log = logging.getLogger(__name__)

ActivityKind = Literal["message", "interaction", "vote"]
_SLOT: dict[str, int] = {"message": 0, "interaction": 1, "vote": 2}

#: Scheduled job kind of the weekly drop check (one occurrence per week key).
DROP_CHECK_JOB = "activity:drop-check"
#: The publication kind of a drop alert's post in the organizers' channel.
ALERT_PUBLICATION = "activity.drop-alert"
#: Where drop alerts go (recorded by /admin setup).
ORGANIZERS = "channel:organizers"


@dataclass(frozen=True, slots=True)
class DailyActives:
    """Distinct active members of one cohort on one competition-local day."""

    day: dt.date  # the competition timezone's calendar day
    cohort: str  # cohort key, "" for members without one
    actives: int  # distinct members with any counted activity that day


@dataclass(frozen=True, slots=True)
class WeeklyActives:
    """Distinct active members of one cohort during one competition week."""

    week_key: str  # bot.calendar week key, e.g. "2026-W48"
    week_start: dt.date
    cohort: str
    actives: int


@dataclass(frozen=True, slots=True)
class DropAlert:
    """A claimed week-over-week drop alert for one cohort (posted at most once)."""

    id: int
    cohort: str
    week_key: str
    previous_actives: int
    actives: int
    drop_percent: int  # rounded to a whole percent


@dataclass(frozen=True, slots=True)
class CohortStats:
    """One cohort's line in ``/admin stats``."""

    cohort: str
    today: int
    yesterday: int
    this_week: int
    last_week: int

    @property
    def change_percent(self) -> int | None:
        """Week-over-week change in whole percent (None when last week had nobody)."""
        if self.last_week == 0:
            return None
        return round((self.this_week - self.last_week) * 100 / self.last_week)


@dataclass(frozen=True, slots=True)
class ActivityStats:
    """What ``/admin stats`` shows about activity: per cohort, plus totals."""

    today: dt.date
    week_key: str
    cohorts: tuple[CohortStats, ...]
    members_counted: int  # distinct active members this week, all cohorts
    votes_this_week: int
    teams: int  # active teams this season
    subscribers: int  # WhatsApp subscribers who have not opted out


def drop_percent(previous: int, current: int) -> int:
    """The drop from ``previous`` to ``current`` in whole percent (negative for growth)."""
    if previous <= 0:
        return 0
    return round((previous - current) * 100 / previous)


def is_alarming_drop(previous: int, current: int, *, percent: int, min_actives: int) -> bool:
    """True when ``current`` is at least ``percent``% below ``previous`` and ``previous``
    reached the minimum baseline (exact integer arithmetic, no rounding)."""
    if previous < max(min_actives, 1):
        return False
    return (previous - current) * 100 >= percent * previous


class ActivityService:
    """Counts activity in memory, flushes it, and aggregates actives per cohort."""

    def __init__(self, db: Database, clock: Clock, competition: CompetitionConfig) -> None:
        self.db = db
        self.clock = clock
        self.competition = competition
        self._tz = ZoneInfo(competition.competition.timezone)
        self._week_start = competition.competition.week_start_index
        self._buffer: dict[tuple[int, dt.date], list[int]] = {}
        self._flush_lock = asyncio.Lock()
        self._flushing: set[int] | None = None
        self._forgotten_mid_flush: set[int] = set()
        self._rollups_ready = False
        never = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._day_cache: tuple[dt.datetime, dt.datetime, dt.date] = (never, never, dt.date.min)

    # -- counting -----------------------------------------------------------------------
    def local_day(self, instant: dt.datetime | None = None) -> dt.date:
        """The competition timezone's calendar day of ``instant`` (default: now)."""
        when = instant or self.clock.now()
        start, end, day = self._day_cache
        if start <= when < end:
            return day
        day = when.astimezone(self._tz).date()
        # [local midnight, next local midnight) in UTC, so most calls skip the tz maths
        self._day_cache = (
            local_midnight(day, self._tz),
            local_midnight(day + dt.timedelta(days=1), self._tz),
            day,
        )
        return day

    def record(self, user_id: int, kind: ActivityKind, *, count: int = 1) -> None:
        """Count ``count`` events of ``kind`` for the member today (competition-local day).

        In memory, O(1), no I/O; persisted by the next ``flush``.
        """
        if count <= 0:
            return
        key = (user_id, self.local_day())
        counts = self._buffer.get(key)
        if counts is None:
            counts = self._buffer[key] = [0, 0, 0]
        counts[_SLOT[kind]] += count

    @property
    def buffered(self) -> int:
        """How many (member, day) counters wait for the next flush."""
        return len(self._buffer)

    def forget(self, user_id: int) -> None:
        """Drop the member's buffered counts (privacy erase). Rows already written are the
        caller's to delete; counts of a flush running right now are deleted again after it
        commits, so an erase never races a flush back into the database."""
        for key in [k for k in self._buffer if k[0] == user_id]:
            del self._buffer[key]
        if self._flushing is not None and user_id in self._flushing:
            self._forgotten_mid_flush.add(user_id)

    async def flush(self) -> int:
        """Write the buffered counts (upsert-add) in ONE transaction; returns rows written.

        Only what was written is taken out of the buffer: counts recorded while the write
        runs stay for the next flush. On failure nothing is taken out (and the error is
        raised). A crash loses at most the counts recorded since the last flush.
        """
        async with self._flush_lock:
            if not self._buffer:
                return 0
            snapshot = {key: tuple(counts) for key, counts in self._buffer.items()}
            self._flushing = {u for u, _ in snapshot}
            try:
                async with self.db.write() as conn:
                    written = await self._write_counts(conn, snapshot)
            finally:
                self._flushing = None
            for key, counts in snapshot.items():
                current = self._buffer.get(key)
                if current is None:
                    continue
                for slot in range(3):
                    current[slot] -= counts[slot]
                if not any(current):
                    del self._buffer[key]
            forgotten, self._forgotten_mid_flush = self._forgotten_mid_flush, set()
            if forgotten:
                async with self.db.write() as conn:
                    await self.erase_counts(conn, forgotten)
            return written

    async def _write_counts(
        self, conn: AsyncConnection, snapshot: dict[tuple[int, dt.date], tuple[int, ...]]
    ) -> int:
        """Upsert-add the counts and apply their rollup changes, in ``conn``'s transaction."""
        await q.lock_rollups(conn)
        users = {u for u, _ in snapshot}
        weeks = {week_start_of(d, self._week_start) for _, d in snapshot}
        existing = await q.days_of(conn, users, min(weeks), max(weeks) + dt.timedelta(days=6))
        stored = {(row.user_id, row.day) for row in existing}
        cohorts = await q.cohorts_of(conn, {u for u, d in snapshot if (u, d) not in stored})
        plan = plan_flush(snapshot, existing, cohorts, self._week_start)
        rows = [
            CountRow(
                user_id=u,
                day=d,
                messages=c[0],
                interactions=c[1],
                votes=c[2],
                cohort=plan.new_rows.get((u, d), ""),
            )
            for (u, d), c in snapshot.items()
        ]
        written = await q.add_counts(conn, rows)
        await q.add_actives(conn, plan.daily, plan.weekly)
        return written

    async def erase_counts(self, conn: AsyncConnection, user_ids: Iterable[int]) -> int:
        """Delete every stored count of these members in ``conn``'s transaction, first
        subtracting from the rollups what their rows added; returns rows deleted."""
        await q.lock_rollups(conn)
        ids = set(user_ids)
        daily, weekly = erase_deltas(await q.days_of(conn, ids), self._week_start)
        await q.add_actives(conn, daily, weekly)
        return await q.delete_for_users(conn, ids)

    # -- rollups ------------------------------------------------------------------------
    async def ensure_rollups(self) -> bool:
        """Build the rollups from ``activity_daily`` when they were never built or were
        built for another week start (first start after the migration, or the configured
        week start changed); returns True when it rebuilt. Cheap once built."""
        if self._rollups_ready:
            return False
        async with self.db.read() as conn:
            built_for = await q.rollup_week_start(conn)
        rebuilt = built_for != self._week_start
        if rebuilt:
            await self.rebuild_rollups()
        self._rollups_ready = True
        return rebuilt

    async def rebuild_rollups(self) -> None:
        """Recompute both rollups from ``activity_daily`` (full scans) in one transaction."""
        async with self.db.write() as conn:
            await q.lock_rollups(conn)
            span = await q.activity_day_range(conn)
            daily: list[tuple[dt.date, str, int]] = []
            weekly: list[tuple[dt.date, str, int]] = []
            if span is not None:
                daily = await q.actives_by_day(conn, *span)
                for week in weeks_between(*span, self._week_start):
                    found = await q.actives_between(conn, week, week + dt.timedelta(days=6))
                    weekly.extend((week, cohort, n) for cohort, n in found.items())
            await q.replace_rollups(
                conn, daily, weekly, week_start_index=self._week_start, now=self.clock.now()
            )
        log.info("activity rollups rebuilt days=%d weeks=%d", len(daily), len(weekly))

    # -- aggregation --------------------------------------------------------------------
    def _cohort_order(self, found: Iterable[str]) -> list[str]:
        configured = [c.key for c in self.competition.cohorts]
        extra = sorted(set(found) - set(configured))
        return configured + extra

    async def daily_actives(self, *, days: int = 14) -> list[DailyActives]:
        """Daily actives per cohort for the last ``days`` competition-local days, today
        included, oldest first; every configured cohort has a row for every day (0 when
        quiet), "" (no cohort) appears only when it had activity. Reads the database:
        call ``flush`` first for counts up to this second."""
        days = max(1, days)
        today = self.local_day()
        first = today - dt.timedelta(days=days - 1)
        await self.ensure_rollups()
        async with self.db.read() as conn:
            found = await q.rolled_up_days(conn, first, today)
        counts = {(day, cohort): n for day, cohort, n in found}
        cohorts = self._cohort_order(c for _, c, _ in found)
        return [
            DailyActives(
                day=first + dt.timedelta(days=i),
                cohort=cohort,
                actives=counts.get((first + dt.timedelta(days=i), cohort), 0),
            )
            for i in range(days)
            for cohort in cohorts
        ]

    def _weeks_back(self, weeks: int) -> list[Week]:
        current = week_of(self.clock.now(), self._tz, self._week_start)
        result = [current]
        for _ in range(max(1, weeks) - 1):
            result.append(previous_week(result[-1], self._tz))
        return list(reversed(result))

    async def weekly_actives(self, *, weeks: int = 8) -> list[WeeklyActives]:
        """Weekly actives per cohort for the current week and the ``weeks - 1`` before it,
        oldest first (a member active on several days of a week counts once). Same row
        rules as ``daily_actives``; reads the database (call ``flush`` first)."""
        back = self._weeks_back(weeks)
        await self.ensure_rollups()
        async with self.db.read() as conn:
            found_by_week = await q.rolled_up_weeks(conn, [w.first_day for w in back])
        per_week = [(week, found_by_week.get(week.first_day, {})) for week in back]
        cohorts = self._cohort_order(c for _, found in per_week for c in found)
        return [
            WeeklyActives(
                week_key=week.key,
                week_start=week.first_day,
                cohort=cohort,
                actives=found.get(cohort, 0),
            )
            for week, found in per_week
            for cohort in cohorts
        ]

    async def stats(self) -> ActivityStats:
        """``/admin stats``: flushes first, then today/yesterday and this/last week per
        cohort, distinct actives this week and counted votes this week."""
        await self.flush()
        await self.ensure_rollups()
        today = self.local_day()
        yesterday = today - dt.timedelta(days=1)
        week = week_of(self.clock.now(), self._tz, self._week_start)
        last = previous_week(week, self._tz)
        async with self.db.read() as conn:
            by_day = await q.rolled_up_days(conn, yesterday, today)
            weeks = await q.rolled_up_weeks(conn, [week.first_day, last.first_day])
            this_week = weeks.get(week.first_day, {})
            last_week = weeks.get(last.first_day, {})
            votes = await q.vote_total_between(
                conn, week.first_day, week.first_day + dt.timedelta(days=6)
            )
            team_count, subscriber_count = await q.team_and_subscriber_counts(
                conn, self.competition.competition.season
            )
        daily = {(day, cohort): n for day, cohort, n in by_day}
        cohorts = self._cohort_order([c for _, c, _ in by_day] + list(this_week) + list(last_week))
        lines = tuple(
            CohortStats(
                cohort=cohort,
                today=daily.get((today, cohort), 0),
                yesterday=daily.get((yesterday, cohort), 0),
                this_week=this_week.get(cohort, 0),
                last_week=last_week.get(cohort, 0),
            )
            for cohort in cohorts
        )
        return ActivityStats(
            today=today,
            week_key=week.key,
            cohorts=lines,
            members_counted=sum(this_week.values()),
            votes_this_week=votes,
            teams=team_count,
            subscribers=subscriber_count,
        )

    # -- drop alert ---------------------------------------------------------------------
    def current_week(self) -> Week:
        """The competition week containing now."""
        return week_of(self.clock.now(), self._tz, self._week_start)

    def drop_check_key(self, week: Week) -> tuple[str, dt.datetime]:
        """The job key and run time (the week's end, UTC) of the drop check for ``week``."""
        return f"{DROP_CHECK_JOB}:{week.key}", week.end

    def drop_check_run(self, week_key: str) -> NextRun:
        """The pending check of ``week_key``, at the week's end (scheduling it is idempotent)."""
        competition = self.competition.competition
        week = week_by_key(week_key, competition.tz, competition.week_start_index)
        key, when = self.drop_check_key(week)
        return NextRun(DROP_CHECK_JOB, key, when, {"week": week.key})

    @staticmethod
    def alert_publications(alerts: Iterable[DropAlert]) -> tuple[Publication, ...]:
        """The posts of ``alerts`` in the organizers' channel, one journal key per alert."""
        return tuple(
            Publication(f"drop-alert:{alert.id}", ALERT_PUBLICATION, alert, resource=ORGANIZERS)
            for alert in alerts
        )

    async def run_drop_check(self, job: Job) -> JobResult:
        """The drop-check job: claim this week's alerts, post them, check next week next."""
        week_key = str(job.payload["week"])
        alerts = await self.check_drop(week_key)
        competition = self.competition.competition
        following = next_week(
            week_by_key(week_key, competition.tz, competition.week_start_index), competition.tz
        )
        return JobResult(
            publications=self.alert_publications(alerts),
            next_run=self.drop_check_run(following.key),
        )

    async def check_drop(self, week_key: str) -> list[DropAlert]:
        """Compare each cohort's weekly actives of ``week_key`` with the week before and
        claim an alert for every drop of at least ``[engagement] drop_alert_percent`` from
        a previous week with at least ``drop_alert_min_actives`` actives.

        Flushes first. The claim (UNIQUE (cohort, week_key)) is made in the same
        transaction as the decision, so a re-run returns only alerts not claimed before:
        each cohort gets at most one alert per week, even across crashes.
        """
        await self.flush()
        await self.ensure_rollups()
        rules = self.competition.engagement
        week = week_by_key(week_key, self._tz, self._week_start)
        before = previous_week(week, self._tz)
        claimed: list[DropAlert] = []
        async with self.db.write() as conn:
            weeks = await q.rolled_up_weeks(conn, [week.first_day, before.first_day])
            current = weeks.get(week.first_day, {})
            previous = weeks.get(before.first_day, {})
            for cohort in self._cohort_order(list(current) + list(previous)):
                prev, now_count = previous.get(cohort, 0), current.get(cohort, 0)
                if not is_alarming_drop(
                    prev,
                    now_count,
                    percent=rules.drop_alert_percent,
                    min_actives=rules.drop_alert_min_actives,
                ):
                    continue
                percent = drop_percent(prev, now_count)
                alert_id = await q.claim_alert(
                    conn,
                    cohort=cohort,
                    week_key=week.key,
                    previous_actives=prev,
                    actives=now_count,
                    drop_percent=percent,
                    now=self.clock.now(),
                )
                if alert_id is not None:
                    claimed.append(
                        DropAlert(
                            id=alert_id,
                            cohort=cohort,
                            week_key=week.key,
                            previous_actives=prev,
                            actives=now_count,
                            drop_percent=percent,
                        )
                    )
        return claimed

    async def unposted_alerts(self) -> list[DropAlert]:
        """Alerts claimed by a drop check whose posting was never recorded: the process
        that claimed them stopped first. Posted again at start (through a post claim with a
        nonce, so one that did reach Discord is not posted twice)."""
        async with self.db.read() as conn:
            rows = await q.unposted_alerts(conn)
        return [
            DropAlert(
                id=row.id,
                cohort=row.cohort,
                week_key=row.week_key,
                previous_actives=row.previous_actives,
                actives=row.actives,
                drop_percent=row.drop_percent,
            )
            for row in rows
        ]

    async def alert_posted(self, alert_id: int, *, message_id: int | None) -> None:
        """Record that a claimed alert was posted (``message_id``) or could not be (None)."""
        async with self.db.write() as conn:
            await q.finish_alert(
                conn,
                alert_id,
                status="posted" if message_id is not None else "failed",
                message_id=message_id,
            )
