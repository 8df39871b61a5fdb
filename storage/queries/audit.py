"""Queries on the append-only audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import audit_log


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: dt.datetime
    actor_id: int | None
    action: str
    target: str | None
    details: dict[str, Any]


async def append(
    conn: AsyncConnection,
    *,
    at: dt.datetime,
    actor_id: int | None,
    action: str,
    target: str | None,
    details: dict[str, Any],
) -> int:
    """Append one record; returns its id."""
    result = await conn.execute(
        insert(audit_log)
        .values(at=at, actor_id=actor_id, action=action, target=target, details=details)
        .returning(audit_log.c.id)
    )
    return int(result.scalar_one())


async def recent(
    conn: AsyncConnection, *, limit: int = 20, action: str | None = None
) -> list[AuditRow]:
    """The newest records first."""
    stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action is not None:
        stmt = stmt.where(audit_log.c.action == action)
    return [AuditRow(**row._mapping) for row in await conn.execute(stmt)]
