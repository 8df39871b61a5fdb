import datetime as dt

from sqlalchemy import insert

from bot.bootstrap import build_services
from bot.jobs import missed_notice_key
from bot.scheduler import Job, NextRun
from bot.services import maintenance
from bot.services.registry import Services
from storage.schema import audit_log


async def test_nightly_maintenance_runs_at_4am_competition_time(services: Services):
    key, when = services.maintenance.next_run()
    local = when.astimezone(services.competition.tz)
    assert local.time() == dt.time(4, 0)
    assert when > services.clock.now()
    assert key == f"maintenance.database:{local.date().isoformat()}"


async def test_maintenance_checkpoints_the_wal_to_empty(sqlite_db, clock, competition):
    services = build_services(db=sqlite_db, clock=clock, competition=competition, guild_id=1)
    now = services.clock.now()
    async with services.db.write() as conn:
        for n in range(200):
            await conn.execute(insert(audit_log).values(at=now, action=f"a{n}", details={}))
    wal = services.db.sqlite_path.with_name(services.db.sqlite_path.name + "-wal")  # type: ignore[union-attr]
    assert wal.stat().st_size > 0
    figures = await services.maintenance.run()
    assert figures["busy"] == 0
    assert figures["wal_pages"] == figures["checkpointed"]
    assert wal.stat().st_size == 0


async def test_the_nightly_job_runs_and_asks_for_the_next_night(services: Services):
    key, when = services.maintenance.next_run()
    result = await services.maintenance.run_job(Job(1, maintenance.JOB_KIND, key, when, {}))
    assert result.publications == ()
    assert result.next_run == NextRun(
        maintenance.JOB_KIND, *services.maintenance.next_run(after=when)
    )
    assert result.next_run.when - when == dt.timedelta(days=1)


def test_one_missed_jobs_notice_per_start_up_is_keyed_by_the_jobs_it_lists():
    at = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    missed = [Job(n, "broadcast.occurrence", f"b:{n}", at, {}) for n in (17, 3, 9)]
    assert missed_notice_key(missed) == "missed-jobs:3-17:3"
    assert missed_notice_key(missed[:1]) == "missed-jobs:17-17:1"
