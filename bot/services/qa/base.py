"""What every part of the Q&A service shares: its collaborators, the season and the check
that a session is still open."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.scheduler import Scheduler
from bot.services.audit import AuditService
from bot.services.outbox import OutboxService
from bot.services.points import PointsService
from bot.services.qa.errors import SessionCancelled, SessionNotFound, SessionOver
from storage.engine import Database
from storage.queries import qa as q
from storage.queries.qa import SessionRow


@dataclass(slots=True)
class QABase:
    """The collaborators of every Q&A part (``QAService`` puts the parts together)."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    scheduler: Scheduler
    outbox: OutboxService
    points: PointsService

    @property
    def season(self) -> str:
        """The current season label."""
        return self.competition.competition.season

    async def _open_session(self, conn: Any, session_id: int) -> SessionRow:
        row = await q.get_session(conn, session_id, lock=True)
        if row is None or row.season != self.season:
            raise SessionNotFound(id=session_id)
        if row.status == "cancelled":
            raise SessionCancelled(id=session_id)
        if row.ends_at <= self.clock.now():
            raise SessionOver(id=session_id)
        return row
