"""Nightly database upkeep: a WAL checkpoint and statistics refresh at a quiet hour, run by
a job that asks for the next night each time it runs."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.calendar import next_local_time
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Job, JobResult, NextRun
from storage import maintenance as storage_maintenance
from storage.engine import Database

log = logging.getLogger(__name__)

JOB_KIND = "maintenance.database"
#: Local time of the nightly run: late enough that evening sessions have ended.
RUN_AT = dt.time(4, 0)


@dataclass(slots=True)
class MaintenanceService:
    """Keeps the database small and its query plans current."""

    db: Database
    clock: Clock
    competition: CompetitionConfig

    def next_run(self, after: dt.datetime | None = None) -> tuple[str, dt.datetime]:
        """The key and instant of the next nightly run after ``after`` (default now)."""
        when = next_local_time(after or self.clock.now(), RUN_AT, self.competition.tz)
        local_day = when.astimezone(self.competition.tz).date().isoformat()
        return f"{JOB_KIND}:{local_day}", when

    async def run(self) -> dict[str, int]:
        """Checkpoint the WAL and refresh statistics; returns figures for the log."""
        figures = await storage_maintenance.optimize(self.db)
        log.info("database maintenance done %s", " ".join(f"{k}={v}" for k, v in figures.items()))
        return figures

    async def run_job(self, job: Job) -> JobResult:
        """The nightly job: run the upkeep, then ask for the next night's run."""
        await self.run()
        key, when = self.next_run(after=job.run_at)
        return JobResult(next_run=NextRun(JOB_KIND, key, when))
