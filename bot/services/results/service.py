"""``ResultsService``: the store-results service as one object (metrics engine, imports)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.results.engine import ResultsMetrics


@dataclass(slots=True)
class ResultsService(ResultsMetrics):
    """Store results: metrics per team and breakdowns (``engine``); ``on_applied``
    listeners (``base``)."""
