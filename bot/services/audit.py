"""The audit log: every organizer action and every automatic repair, append-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from storage.engine import Database
from storage.queries import audit as audit_queries
from storage.queries.audit import AuditRow


@dataclass(slots=True)
class AuditService:
    """Writes and reads audit records."""

    db: Database
    clock: Clock

    async def record(
        self,
        conn: AsyncConnection,
        *,
        actor_id: int | None,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Append a record inside the caller's transaction (so it commits with the change)."""
        return await audit_queries.append(
            conn,
            at=self.clock.now(),
            actor_id=actor_id,
            action=action,
            target=target,
            details=details or {},
        )

    async def recent(self, *, limit: int = 20, action: str | None = None) -> list[AuditRow]:
        """The newest records first (at most ``limit``)."""
        async with self.db.read() as conn:
            return await audit_queries.recent(conn, limit=limit, action=action)
