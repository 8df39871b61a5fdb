"""Delivery statuses of outbox rows: Twilio's callbacks and the relay's findings, applied
forward only and, for callbacks, at most once."""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.services import relay_rules as rules
from storage.engine import Database
from storage.queries import relay as relay_queries
from storage.queries import whatsapp as wa_queries

log = logging.getLogger(__name__)


class _StatusRaced(Exception):
    """The row's status changed between reading and writing it: roll back, try again."""


async def apply_status(
    db: Database,
    clock: Clock,
    *,
    outbox_id: int,
    sid: str | None,
    twilio_status: str,
    error_code: int | None,
    receipt: str | None = None,
) -> str | None:
    """Apply a status; statuses only move forward, so duplicates and callbacks out of
    order change nothing. ``receipt`` (a status callback's MessageSid:MessageStatus)
    makes it apply at most once: a replayed callback changes nothing. Returns the row's
    new status, or None if unchanged."""
    incoming = rules.outbox_status(twilio_status)
    if incoming is None:
        return None
    # Compare-and-set, retried: the relay may record the same row in between (on
    # PostgreSQL writers run concurrently), and a lost callback would be a lost status.
    # A lost race rolls back, the receipt with it, so the retry can record it again.
    for _ in range(5):
        try:
            return await _apply_once(db, clock, outbox_id, sid, incoming, error_code, receipt)
        except _StatusRaced:
            continue
    return None


async def _apply_once(
    db: Database,
    clock: Clock,
    outbox_id: int,
    sid: str | None,
    incoming: str,
    error_code: int | None,
    receipt: str | None,
) -> str | None:
    now = clock.now()
    async with db.write() as conn:
        if receipt is not None and not await wa_queries.record_receipt(
            conn, kind="status", key=receipt, at=now
        ):
            log.info("status callback replay ignored outbox=%s", outbox_id)
            return None
        current = await relay_queries.get_status(conn, outbox_id)
        if current is None:
            return None
        status, known_sid = current
        if known_sid is not None and sid is not None and known_sid != sid:
            log.warning("status callback sid mismatch outbox=%s", outbox_id)
            return None
        target = rules.next_status(status, incoming)
        if target is None:
            return None
        code = error_code if target in (rules.FAILED, rules.UNDELIVERED) else None
        changed = await relay_queries.set_status(
            conn, outbox_id, expected=status, status=target, sid=sid, error_code=code, now=now
        )
        if not changed:
            raise _StatusRaced()
    return target
