"""The Prometheus side of ``/metrics`` (``bot.web.metrics``): Podium's gauges and the
process's own metrics in one registry, rendered in the text format. Imported on the first
scrape, so prometheus_client is not loaded by a process nobody scrapes."""

from __future__ import annotations

from collections.abc import Iterator

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


class Exposition:
    """One registry with Podium's counts and the process, GC and platform metrics."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.collector = PodiumCollector()
        self.registry.register(self.collector)
        for default in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(default)

    def render(self, snapshot: dict[str, int], latency: float | None) -> bytes:
        """Every metric in the text format, Podium's from ``snapshot`` and ``latency``."""
        self.collector.snapshot = snapshot
        self.collector.latency = latency
        return generate_latest(self.registry)
