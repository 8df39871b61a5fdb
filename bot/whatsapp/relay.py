"""The relay worker: drains the WhatsApp outbox through Twilio's async client.

Rules (SPEC §4), decided by ``bot.services.outbox.rules``; rows are claimed and recorded
through ``OutboxService``, never by SQL here:

* bounded concurrency (``[whatsapp] concurrency``) and an ``aiolimiter`` at
  ``messages_per_second``;
* per recipient, freeform text inside the 24-hour window, else the configured template;
* 429 is retried with backoff and jitter; 5xx, timeouts and connection errors are retried
  too, but only after Twilio's message list shows the attempt did not arrive; 63003, 63014,
  21610 and 21211 fail at once; every failure ends ``failed`` with Twilio's error code;
* every message carries ``StatusCallback = PUBLIC_BASE_URL/twilio/status?outbox_id=<id>``;
* at start, rows left ``sending`` by a crash are checked against Twilio's message list
  before any resend; a listed message counts as the row's only when it is provably its
  own (see ``_find_earlier_attempt``), and anything ambiguous is sent again;
* consent comes from the database alone: the claim skips opted-out numbers, and each
  claimed row is checked again just before its create call, so a STOP, unlink or erasure
  committed since the claim stops it, and a START lets the next message through (the
  checks of senders passing the rate limiter together share one read).

Logs name outbox and subscriber ids, never phone numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.clock import Clock
from bot.config import MESSAGE_KINDS, CompetitionConfig, MessageKind
from bot.services.outbox import CONTENT_SID_VARIABLE, ClaimedRow, OutboxService, rules

log = logging.getLogger(__name__)


#: How often, and from what age, statuses whose callbacks never came are fetched.
REFRESH_EVERY = 300.0
REFRESH_AFTER = dt.timedelta(minutes=10)


class LeaseLost(Exception):
    """The lease held when a batch was claimed was lost before this row's send."""


class SendFailed(Exception):
    """A create call failed; carries what ``classify_failure`` needs."""

    def __init__(
        self, http_status: int | None, code: int | None, text: str, timed_out: bool
    ) -> None:
        super().__init__(text)
        self.http_status = http_status
        self.code = code
        self.timed_out = timed_out


