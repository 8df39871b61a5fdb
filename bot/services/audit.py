"""The audit log: every organizer action and every automatic repair, append-only."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.services.outbox.masking import mask_phone
from storage.engine import Database
from storage.queries import audit as audit_queries
from storage.queries.audit import AuditRow

#: Records per ``/admin audit`` page.
AUDIT_PAGE_SIZE = 10
_PHONE_RE = re.compile(r"(?:whatsapp:)?\+[1-9][0-9]{6,14}")


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

    async def page(
        self,
        *,
        page: int = 1,
        action: str | None = None,
        user_id: int | None = None,
        per_page: int = AUDIT_PAGE_SIZE,
    ) -> AuditPage:
        """One page (1-based, clamped to the pages there are) of the log, newest first.

        ``action`` matches an action or its prefix (``team`` matches ``team.admin_move``);
        ``user_id`` matches the actor or a ``user:<id>`` target. Phone numbers in
        ``details`` are masked (``mask_details``).
        """
        clean_action = action.strip().lower() if action and action.strip() else None
        async with self.db.read() as conn:
            total = await audit_queries.count(conn, action=clean_action, user_id=user_id)
            pages = max(1, -(-total // per_page))
            current = min(max(1, page), pages)
            rows = await audit_queries.page(
                conn,
                offset=(current - 1) * per_page,
                limit=per_page,
                action=clean_action,
                user_id=user_id,
            )
        entries = tuple(
            AuditEntry(
                id=row.id,
                at=row.at,
                actor_id=row.actor_id,
                action=row.action,
                target=row.target,
                details=mask_details(row.details),
            )
            for row in rows
        )
        return AuditPage(entries=entries, page=current, pages=pages, total=total)

    async def actions(self) -> list[str]:
        """Every action recorded so far (for autocomplete), sorted."""
        async with self.db.read() as conn:
            return await audit_queries.actions(conn)


def mask_phones(text: str) -> str:
    """``text`` with every E.164 number (optionally ``whatsapp:``-prefixed) masked."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0).removeprefix("whatsapp:")), text)


def mask_details(details: dict[str, Any], *, limit: int = 200) -> str:
    """``details`` as compact ``key=value`` text, phone numbers masked, at most ``limit``
    characters (an ellipsis marks the cut)."""
    text = ", ".join(
        f"{key}={json.dumps(value, ensure_ascii=False, default=str)}"
        for key, value in details.items()
    )
    text = mask_phones(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as shown to organizers (details already masked and shortened)."""

    id: int
    at: dt.datetime
    actor_id: int | None  # None: the bot itself
    action: str
    target: str | None
    details: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of the audit log: ``page`` of ``pages`` (1-based), ``total`` records."""

    entries: tuple[AuditEntry, ...]
    page: int
    pages: int
    total: int
