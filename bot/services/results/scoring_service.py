"""``ResultsScoringService``: the weekly results points and the results reports as one object."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.audit import AuditService
from bot.services.points import PointsService
from bot.services.results.reports import ResultsReportService
from bot.services.results.scoring_base import MetricsSource
from bot.services.results.weekly_points import ResultsPointsService
from storage.engine import Database


@dataclass(slots=True)
class ResultsScoringService:
    """``weekly``: scoring finished weeks into the ledger and their posts; ``reports``:
    ``/results show``, ``/results board`` and the cross-analysis pages."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    metrics: MetricsSource
    audit: AuditService
    points: PointsService
    weekly: ResultsPointsService = field(init=False)
    reports: ResultsReportService = field(init=False)

    def __post_init__(self) -> None:
        self.weekly = ResultsPointsService(
            self.db, self.clock, self.competition, self.metrics, self.audit, self.points
        )
        self.reports = ResultsReportService(self.db, self.clock, self.competition, self.metrics)