class Relay:
    """Sends queued outbox rows; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        outbox: OutboxService,
        clock: Clock,
        competition: CompetitionConfig,
        client: Client,
        public_base_url: str,
        whatsapp_from: str | None = None,
        messaging_service_sid: str | None = None,
        poll_interval: float = 0.5,
        batch_size: int | None = None,
        rng: random.Random | None = None,
        owner: int | None = None,
        sweep_interval: float | None = None,
    ) -> None:
        """``poll_interval``: the longest idle wait (``wake()`` ends it sooner, and so does
        the next retry's time). ``owner``: this process's lease key, recorded on each claim.
        ``sweep_interval``: with several workers, how often rows claimed by a worker that
        is gone are handed back (None: only at start, one process)."""
        if not whatsapp_from and not messaging_service_sid:
            raise ValueError("a sender (whatsapp_from or messaging_service_sid) is required")
        self._outbox = outbox
        self._clock = clock
        self._competition = competition
        self.client = client
        self._status_url = public_base_url.rstrip("/") + "/twilio/status"
        self._from = whatsapp_from
        self._service_sid = messaging_service_sid
        settings = competition.whatsapp
        self._limiter = AsyncLimiter(settings.messages_per_second, 1.0)
        self._concurrency = settings.concurrency
        self.batch_size = batch_size or max(50, int(settings.messages_per_second))
        self._poll_interval = poll_interval
        self.owner = owner
        self._sweep_interval = sweep_interval
        #: This process's lease on PostgreSQL (``bot.wakeup.Waker.lease_term``): its term
        #: while held, None while lost. None here: one process, nothing to lose.
        self.lease: Callable[[], int | None] | None = None
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        """Hand rows a dead process left ``sending`` back for checking, then run."""
        released = await self.recover()
        if released:
            log.warning("relay found rows left sending by a crash count=%d", released)
        try:
            # Callbacks that came while the process was down were lost: ask for those.
            await self.refresh_stale(dt.timedelta(0))
        except (TwilioException, TimeoutError, aiohttp.ClientError, OSError):
            log.warning("relay could not refresh statuses at start", exc_info=True)
        self._task = asyncio.create_task(self._run(), name="whatsapp-relay")

    async def stop(self) -> None:
        """Stop after the batch in flight (its results are recorded)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def recover(self) -> int:
        """Rows left ``sending`` by a process that is gone go back to the queue, to be
        checked before a resend."""
        return await self._outbox.release_sending(own=self.owner)

    def wake(self) -> None:
        """New rows were queued: look now instead of at the next poll."""
        self._wake.set()

    async def refresh_stale(self, older_than: dt.timedelta = REFRESH_AFTER) -> int:
        """Fetch from Twilio the status of rows whose status has not moved for
        ``older_than`` and apply it (forward only); returns how many were fetched."""
        rows = await self._outbox.stale(older_than, limit=self.batch_size)
        for row_id, sid in rows:
            async with self._limiter:
                message = await self.client.messages(sid).fetch_async()
            await self._outbox.apply_status(
                outbox_id=row_id,
                sid=sid,
                twilio_status=str(message.status or ""),
                error_code=message.error_code,
            )
        return len(rows)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        refreshed = swept = loop.time()
        while True:
            if loop.time() - refreshed > REFRESH_EVERY:
                refreshed = loop.time()
                try:
                    await self.refresh_stale()
                except (TwilioException, TimeoutError, aiohttp.ClientError, OSError):
                    log.warning("relay status refresh failed", exc_info=True)
            try:
                if self._sweep_interval is not None and loop.time() - swept > self._sweep_interval:
                    swept = loop.time()
                    released = await self.recover()
                    if released:
                        log.warning(
                            "relay took over rows of a worker that is gone count=%d", released
                        )
                sent = await self.drain()
                idle = await self._idle_wait() if sent == 0 else 0.0
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("relay batch failed; retrying shortly")
                sent, idle = 0, self._poll_interval
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), idle)

    async def _idle_wait(self) -> float:
        """Seconds to wait for work: until the next queued row is due, at most the poll
        interval, at least a tenth of a second (rows due but locked by another worker)."""
        wait = self._poll_interval
        if self._sweep_interval is not None:
            wait = min(wait, self._sweep_interval)
        due = await self._outbox.next_due()
        if due is not None:
            wait = min(wait, max(0.1, (due - self._clock.now()).total_seconds()))
        return wait

    # -- sending ------------------------------------------------------------------------
    async def drain(self, *, max_batches: int | None = None) -> int:
        """Send every row due by the clock; returns how many rows were handled.

        Returns when no row is due (rows waiting for a retry later stay queued), or after
        ``max_batches`` batches of ``batch_size`` rows.
        """
        handled = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            term = self.lease() if self.lease is not None else 0
            if term is None:
                log.warning("relay paused: its lease is lost until the database is back")
                return handled
            batch = await self._outbox.claim(limit=self.batch_size, owner=self.owner)
            if not batch:
                return handled
            await self._send_batch(batch, term)
            handled += len(batch)
        return handled

    def _still_leased(self, term: int) -> bool:
        """Whether the lease held when the batch was claimed is still held: if it was lost
        meanwhile, even for a moment, another worker may have taken the rows over."""
        return self.lease is None or self.lease() == term

    async def _send_batch(self, batch: list[ClaimedRow], term: int) -> None:
        unsent: list[int] = []
        accepted: list[tuple[int, str, str]] = []
        reconciled: dict[int, tuple[str, str, int | None]] = {}
        slots = asyncio.Semaphore(self._concurrency)

        async def one(row: ClaimedRow) -> None:
            async with slots:
                try:
                    result = await self._send_one(row, term)
                except LeaseLost:
                    unsent.append(row.id)
                    return
            if result is not None:
                sid, mode = result
                if isinstance(mode, tuple):  # found by reconciliation, with its status
                    reconciled[row.id] = (sid, *mode)
                    mode = "reconciled"
                accepted.append((row.id, sid, mode))

        await asyncio.gather(*(one(row) for row in batch))
        if unsent:
            returned = await self._outbox.unclaim(unsent, owner=self.owner)
            log.warning(
                "relay lost its lease mid-batch: %d row(s) not sent, %d handed back",
                len(unsent),
                returned,
            )
        if accepted:
            await self._outbox.record_accepted(accepted)
            self.sent += len(accepted)
        for row_id, (sid, status, code) in reconciled.items():
            await self._outbox.apply_status(
                outbox_id=row_id, sid=sid, twilio_status=status, error_code=code
            )

    async def _send_one(
        self, row: ClaimedRow, term: int
    ) -> tuple[str, str | tuple[str, int | None]] | None:
        """Send one row; returns (sid, mode) when Twilio accepted it, else records why not.
        Raises LeaseLost when the lease of ``term`` was lost before the create call."""
        to = "whatsapp:" + row.phone_e164
        if row.needs_check:
            try:
                found = await self._find_earlier_attempt(row, to)
            except (TwilioException, TimeoutError, aiohttp.ClientError, OSError) as exc:
                await self._retry(row, check=True, error=f"list failed: {type(exc).__name__}")
                return None
            if found is not None:
                log.info("relay reconciled outbox=%s with an earlier attempt", row.id)
                return found[0], (found[1], found[2])
        now = self._clock.now()
        mode = rules.choose_mode(row.last_inbound_at, now)
        try:
            params = self._message_params(row, to, mode)
        except LookupError as exc:
            await self._fail(row, None, str(exc))
            return None
        try:
            async with self._limiter:
                # Consent is read from the database right before the call: the row was
                # claimed up to a batch ago, and a STOP may have been committed since.
                if not await self._outbox.still_allowed(row.id):
                    log.info("relay cancelled outbox=%s: no consent any more", row.id)
                    await self._outbox.cancel_claimed(row.id)
                    return None
                # Right before the call too: the wait for the rate limiter and the read
                # above can outlast the lease.
                if not self._still_leased(term):
                    raise LeaseLost()
                sid = await self._create(params)
        except SendFailed as exc:
            verdict = rules.classify_failure(
                http_status=exc.http_status,
                code=exc.code,
                attempts=row.attempts,
                timed_out=exc.timed_out,
            )
            if verdict is rules.Verdict.GIVE_UP:
                await self._fail(row, exc.code, str(exc))
            else:
                await self._retry(
                    row, check=verdict is rules.Verdict.CHECK_THEN_RETRY, error=str(exc)
                )
            return None
        return sid, mode

    def _message_params(self, row: ClaimedRow, to: str, mode: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "to": to,
            "status_callback": f"{self._status_url}?outbox_id={row.id}",
        }
        if self._from:
            params["from_"] = self._from
        else:
            params["messaging_service_sid"] = self._service_sid
        if mode == "freeform":
            params["body"] = row.body
            return params
        values = {k: str(v) for k, v in row.variables.items()}
        override = values.pop(CONTENT_SID_VARIABLE, None)
        if override:
            params["content_sid"] = override
            params["content_variables"] = json.dumps({"1": values.get("message", row.body)})
            return params
        template = self._competition.whatsapp.template(_kind(row.kind), row.language)
        if template is None:
            raise LookupError(f"no WhatsApp template configured for kind {row.kind!r}")
        try:
            variables = template.content_variables(values)
        except KeyError as exc:
            raise LookupError(f"template variable {exc} missing for kind {row.kind!r}") from exc
        params["content_sid"] = template.content_sid
        params["content_variables"] = json.dumps(variables, ensure_ascii=False)
        return params

    async def _create(self, params: dict[str, Any]) -> str:
        try:
            message = await self.client.messages.create_async(**params)
        except TwilioRestException as exc:
            raise SendFailed(
                exc.status, exc.code, f"twilio {exc.status}/{exc.code}", False
            ) from exc
        except TimeoutError as exc:
            raise SendFailed(None, None, "timeout", True) from exc
        except (TwilioException, aiohttp.ClientError, OSError) as exc:
            raise SendFailed(None, None, f"connection: {type(exc).__name__}", False) from exc
        return str(message.sid)

    async def _find_earlier_attempt(
        self, row: ClaimedRow, to: str
    ) -> tuple[str, str, int | None] | None:
        """(SID, status, error code) of the message an earlier attempt of ``row`` got
        through, if Twilio's list shows one that is provably the row's own, else None.

        Provably its own: outbound to this number from our sender, created no earlier
        than the row's first claim (Twilio's times have whole seconds), not recorded on
        another row, and with this row's content: the same body (freeform), or a body
        that contains every value of the template variables this row would be sent with.
        Anything else (another row's message, a verification code, a message sent from
        elsewhere) is not taken for it, and the row is sent again.
        """
        # No DateSent filter: it has whole-day precision, and a message Twilio accepted but
        # has not sent yet has no date_sent. The newest messages to one number suffice:
        # Podium has at most one row per number in flight.
        filters: dict[str, Any] = {"to": to, "limit": 50}
        if self._from:
            filters["from_"] = self._from
        messages = await self.client.messages.list_async(**filters)
        since = row.claimed_at.astimezone(dt.UTC).replace(microsecond=0)
        outbound = [
            m
            for m in messages
            if str(m.direction or "").startswith("outbound")
            and m.sid
            and m.date_created is not None
            and m.date_created >= since
        ]
        if not outbound:
            return None
        known = await self._outbox.known_sids(str(m.sid) for m in outbound)
        expected = self._template_values(row, to)
        for message in reversed(outbound):  # oldest first
            if str(message.sid) in known:
                continue
            body = str(message.body or "")
            if body == row.body or (expected and all(value in body for value in expected)):
                return str(message.sid), str(message.status or ""), message.error_code
        return None

    def _template_values(self, row: ClaimedRow, to: str) -> list[str]:
        """The non-empty template variable values ``row`` is sent with outside the window
        (none when it has no template)."""
        try:
            params = self._message_params(row, to, "template")
        except LookupError:
            return []
        variables = json.loads(params.get("content_variables") or "{}")
        return [str(value) for value in variables.values() if str(value)]

    # -- recording ----------------------------------------------------------------------
    async def _retry(self, row: ClaimedRow, *, check: bool, error: str) -> None:
        log.info("relay retry outbox=%s attempt=%d error=%s", row.id, row.attempts, error)
        await self._outbox.record_retry(row, needs_check=check, error=error, rng=self._rng)

    async def _fail(self, row: ClaimedRow, code: int | None, error: str) -> None:
        log.warning("relay failed outbox=%s subscriber=%s code=%s", row.id, row.subscriber_id, code)
        await self._outbox.record_failed(row.id, error_code=code, error=error)


def _kind(kind: str) -> MessageKind:
    if kind in MESSAGE_KINDS:
        return kind
    return "broadcast"
