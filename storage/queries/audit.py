"""Queries on the append-only audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, or_, select
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


def _filtered(
    stmt: Any,
    *,
    action: str | None,
    user_id: int | None,
    user_ids: Sequence[int] | None = None,
) -> Any:
    if action:
        stmt = stmt.where(
            or_(
                audit_log.c.action == action,
                audit_log.c.action.startswith(f"{action}.", autoescape=True),
            )
        )
    if user_id is not None:
        stmt = stmt.where(
            or_(audit_log.c.actor_id == user_id, audit_log.c.target == f"user:{user_id}")
        )
    if user_ids is not None:
        stmt = stmt.where(
            or_(
                audit_log.c.actor_id.in_(list(user_ids)),
                audit_log.c.target.in_([f"user:{uid}" for uid in user_ids]),
            )
        )
    return stmt


async def page(
    conn: AsyncConnection,
    *,
    offset: int,
    limit: int,
    action: str | None = None,
    user_id: int | None = None,
    user_ids: Sequence[int] | None = None,
) -> list[AuditRow]:
    """Newest first (by time, then id), ``limit`` records after skipping ``offset``.
    ``action`` matches the action or its prefix (``team`` matches ``team.admin_move``);
    ``user_id`` matches the actor or a ``user:<id>`` target, ``user_ids`` any of several."""
    stmt = (
        select(audit_log)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    stmt = _filtered(stmt, action=action, user_id=user_id, user_ids=user_ids)
    return [AuditRow(**row._mapping) for row in await conn.execute(stmt)]


async def count(
    conn: AsyncConnection,
    *,
    action: str | None = None,
    user_id: int | None = None,
    user_ids: Sequence[int] | None = None,
) -> int:
    """How many records ``page`` filters would match."""
    stmt = _filtered(
        select(func.count()).select_from(audit_log),
        action=action,
        user_id=user_id,
        user_ids=user_ids,
    )
    return int((await conn.execute(stmt)).scalar_one())


async def actions(conn: AsyncConnection) -> list[str]:
    """Every distinct action recorded so far, sorted."""
    stmt = select(audit_log.c.action).distinct().order_by(audit_log.c.action)
    return [str(value) for value in (await conn.execute(stmt)).scalars()]
