"""``/metrics`` in the Prometheus text format: counts only (no personal data), so it is
served without authentication. Counts are read from the database on each scrape; the
exposition itself (prometheus_client) is ``bot.web.metrics_export``, loaded by the first
scrape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.web.render import site_of
from bot.web.site import WebSite

if TYPE_CHECKING:
    from bot.web.metrics_export import Exposition

#: The app's exposition, made by the first scrape (``"exposition"``).
METRICS_KEY: web.AppKey[dict[str, Any]] = web.AppKey("podium_metrics", dict)


def _exposition(app: web.Application) -> Exposition:
    state = app[METRICS_KEY]
    if "exposition" not in state:
        from bot.web.metrics_export import Exposition  # prometheus_client on demand

        state["exposition"] = Exposition()
    exposition: Exposition = state["exposition"]
    return exposition


async def metrics(request: web.Request) -> web.Response:
    """Take a snapshot of the counts and expose every metric."""
    site: WebSite = site_of(request)
    exposition = _exposition(request.app)
    snapshot = await site.services.dashboard.totals()
    gateway = site.gateway
    latency = gateway.latency if gateway is not None and gateway.is_ready() else None
    body = exposition.render(
        snapshot, latency if latency is not None and latency == latency else None
    )
    response = web.Response(body=body)
    response.headers["Content-Type"] = exposition.content_type
    response.headers["Cache-Control"] = "no-store"
    return response


def add_routes(app: web.Application) -> None:
    """Register ``/metrics`` (Podium's counts + process metrics, in a registry of its own)."""
    app[METRICS_KEY] = {}
    app.router.add_get("/metrics", metrics)
