"""What every contest use case shares: its collaborators, the season, finding a contest."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import CompetitionConfig, VotesSection
from bot.scheduler import Scheduler
from bot.services.activity import ActivityService
from bot.services.audit import AuditService
from bot.services.contests.errors import ContestNotFound
from bot.services.points import PointsService
from storage.engine import Database
from storage.queries.contests import entries as q
from storage.queries.contests.entries import ContestRow

_T = TypeVar("_T")


def present(value: _T | None) -> _T:
    """A row read back inside the transaction that wrote it (never missing)."""
    if value is None:  # pragma: no cover - read in the writing transaction
        raise RuntimeError("row vanished inside its own transaction")
    return value


class ContestBase:
    """The collaborators the contest use cases share (``ContestService.__init__`` sets them)."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    points: PointsService
    scheduler: Scheduler
    activity: ActivityService | None
    rules: VotesSection

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    async def _resolve(self, conn: AsyncConnection, contest: str | int) -> ContestRow:
        text = str(contest).strip()
        row = None
        if text.removeprefix("#").isdigit():
            row = await q.get_contest(conn, int(text.removeprefix("#")))
            if row is not None and row.season != self.season:
                row = None
        if row is None:
            row = await q.contest_by_name(conn, self.season, text)
        if row is None:
            raise ContestNotFound(contest=text[:100])
        return row
