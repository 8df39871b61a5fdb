"""The calendar service: the season's phases, their notice jobs and the feed's events.

The phases come from ``[[calendar.phases]]``. Each phase has up to three notices: when it
opens, ``deadline_notice`` before it ends (skipped when that falls before the opening)
and when it closes. A notice is the scheduled job ``calendar:<season>:<phase>:<what>``;
the same key is its WhatsApp occurrence in the outbox and its post in the journal of
Discord posts, so a notice goes out once even when its job runs again after a crash.

The notices form a chain: each run returns the next notice of the plan as its next run,
and ``ensure_job`` (at every start) moves pending notices to the configured times,
withdraws those of phases no longer configured and makes sure the next notice is pending.
A notice missed while the bot was down beyond the grace period is marked missed by the
scheduler (which tells the organizers); ``ensure_job`` then continues the chain with the
first notice still to come.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.config.phases import PhaseConfig
from bot.scheduler import Job, JobResult, NextRun, Scheduler
from bot.services.calendar.models import (
    CLOSES,
    CURRENT,
    DEADLINE,
    OPENS,
    PAST,
    UPCOMING,
    FeedEntry,
    Overview,
    PhaseNotice,
    PhaseStatus,
    PlannedNotice,
)
from bot.services.contests import ContestService
from bot.services.outbox import OutboxService
from bot.services.publications import Publication
from bot.services.qa import QAService
from storage.engine import Database
from storage.queries import jobs as job_queries
from storage.queries.qa import jobs_with_prefix

log = logging.getLogger(__name__)

NOTICE_JOB = "calendar.notice"
#: The kind of a notice's post in the announcements channel, rendered by the calendar cog.
NOTICE_PUBLICATION = "calendar.notice"
ANNOUNCEMENTS = "channel:announcements"
#: What a notice says on WhatsApp: its texts and template variables, per language.
NoticeWording = Callable[[PhaseNotice], tuple[dict[str, str], dict[str, dict[str, str]]]]
#: How many Q&A sessions and contests the feed lists at most.
FEED_LIMIT = 200


@dataclass(slots=True)
class CalendarService:
    """Plans and fires the phase notices; describes the season for /calendar and the site."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    scheduler: Scheduler
    outbox: OutboxService
    qa: QAService
    contests: ContestService

    @property
    def season(self) -> str:
        """The current season label."""
        return self.competition.competition.season

    @property
    def _grace(self) -> dt.timedelta:
        return self.competition.reminders.grace_period

    def notice_key(self, phase_key: str, what: str) -> str:
        """``calendar:<season>:<phase>:<opens|deadline|closes>``."""
        return f"calendar:{self.season}:{phase_key}:{what}"

    # -- the plan -------------------------------------------------------------------------
    def plan(self) -> list[PlannedNotice]:
        """Every notice of the configured phases, in time order."""
        lead = self.competition.calendar.deadline_notice
        notices: list[PlannedNotice] = []
        for phase in self.competition.calendar.ordered:
            times = {OPENS: phase.start, DEADLINE: phase.end - lead, CLOSES: phase.end}
            if times[DEADLINE] <= phase.start:
                del times[DEADLINE]
            notices += [
                PlannedNotice(self.notice_key(phase.key, what), what, phase, at)
                for what, at in times.items()
            ]
        order = {OPENS: 2, DEADLINE: 1, CLOSES: 0}  # at one instant: a close before an opening
        return sorted(notices, key=lambda n: (n.at, order[n.what]))

    @staticmethod
    def _payload(notice: PlannedNotice) -> dict[str, Any]:
        return {"phase": notice.phase.key, "what": notice.what}

    def _next_run(self, plan: list[PlannedNotice], after_key: str | None) -> NextRun | None:
        """The notice after ``after_key`` in the plan (or, for a key no longer planned, the
        first one still to come), skipping those already beyond the grace period."""
        keys = [n.key for n in plan]
        start = keys.index(after_key) + 1 if after_key in keys else 0
        earliest = self.clock.now() - self._grace
        if after_key not in keys:
            earliest = self.clock.now()
        for notice in plan[start:]:
            if notice.at > earliest:
                return NextRun(NOTICE_JOB, notice.key, notice.at, self._payload(notice))
        return None

    async def ensure_job(self) -> str | None:
        """At start (idempotent): move pending notices to their configured time, withdraw
        those no longer planned, and make sure the next notice is pending; returns its key."""
        plan = self.plan()
        planned = {notice.key: notice for notice in plan}
        async with self.db.read() as conn:
            rows = await jobs_with_prefix(conn, f"calendar:{self.season}:")
        for row in rows:
            if row.status != job_queries.PENDING:
                continue
            notice = planned.get(row.key)
            if notice is None:
                await self.scheduler.cancel(row.key)
                log.info("calendar notice withdrawn key=%s (phase no longer configured)", row.key)
            elif notice.at != row.run_at:
                await self.scheduler.schedule(NOTICE_JOB, row.key, notice.at, self._payload(notice))
        earliest = self.clock.now() - self._grace
        for notice in plan:
            if notice.at <= earliest:
                continue
            row = await self.scheduler.schedule(
                NOTICE_JOB, notice.key, notice.at, self._payload(notice)
            )
            if row.status == job_queries.PENDING:
                return notice.key
        return None

    async def statuses(self) -> dict[str, str]:
        """Status per notice key of this season (for organizers and tests)."""
        async with self.db.read() as conn:
            rows = await jobs_with_prefix(conn, f"calendar:{self.season}:")
        return {row.key: row.status for row in rows}

    # -- firing ---------------------------------------------------------------------------
    async def run_notice(self, job: Job, wording: NoticeWording) -> JobResult:
        """Send one notice (idempotent per key): queue it for every WhatsApp subscriber in
        ``wording`` and return its post in the announcements channel and the next notice."""
        plan = self.plan()
        next_run = self._next_run(plan, job.key)
        notice = next((n for n in plan if n.key == job.key), None)
        if notice is None:
            log.info("calendar notice skipped key=%s: no longer configured", job.key)
            return JobResult(next_run=next_run)
        if notice.what != CLOSES and self.clock.now() >= notice.phase.end:
            log.info("calendar notice skipped key=%s: the phase is over", job.key)
            return JobResult(next_run=next_run)
        out = PhaseNotice(notice.key, notice.what, notice.phase, self._following(notice.phase))
        texts, variables = wording(out)
        added = await self.outbox.enqueue(
            occurrence_key=out.key, kind="calendar", texts=texts, variables=variables
        )
        log.info("calendar notice queued for whatsapp key=%s rows=%d", out.key, added)
        post = Publication(out.key, NOTICE_PUBLICATION, out, resource=ANNOUNCEMENTS)
        return JobResult(publications=(post,), next_run=next_run)

    def _following(self, phase: PhaseConfig) -> PhaseConfig | None:
        later = [p for p in self.competition.calendar.ordered if p.start >= phase.end]
        return later[0] if later else None

    # -- reading --------------------------------------------------------------------------
    def overview(self, now: dt.datetime | None = None) -> Overview:
        """The phases with their state, the current phase and the next deadline."""
        at = now or self.clock.now()
        statuses: list[PhaseStatus] = []
        current: PhaseConfig | None = None
        for phase in self.competition.calendar.ordered:
            if phase.end <= at:
                state = PAST
            elif phase.start <= at:
                state, current = CURRENT, phase
            else:
                state = UPCOMING
            statuses.append(PhaseStatus(phase, state))
        upcoming_ends = [s.phase for s in statuses if s.state != PAST]
        return Overview(at, tuple(statuses), current, upcoming_ends[0] if upcoming_ends else None)

    async def feed_entries(self) -> list[FeedEntry]:
        """The feed's events: the phases, the Q&A sessions not over yet and the contests'
        submission and voting windows, in time order."""
        season = self.season
        entries = [
            FeedEntry(f"{season}-phase-{p.key}@podium", "phase", p.name.en, p.start, p.end, p)
            for p in self.competition.calendar.ordered
        ]
        for session in await self.qa.upcoming(limit=FEED_LIMIT):
            entries.append(
                FeedEntry(
                    f"{season}-qa-{session.id}@podium",
                    "qa",
                    session.title,
                    session.starts_at,
                    session.ends_at,
                )
            )
        for contest in await self.contests.search("", limit=FEED_LIMIT):
            windows: Mapping[str, tuple[dt.datetime, dt.datetime]] = {
                "submissions": (contest.submissions_open, contest.submissions_close),
                "voting": (contest.voting_opens, contest.voting_ends),
            }
            for kind, (start, end) in windows.items():
                if end > start:
                    entries.append(
                        FeedEntry(
                            f"{season}-contest-{contest.id}-{kind}@podium",
                            kind,
                            contest.name,
                            start,
                            end,
                        )
                    )
        return sorted(entries, key=lambda e: (e.start, e.uid))
