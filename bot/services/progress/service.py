"""The progress service: the stage rules plus the daily stuck check, its alerts in the
organizers' channel and the clinic an organizer schedules from one.

The stuck check runs daily at ``[progress] check_time`` (job ``progress:stuck-check:<local
day>``). For each stage but the last, the active teams that have sat there for at least
``stuck_days`` days are stuck; when they are at least ``stuck_percent``% of the active
teams, an alert is claimed (UNIQUE (season, stage, week): once per stage and competition
week, even across crashes) with exactly those teams. Each run hands every alert of the
week to the one publisher, whose journal (key ``progress:stuck:<alert id>``) posts each
once: an alert claimed by a run that died before posting goes out with the next run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from bot.calendar import week_of
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Job, JobResult, NextRun, Scheduler
from bot.services.audit import AuditService
from bot.services.progress.errors import AlertNotFound, ClinicScheduled
from bot.services.progress.models import StuckAlert
from bot.services.progress.stages import ProgressStages
from bot.services.publications import Publication
from bot.services.qa import QAService, Session
from storage.engine import Database
from storage.queries import progress as q
from storage.queries.progress import AlertRow

log = logging.getLogger("bot.services.progress")

#: Scheduled job kind of the daily stuck check.
STUCK_JOB = "progress:stuck-check"
#: The publication kind of a stuck alert's post in the organizers' channel.
ALERT_PUBLICATION = "progress.stuck-alert"
#: Where stuck alerts go (recorded by /admin setup).
ORGANIZERS = "channel:organizers"
#: A clinic's default length.
CLINIC_DURATION = "2h"


@dataclass(frozen=True, slots=True)
class Position:
    """A team's place for the stuck check: stage index and since when."""

    team_id: int
    name: str
    index: int
    since: dt.datetime


def stuck_stages(
    positions: list[Position], *, stages: int, percent: int, days: int, now: dt.datetime
) -> list[tuple[int, list[Position]]]:
    """(stage index, its stuck teams) for each stage but the last where the teams that
    sat there at least ``days`` days are at least ``percent``% of all ``positions`` (exact
    integer arithmetic); stages in order, teams in the order given."""
    active = len(positions)
    if active == 0:
        return []
    cutoff = now - dt.timedelta(days=days)
    found: list[tuple[int, list[Position]]] = []
    for index in range(stages - 1):
        stuck = [p for p in positions if p.index == index and p.since <= cutoff]
        if stuck and len(stuck) * 100 >= percent * active:
            found.append((index, stuck))
    return found


