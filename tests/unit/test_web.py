import datetime as dt

from aiohttp.test_utils import TestClient, TestServer

from bot.scheduler import Scheduler
from bot.web import HealthSources, build_web_app


class Gateway:
    def __init__(self, ready: bool) -> None:
        self.ready = ready

    def is_ready(self) -> bool:
        return self.ready

    def is_closed(self) -> bool:
        return False

    @property
    def latency(self) -> float:
        return 0.042


async def get_health(sources: HealthSources) -> tuple[int, dict]:
    async with TestClient(TestServer(build_web_app(sources))) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


async def test_healthz_is_200_when_database_gateway_and_scheduler_are_up(db, clock):
    scheduler = Scheduler(db, clock, grace=dt.timedelta(minutes=15))
    await scheduler.start()
    try:
        status, body = await get_health(
            HealthSources(db=db, scheduler=scheduler, gateway=Gateway(True))
        )
    finally:
        await scheduler.shutdown()
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["gateway"] == {"ok": True, "latency_ms": 42.0}
    assert body["scheduler"] == {"ok": True, "timers": 0}


async def test_healthz_is_503_while_the_gateway_is_not_connected(db, clock):
    scheduler = Scheduler(db, clock, grace=dt.timedelta(minutes=15))
    status, body = await get_health(
        HealthSources(db=db, scheduler=scheduler, gateway=Gateway(False))
    )
    assert status == 503
    assert body["status"] == "degraded"
    assert body["gateway"]["ok"] is False
    assert body["scheduler"]["ok"] is False


async def test_healthz_reports_a_broken_database_without_details():
    class Broken:
        async def ping(self) -> float:
            raise OSError("disk gone")

    status, body = await get_health(HealthSources(db=Broken(), scheduler=None, gateway=None))  # type: ignore[arg-type]
    assert status == 503
    assert body["database"] == {"ok": False, "error": "OSError"}
