"""What every part of the results service shares: its collaborators, the season, the
``[results]`` config and the listeners told when an import is applied."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.config.results import ResultsSection
from bot.services.audit import AuditService
from storage.engine import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportApplied:
    """An import was applied: its season, id, kind (orders | daily) and the teams whose
    rows it added, corrected or replaced."""

    season: str
    import_id: int
    kind: str
    team_ids: frozenset[int]


ImportListener = Callable[[ImportApplied], Awaitable[None]]


@dataclass(slots=True)
class ResultsBase:
    """The collaborators of the results service and its import part."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    listeners: list[ImportListener] = field(default_factory=list)

    @property
    def season(self) -> str:
        """The current season label."""
        return self.competition.competition.season

    @property
    def config(self) -> ResultsSection:
        """The ``[results]`` table."""
        return self.competition.results

    @property
    def timezone(self) -> ZoneInfo:
        """The competition's timezone (days of daily aggregates and metric periods)."""
        return ZoneInfo(self.competition.competition.timezone)

    def on_applied(self, listener: ImportListener) -> None:
        """Await ``listener`` after every applied import (fraud scans, progress stages).
        A listener that fails is logged; the import stays applied."""
        self.listeners.append(listener)

    async def _notify(self, event: ImportApplied) -> None:
        for listener in list(self.listeners):
            try:
                await listener(event)
            except Exception:
                log.exception(
                    "results import listener failed import=%s listener=%r",
                    event.import_id,
                    listener,
                )
