"""Twilio status callbacks applied in group commits: many callbacks, one transaction.

Each message brings two or more callbacks (sent, delivered, read...). Applied one per
transaction they cost more than the send itself; here callbacks that arrive while a
transaction runs wait for the next one, which records their receipts in one INSERT, reads
(and on PostgreSQL locks) their rows in one SELECT, works out every move in memory with
the same forward-only rules, and writes them in one UPDATE. On SQLite the whole
transaction is one call on the driver's thread (``storage.writer_thread``): a round trip
to that thread per statement cost more CPU than the statements.

Exactly once holds as before: a receipt (MessageSid:MessageStatus) new to the database is
applied, a replay (in the database, or earlier in the same batch) changes nothing, and
statuses only move forward. A caller's answer comes after the commit, so a webhook says
204 only for a status that is stored; if the transaction fails, its callers get the
error (the webhook answers 5xx and Twilio sends the callback again). If a batch fails,
its callbacks are applied again one transaction each, so one bad callback (a SID another
row holds, say) fails alone and never takes the others with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.services.group_commit import GroupCommit
from bot.services.outbox import rules
from storage.engine import Database
from storage.queries import relay as relay_queries
from storage.queries import status_callbacks as sqlite_queries
from storage.queries import whatsapp as wa_queries
from storage.queries.relay import StatusChange
from storage.writer_thread import write_in_thread

log = logging.getLogger(__name__)

#: Callbacks applied in one transaction at most.
MAX_BATCH = 256

#: While callbacks come in together, how long a batch waits for more before it starts
#: (seconds): Twilio waits for each answer, so without it a batch holds only what arrived
#: during the one before. A few milliseconds more before a 204 is nothing to Twilio.
LINGER = 0.005


@dataclass(frozen=True, slots=True)
class StatusCallback:
    """One signed status callback: its outbox row, Twilio's SID and status (already
    known to be one the outbox follows), and the error code of a failure."""

    outbox_id: int
    sid: str
    incoming: str  # the outbox status (``rules.outbox_status``)
    twilio_status: str  # as Twilio sent it, for the receipt
    error_code: int | None

    @property
    def receipt(self) -> str:
        """The key that makes the callback apply at most once."""
        return f"{self.sid}:{self.twilio_status.strip().lower()}"[:80]


class StatusCallbacks:
    """The group commit of status callbacks (one per process)."""

    def __init__(
        self, db: Database, clock: Clock, *, max_batch: int = MAX_BATCH, linger: float = LINGER
    ) -> None:
        self.db = db
        self.clock = clock
        self.commit: GroupCommit[StatusCallback, str | None] = GroupCommit(
            self._apply, max_batch=max_batch, name="status-callback-group-commit", linger=linger
        )

    async def submit(self, callback: StatusCallback) -> str | None:
        """Apply ``callback`` with whatever else is waiting; returns the row's new status
        (None: unchanged) once committed. Raises when its transaction failed."""
        return await self.commit.submit(callback)

    async def _apply(self, batch: list[StatusCallback]) -> Sequence[str | Exception | None]:
        try:
            return await self.apply_batch(batch)
        except Exception:
            if len(batch) == 1:
                raise
            log.warning(
                "status callback batch of %d failed; applying them one by one",
                len(batch),
                exc_info=True,
            )
        results: list[str | Exception | None] = []
        for callback in batch:
            try:
                results.extend(await self.apply_batch([callback]))
            except Exception as exc:  # this callback alone: its webhook answers 5xx
                log.warning("status callback failed outbox=%s", callback.outbox_id, exc_info=True)
                results.append(exc)
        return results

    async def apply_batch(self, batch: Sequence[StatusCallback]) -> list[str | None]:
        """Apply ``batch`` (arrival order) in one transaction; one result per callback."""
        now = self.clock.now()
        if self.db.is_sqlite:
            # The same statements in one round trip to the driver's thread (one per
            # statement through ``write()`` cost most of a callback's CPU).
            return await write_in_thread(
                self.db,
                lambda conn: sqlite_queries.apply(
                    conn,
                    kind="status",
                    receipts=[(c.receipt, c.outbox_id) for c in batch],
                    at=now,
                    decide=lambda fresh, rows: _fold(batch, fresh, rows),
                ),
            )
        async with self.db.write() as conn:
            fresh = await wa_queries.record_receipts(
                conn, kind="status", keys=[c.receipt for c in batch], at=now
            )
            rows = await relay_queries.lock_statuses(
                conn, [c.outbox_id for c in batch if c.receipt in fresh]
            )
            results, changes = _fold(batch, fresh, rows)
            await relay_queries.set_statuses(conn, changes, now=now)
        return results


def _fold(
    batch: Sequence[StatusCallback],
    fresh: set[str],
    rows: dict[int, tuple[str, str | None]],
) -> tuple[list[str | None], list[StatusChange]]:
    """Each callback's result, and one change per row moved: the callbacks applied in
    arrival order to the rows as read (each seeing the moves of those before it)."""
    state = dict(rows)
    first: dict[int, tuple[str, str | None]] = {}  # row id -> status and sid as read
    codes: dict[int, int | None] = {}
    seen: set[str] = set()
    results: list[str | None] = []
    for callback in batch:
        key = callback.receipt
        if key not in fresh or key in seen:
            log.info("status callback replay ignored outbox=%s", callback.outbox_id)
            results.append(None)
            continue
        seen.add(key)
        row = state.get(callback.outbox_id)
        if row is None:
            results.append(None)
            continue
        status, known_sid = row
        if known_sid is not None and known_sid != callback.sid:
            log.warning("status callback sid mismatch outbox=%s", callback.outbox_id)
            results.append(None)
            continue
        target = rules.next_status(status, callback.incoming)
        if target is None:
            results.append(None)
            continue
        first.setdefault(callback.outbox_id, row)
        if target in (rules.FAILED, rules.UNDELIVERED):
            codes[callback.outbox_id] = callback.error_code
        state[callback.outbox_id] = (target, known_sid or callback.sid)
        results.append(target)
    changes = [
        StatusChange(
            row_id=row_id,
            expected=expected,
            status=state[row_id][0],
            sid=state[row_id][1],
            error_code=codes.get(row_id),
        )
        for row_id, (expected, _) in sorted(first.items())
    ]
    return results, changes
