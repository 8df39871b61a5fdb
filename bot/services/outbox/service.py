"""The WhatsApp outbox: features hand messages to the relay here, never to Twilio directly.

Enqueueing is idempotent per (occurrence, subscriber), so a job that runs twice (a restart
mid-way, a catch-up at start) queues each message once. The relay worker
(``bot/whatsapp/relay.py``) claims what is queued and records what became of each row
through this service; until WhatsApp is configured, rows simply wait. Delivery statuses
(Twilio's callbacks and the relay's findings) are applied forward only and, for
callbacks, at most once.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.group_commit import GroupCommit
from bot.services.outbox import rules
from bot.services.outbox.callbacks import StatusCallback, StatusCallbacks
from storage.engine import Database
from storage.queries import outbox as outbox_queries
from storage.queries import relay as relay_queries
from storage.queries import whatsapp as wa_queries
from storage.queries.relay import ClaimedRow
from storage.wakeup import LeaseWatch

log = logging.getLogger(__name__)

#: While the relay's senders ask for consent checks together, how long a check waits for
#: more to share its read (seconds): a little latency before a create call Twilio answers
#: in a hundred times that, for a read shared by several.
CHECK_LINGER = 0.002


class _StatusRaced(Exception):
    """The row's status changed between reading and writing it: roll back, try again."""


