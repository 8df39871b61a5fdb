"""``/metrics`` in the Prometheus text format: counts only (no personal data), so it is
served without authentication. Counts are read from the database on each scrape."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.web.render import site_of
from bot.web.site import WebSite

_GAUGES = {
    "teams": ("podium_teams", "Active teams this season."),
    "team_members": ("podium_team_members", "Members in a team this season."),
    "members": ("podium_members", "Discord members the bot has seen."),
    "subscribers": ("podium_whatsapp_subscribers", "WhatsApp subscribers not opted out."),
    "pending_jobs": ("podium_scheduled_jobs_pending", "Scheduled jobs waiting to run."),
    "votes": ("podium_votes", "Counted (not voided) contest votes."),
}


class PodiumCollector(Collector):
    """Serves the snapshot taken for the current scrape (``snapshot`` is set just before
    ``generate_latest``, which calls ``collect``)."""

    def __init__(self) -> None:
        self.snapshot: dict[str, int] = {}
        self.latency: float | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges of the latest snapshot."""
        for key, (name, documentation) in _GAUGES.items():
            yield GaugeMetricFamily(name, documentation, value=self.snapshot.get(key, 0))
        outbox = GaugeMetricFamily(
            "podium_outbox_messages", "WhatsApp outbox rows by status.", labels=["status"]
        )
        for key, count in sorted(self.snapshot.items()):
            if key.startswith("outbox_"):
                outbox.add_metric([key.removeprefix("outbox_")], count)
        yield outbox
        if self.latency is not None:
            yield GaugeMetricFamily(
                "podium_gateway_latency_seconds",
                "Discord gateway heartbeat latency.",
                value=self.latency,
            )


METRICS_KEY: web.AppKey[tuple[CollectorRegistry, PodiumCollector]] = web.AppKey(
    "podium_metrics", tuple
)


async def metrics(request: web.Request) -> web.Response:
    """Take a snapshot of the counts and expose every metric."""
    site: WebSite = site_of(request)
    registry, collector = request.app[METRICS_KEY]
    collector.snapshot = await site.services.dashboard.totals()
    gateway = site.gateway
    latency = gateway.latency if gateway is not None and gateway.is_ready() else None
    collector.latency = latency if latency is not None and latency == latency else None
    response = web.Response(body=generate_latest(registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def add_routes(app: web.Application) -> None:
    """Register ``/metrics`` with its own registry (Podium's counts + process metrics)."""
    registry = CollectorRegistry(auto_describe=True)
    collector = PodiumCollector()
    registry.register(collector)
    for default in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(default)
    app[METRICS_KEY] = (registry, collector)
    app.router.add_get("/metrics", metrics)
