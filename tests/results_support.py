"""Test helpers for results scoring: a metrics engine whose numbers a test sets, and the
scoring service built on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.services.registry import Services
from bot.services.results.scoring_base import Dimension, TeamMetrics
from bot.services.results.scoring_service import ResultsScoringService


class SetMetrics:
    """The metrics engine's interface over numbers the test sets (``weeks`` by first day;
    ``season`` for the whole season); records the spans it was asked for."""

    def __init__(self) -> None:
        self.weeks: dict[dt.date, TeamMetrics] = {}
        self.season: TeamMetrics = {}
        self.groups: dict[int, dict[str, dict[str, float | None]]] = {}
        self.asked: list[tuple[dt.date | None, dt.date | None]] = []

    async def team_metrics(
        self,
        *,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> TeamMetrics:
        self.asked.append((start, end))
        source = self.season if start is None else self.weeks.get(start, {})
        ids = source.keys() if team_ids is None else team_ids
        return {team_id: dict(source.get(team_id, {})) for team_id in ids}

    async def breakdown(
        self,
        *,
        by: Dimension,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[int, dict[str, dict[str, float | None]]]:
        ids = self.groups.keys() if team_ids is None else team_ids
        return {team_id: self.groups.get(team_id, {}) for team_id in ids}


def scoring_service(services: Services, metrics: SetMetrics) -> ResultsScoringService:
    """The scoring service of ``services``' database and clock, reading ``metrics``."""
    return ResultsScoringService(
        services.db,
        services.clock,
        services.competition,
        metrics,
        services.audit,
        services.points,
    )