class ProgressService(ProgressStages):
    """Team stages (``ProgressStages``), the stuck alert and clinics scheduled from it."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        competition: CompetitionConfig,
        audit: AuditService,
        scheduler: Scheduler,
        qa: QAService,
    ) -> None:
        super().__init__(db, clock, competition, audit)
        self.scheduler = scheduler
        self.qa = qa
        # Clinics are scheduled from the one gateway process's interactions: the lock
        # keeps two organizers submitting the form at once to one clinic per alert.
        self._clinic_lock = asyncio.Lock()

    # -- the daily job --------------------------------------------------------------------
    def check_run(self, day: dt.date) -> NextRun:
        """The stuck check of competition-local ``day``, at ``check_time``."""
        tz = self.competition.competition.tz
        when = dt.datetime.combine(day, self.rules.check_time, tzinfo=tz).astimezone(dt.UTC)
        return NextRun(STUCK_JOB, f"{STUCK_JOB}:{day.isoformat()}", when, {"day": day.isoformat()})

    async def ensure_job(self) -> NextRun:
        """Schedule the next stuck check (today's if its time is still ahead, else
        tomorrow's); idempotent, called at every start."""
        now = self.clock.now()
        today = now.astimezone(self.competition.competition.tz).date()
        run = self.check_run(today)
        if run.when <= now:
            run = self.check_run(today + dt.timedelta(days=1))
        await self.scheduler.schedule(run.kind, run.key, run.when, run.payload)
        return run

    async def run_stuck_check(self, job: Job) -> JobResult:
        """The daily job: claim this week's new alerts, hand every alert of the week to the
        publisher (posted once each), check again the next day."""
        await self.check_stuck()
        alerts = await self.week_alerts()
        day = dt.date.fromisoformat(str(job.payload["day"]))
        return JobResult(
            publications=tuple(
                Publication(f"progress:stuck:{a.id}", ALERT_PUBLICATION, a, resource=ORGANIZERS)
                for a in alerts
            ),
            next_run=self.check_run(day + dt.timedelta(days=1)),
        )

    def week_key(self) -> str:
        """The competition week of now."""
        competition = self.competition.competition
        return week_of(self.clock.now(), competition.tz, competition.week_start_index).key

    async def check_stuck(self) -> list[StuckAlert]:
        """Claim an alert for each stage where enough active teams are stuck (see the module
        docstring); returns the alerts claimed now (none twice per stage and week)."""
        now = self.clock.now()
        week = self.week_key()
        claimed: list[StuckAlert] = []
        async with self.db.write() as conn:
            rows = await q.team_stages(conn, self.season)
            positions = [Position(r.team_id, r.name, *self._position(r)) for r in rows]
            for index, stuck in stuck_stages(
                positions,
                stages=len(self.rules.stages),
                percent=self.rules.stuck_percent,
                days=self.rules.stuck_days,
                now=now,
            ):
                stage = self.rules.stages[index]
                alert_id = await q.claim_alert(
                    conn,
                    season=self.season,
                    stage=stage.key,
                    week_key=week,
                    team_ids=[p.team_id for p in stuck],
                    active_teams=len(positions),
                    now=now,
                )
                if alert_id is None:
                    continue
                log.info(
                    "progress stuck alert id=%s stage=%s teams=%d of %d",
                    alert_id,
                    stage.key,
                    len(stuck),
                    len(positions),
                )
                claimed.append(
                    StuckAlert(
                        id=alert_id,
                        stage=stage,
                        week_key=week,
                        teams=tuple((p.team_id, p.name) for p in stuck),
                        active=len(positions),
                        days=self.rules.stuck_days,
                        session_id=None,
                    )
                )
        return claimed

    async def _alert(self, conn: Any, row: AlertRow) -> StuckAlert:
        names = {r.team_id: r.name for r in await q.team_stages(conn, self.season, row.team_ids)}
        index = self.rules.index(row.stage)
        stage = self.rules.stages[index] if index is not None else self.rules.stages[0]
        return StuckAlert(
            id=row.id,
            stage=stage,
            week_key=row.week_key,
            teams=tuple((t, names[t]) for t in row.team_ids if t in names),
            active=row.active_teams,
            days=self.rules.stuck_days,
            session_id=row.session_id,
        )

    async def week_alerts(self) -> list[StuckAlert]:
        """This week's alerts, oldest first."""
        async with self.db.read() as conn:
            rows = await q.alerts_of_week(conn, self.season, self.week_key())
            return [await self._alert(conn, row) for row in rows]

    async def alert(self, alert_id: int) -> StuckAlert:
        """One alert of this season (AlertNotFound otherwise); its teams still active."""
        async with self.db.read() as conn:
            row = await q.get_alert(conn, alert_id)
            if row is None or row.season != self.season:
                raise AlertNotFound()
            return await self._alert(conn, row)

    # -- the clinic -----------------------------------------------------------------------
    async def schedule_clinic(
        self,
        *,
        actor_id: int,
        alert_id: int,
        title: str,
        start: str,
        duration: str | None,
        resources: str | None,
    ) -> Session:
        """Schedule an expert clinic for exactly the alert's teams (still active), hosted
        by the organizer, with ``resources`` attached to its reminders; once per alert
        (ClinicScheduled after, also to the second of two organizers submitting at once).
        Audited as ``qa.schedule`` and ``progress.clinic``."""
        async with self._clinic_lock:
            return await self._schedule_clinic(
                actor_id=actor_id,
                alert_id=alert_id,
                title=title,
                start=start,
                duration=duration,
                resources=resources,
            )

    async def _schedule_clinic(
        self,
        *,
        actor_id: int,
        alert_id: int,
        title: str,
        start: str,
        duration: str | None,
        resources: str | None,
    ) -> Session:
        alert = await self.alert(alert_id)
        if alert.session_id is not None:
            raise ClinicScheduled(id=alert.session_id)
        if not alert.teams:
            raise AlertNotFound()
        session = await self.qa.schedule(
            actor_id=actor_id,
            title=title,
            kind="expert_clinic",
            start=start,
            duration=(duration or "").strip() or CLINIC_DURATION,
            host_id=actor_id,
            teams=[team_id for team_id, _name in alert.teams],
            resources=resources,
        )
        async with self.db.write() as conn:
            await q.set_alert_session(conn, alert_id, session.id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="progress.clinic",
                target=f"progress-alert:{alert_id}",
                details={"session_id": session.id, "teams": list(session.teams)},
            )
        return session
