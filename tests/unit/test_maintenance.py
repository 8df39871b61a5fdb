import datetime as dt

from sqlalchemy import insert

from bot.bootstrap import build_services
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
