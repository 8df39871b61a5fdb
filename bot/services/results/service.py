"""``ResultsService``: the store-results service as one object (imports, metrics engine)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.results.engine import ResultsMetrics
from bot.services.results.imports import ResultsImports


@dataclass(slots=True)
class ResultsService(ResultsImports, ResultsMetrics):
    """Store results: imports of store exports (``imports``), metrics per team and
    breakdowns (``engine``), ``on_applied`` listeners (``base``)."""
