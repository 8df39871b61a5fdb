"""The web server (aiohttp) on the bot's event loop. This issue brings ``/healthz``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from bot.scheduler import Scheduler
from storage.engine import Database

log = logging.getLogger(__name__)


class GatewayStatus(Protocol):
    """What /healthz needs to know about the Discord connection."""

    def is_ready(self) -> bool: ...
    def is_closed(self) -> bool: ...
    @property
    def latency(self) -> float: ...


@dataclass(slots=True)
class HealthSources:
    """The parts /healthz reports on; ``gateway`` is None when this process runs no client."""

    db: Database
    scheduler: Scheduler | None
    gateway: GatewayStatus | None
    #: WhatsApp outbox backlog ({"due": n, "waiting": n}); None when WhatsApp is off
    relay_backlog: Callable[[], Awaitable[dict[str, int]]] | None = None


async def collect_health(sources: HealthSources) -> tuple[bool, dict[str, Any]]:
    """Check database, gateway and scheduler; returns (all healthy, JSON body)."""
    body: dict[str, Any] = {}
    healthy = True
    try:
        latency_ms = await sources.db.ping()
        body["database"] = {"ok": True, "latency_ms": round(latency_ms, 2)}
    except Exception as exc:
        log.warning("healthz database check failed error=%s", type(exc).__name__)
        body["database"] = {"ok": False, "error": type(exc).__name__}
        healthy = False
    if sources.gateway is not None:
        ready = sources.gateway.is_ready() and not sources.gateway.is_closed()
        latency = sources.gateway.latency
        body["gateway"] = {
            "ok": ready,
            "latency_ms": round(latency * 1000, 1) if ready and latency == latency else None,
        }
        healthy = healthy and ready
    if sources.scheduler is not None:
        running = sources.scheduler.running
        body["scheduler"] = {"ok": running, "timers": sources.scheduler.timer_count}
        healthy = healthy and running
    if sources.relay_backlog is not None:
        try:
            body["relay"] = {"ok": True, **await sources.relay_backlog()}
        except Exception as exc:
            body["relay"] = {"ok": False, "error": type(exc).__name__}
    body["status"] = "ok" if healthy else "degraded"
    return healthy, body


def build_web_app(
    sources: HealthSources, *, extra_routes: Callable[[web.Application], None] | None = None
) -> web.Application:
    """The aiohttp application with every route (``extra_routes`` adds feature routes, e.g.
    the Twilio webhooks when WhatsApp is configured)."""
    app = web.Application()
    if extra_routes is not None:
        extra_routes(app)

    async def healthz(_request: web.Request) -> web.Response:
        healthy, body = await collect_health(sources)
        return web.json_response(body, status=200 if healthy else 503)

    app.router.add_get("/healthz", healthz)
    return app


class WebServer:
    """Starts and stops the web app on the running loop."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self._host = host
        self._port = port
        self.port: int | None = None

    async def start(self) -> int:
        """Listen on host:port (port 0 picks a free one); returns the port."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._port
        log.info("web server listening host=%s port=%s", self._host, self.port)
        return self.port

    async def stop(self) -> None:
        """Close the listener and finish open requests."""
        await self._runner.cleanup()