@dataclass(slots=True)
class OutboxService:
    """Queues WhatsApp messages for an audience of subscribers, hands them to the relay
    and records their delivery."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    #: When a gone relay's ``sending`` rows may be taken over (the scheduler's, which holds
    #: this process's lease; no grace by default).
    leases: LeaseWatch = field(default_factory=LeaseWatch)
    _callbacks: StatusCallbacks = field(init=False, repr=False)
    _checks: GroupCommit[int, bool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._callbacks = StatusCallbacks(self.db, self.clock)
        self._checks = GroupCommit(
            self._check_batch,
            max_batch=500,
            name="outbox-consent-check",
            linger=CHECK_LINGER,
        )

    async def enqueue(
        self,
        *,
        occurrence_key: str,
        kind: str,
        texts: Mapping[str, str],
        variables: Mapping[str, Mapping[str, Any]] | None = None,
        cohort: str | None = None,
        track: str | None = None,
        user_ids: Sequence[int] | None = None,
    ) -> int:
        """Queue ``texts`` (per language) for the audience; returns how many rows were added.

        ``kind`` picks the WhatsApp template used outside the 24-hour window
        (``reminder``, ``broadcast``, ``leaderboard``); ``variables`` are its values per
        language. Audience: everyone, or one cohort, or one track (this season), or the
        members ``user_ids`` (e.g. one judge).
        """
        if "en" not in texts:
            raise ValueError("an English text is required (the fallback language)")
        audience = outbox_queries.audience_subscribers(
            season=self.competition.competition.season,
            cohort=cohort,
            track=track,
            user_ids=user_ids,
        )
        async with self.db.write() as conn:
            return await outbox_queries.enqueue(
                conn,
                occurrence_key=occurrence_key,
                kind=kind,
                texts=texts,
                variables=variables or {},
                audience=audience,
                now=self.clock.now(),
            )

    # -- the relay's side: claiming and recording -----------------------------------------
    async def claim(self, *, limit: int, owner: int | None = None) -> list[ClaimedRow]:
        """Move up to ``limit`` due rows to ``sending`` for the relay whose lease key is
        ``owner`` and return them; rows that may no longer be sent are cancelled instead,
        and at most one row per number is claimed."""
        async with self.db.write() as conn:
            return await relay_queries.claim_batch(
                conn, now=self.clock.now(), limit=limit, owner=owner
            )

    async def still_allowed(self, row_id: int) -> bool:
        """Just before a claimed row is sent: whether it is still ``sending`` and may be
        sent (a STOP, unlink or erasure committed since the claim says no).

        The read starts after this call: checks asked while one read runs are answered
        together by the next, so a consent change committed before the call is seen, and
        the relay's senders share one query instead of one each."""
        return await self._checks.submit(row_id)

    @property
    def consent_check_batches(self) -> tuple[int, int]:
        """(reads, checks) answered so far by :meth:`still_allowed` (benchmarks, tests)."""
        return self._checks.batches, self._checks.items

    async def _check_batch(self, row_ids: list[int]) -> list[bool]:
        async with self.db.read() as conn:
            allowed = await relay_queries.still_allowed(conn, row_ids, now=self.clock.now())
        return [row_id in allowed for row_id in row_ids]

    async def record_accepted(self, accepted: Sequence[tuple[int, str, str]]) -> None:
        """Record Twilio's SIDs for ``(outbox id, sid, mode)``; a row a callback already
        moved further keeps its status."""
        async with self.db.write() as conn:
            await relay_queries.record_accepted(conn, accepted, now=self.clock.now())

    async def record_retry(
        self,
        row: ClaimedRow,
        *,
        needs_check: bool,
        error: str,
        rng: random.Random | None = None,
    ) -> None:
        """Put a ``sending`` row back in the queue for a later attempt, after the backoff
        its attempts call for (``needs_check``: look in Twilio's list before resending)."""
        now = self.clock.now()
        async with self.db.write() as conn:
            await relay_queries.record_retry(
                conn,
                row.id,
                next_attempt_at=now + rules.backoff(row.attempts, rng),
                needs_check=needs_check,
                error=error,
                now=now,
            )

    async def record_failed(self, row_id: int, *, error_code: int | None, error: str) -> None:
        """Fail a row for good with Twilio's error code (or None and a reason)."""
        async with self.db.write() as conn:
            await relay_queries.record_failed(
                conn, row_id, error_code=error_code, error=error, now=self.clock.now()
            )

    async def unclaim(self, row_ids: Sequence[int], *, owner: int | None) -> int:
        """Claimed rows the relay ``owner`` did not send (its lease was lost meanwhile) go
        back to the queue, unless another relay took them over already; returns how many."""
        async with self.db.write() as conn:
            return await relay_queries.unclaim(conn, row_ids, owner=owner, now=self.clock.now())

    async def cancel_claimed(self, row_id: int) -> None:
        """A claimed (``sending``) row lost its consent before its send: ``cancelled``."""
        async with self.db.write() as conn:
            await relay_queries.set_status(
                conn,
                row_id,
                expected=rules.SENDING,
                status=rules.CANCELLED,
                sid=None,
                error_code=None,
                now=self.clock.now(),
            )

    async def release_sending(self, *, own: int | None = None) -> int:
        """Rows left ``sending`` by a process that is gone (any relay but the one whose
        lease key is ``own``, unless its lease is still held, or was free for less than
        the grace of ``leases``) go back to the queue, to be checked against Twilio's list
        before a resend; returns how many."""
        async with self.db.write() as conn:
            return await relay_queries.release_sending(
                conn, now=self.clock.now(), own=own, leases=self.leases
            )

    async def next_due(self) -> dt.datetime | None:
        """When the earliest queued row is due (None: nothing is queued)."""
        async with self.db.read() as conn:
            return await relay_queries.next_attempt_at(conn)

    async def stale(self, older_than: dt.timedelta, *, limit: int) -> list[tuple[int, str]]:
        """(id, sid) of rows Twilio took whose status has not moved for ``older_than``
        (their callbacks may have been lost), oldest first."""
        async with self.db.read() as conn:
            return await relay_queries.stale(
                conn, before=self.clock.now() - older_than, limit=limit
            )

    async def known_sids(self, sids: Iterable[str]) -> set[str]:
        """The SIDs among ``sids`` already recorded on some outbox row."""
        async with self.db.read() as conn:
            return await relay_queries.known_sids(conn, sids)

    async def backlog(self) -> dict[str, int]:
        """Queued rows due now and rows waiting for a retry (for /healthz)."""
        async with self.db.read() as conn:
            due, waiting = await relay_queries.backlog(conn, now=self.clock.now())
        return {"due": due, "waiting": waiting}

    # -- delivery statuses ----------------------------------------------------------------
    async def apply_callback(
        self, *, outbox_id: int, sid: str, twilio_status: str, error_code: int | None
    ) -> str | None:
        """Apply a signed Twilio status callback at most once (its receipt is
        MessageSid:MessageStatus), forward only, in a group commit with the callbacks
        arriving meanwhile. Returns the row's new status (None: unchanged) once it is
        committed; raises when it could not be, so the webhook answers 5xx and Twilio
        sends the callback again."""
        incoming = rules.outbox_status(twilio_status)
        if incoming is None:
            return None
        return await self._callbacks.submit(
            StatusCallback(
                outbox_id=outbox_id,
                sid=sid,
                incoming=incoming,
                twilio_status=twilio_status,
                error_code=error_code,
            )
        )

    @property
    def callback_batches(self) -> tuple[int, int]:
        """(transactions, callbacks) applied by the group commit so far (benchmarks)."""
        return self._callbacks.commit.batches, self._callbacks.commit.items

    async def apply_status(
        self,
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
                return await self._apply_once(outbox_id, sid, incoming, error_code, receipt)
            except _StatusRaced:
                continue
        return None

    async def _apply_once(
        self,
        outbox_id: int,
        sid: str | None,
        incoming: str,
        error_code: int | None,
        receipt: str | None,
    ) -> str | None:
        now = self.clock.now()
        async with self.db.write() as conn:
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
