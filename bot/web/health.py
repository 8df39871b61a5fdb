"""``/healthz``: the process's role, database, Discord, scheduler and relay backlog."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.roles import Role
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
    #: what this process runs (``bot.roles``); None: not reported
    role: Role | None = None
    #: a worker's Discord REST client: True once logged in (no gateway there)
    discord_rest: Callable[[], bool] | None = None
    #: the wake-up connection between processes (PostgreSQL): True while listening
    wakeup: Callable[[], bool] | None = None


async def collect_health(sources: HealthSources) -> tuple[bool, dict[str, Any]]:
    """Check database, gateway and scheduler; returns (all healthy, JSON body)."""
    body: dict[str, Any] = {}
    healthy = True
    if sources.role is not None:
        body["role"] = sources.role.name
        body["runs"] = sources.role.runs()
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
    if sources.discord_rest is not None:
        logged_in = sources.discord_rest()
        body["discord"] = {"ok": logged_in}
        healthy = healthy and logged_in
    if sources.wakeup is not None:
        # The slow poll still finds the work meanwhile: reported, not unhealthy.
        body["wakeup"] = {"ok": sources.wakeup()}
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
