"""The outbox's sending rules, as plain functions (no I/O, no Twilio).

The relay in ``bot/whatsapp/`` asks these what to do; unit tests pin every rule: status
ordering, which errors are retried, backoff, freeform-or-template, and the counts
organizers see.
"""

from __future__ import annotations

import datetime as dt
import enum
import random

#: WhatsApp's customer service window, opened by the user's own message.
WINDOW = dt.timedelta(hours=24)
#: Freeform is chosen only this long before the window closes, so a message that waits in
#: Twilio's queue for a while still arrives inside it (63016 must never happen).
WINDOW_MARGIN = dt.timedelta(minutes=15)
#: Variable carrying a per-broadcast template (read by the relay).
CONTENT_SID_VARIABLE = "_content_sid"
#: Attempts per row before it fails for good.
MAX_ATTEMPTS = 8
#: Twilio errors that no retry can fix: invalid number, blocked, unsubscribed, bad To.
NO_RETRY_CODES = frozenset({63003, 63014, 21610, 21211})

# Outbox statuses. ``queued``: waiting; ``sending``: claimed, request in flight;
# ``accepted``: Twilio took it (its own "queued"); then Twilio's statuses. ``cancelled``:
# not sent because the number opted out.
QUEUED, SENDING, ACCEPTED = "queued", "sending", "accepted"
SENT, DELIVERED, READ = "sent", "delivered", "read"
FAILED, UNDELIVERED, CANCELLED = "failed", "undelivered", "cancelled"
TERMINAL = frozenset({READ, FAILED, UNDELIVERED, CANCELLED})
_RANK = {QUEUED: 0, SENDING: 1, ACCEPTED: 2, SENT: 3, DELIVERED: 4, READ: 5}
#: Twilio callback statuses mapped onto the outbox's.
_TWILIO_STATUS = {
    "accepted": ACCEPTED,
    "scheduled": ACCEPTED,
    "queued": ACCEPTED,
    "sending": ACCEPTED,
    "sent": SENT,
    "delivered": DELIVERED,
    "read": READ,
    "failed": FAILED,
    "undelivered": UNDELIVERED,
    "canceled": FAILED,
}


def outbox_status(twilio_status: str) -> str | None:
    """The outbox status for a Twilio ``MessageStatus`` (None for ones we ignore)."""
    return _TWILIO_STATUS.get(twilio_status.strip().lower())


def next_status(current: str, incoming: str) -> str | None:
    """The status a row moves to when ``incoming`` is reported, or None to stay put.

    Statuses only move forward (queued < sending < accepted < sent < delivered < read);
    failed, undelivered, read and cancelled are terminal, so duplicate and reordered
    callbacks change nothing.
    """
    if current in TERMINAL or current == incoming:
        return None
    if incoming in (FAILED, UNDELIVERED):
        return incoming
    if incoming not in _RANK or _RANK[incoming] <= _RANK.get(current, 0):
        return None
    return incoming


class Verdict(enum.Enum):
    """What to do after a failed send attempt."""

    RETRY = "retry"  # nothing reached Twilio: send again later
    CHECK_THEN_RETRY = "check"  # it may have reached Twilio: list its messages first
    GIVE_UP = "give_up"  # an error no retry fixes: terminal failed


def classify_failure(
    *, http_status: int | None, code: int | None, attempts: int, timed_out: bool = False
) -> Verdict:
    """Classify a failed create call.

    429 (20429) was not processed: retry, however often it came (Twilio's throughput cap
    only delays a message; a broadcast larger than the cap allows per second must not fail
    its tail). 5xx, timeouts and connection errors may have been processed: check
    Twilio's list before a resend. 63003, 63014, 21610 and 21211 never succeed. Other 4xx
    are the request's fault: give up. After ``MAX_ATTEMPTS`` attempts every retryable
    error but 429 gives up too.
    """
    if code in NO_RETRY_CODES:
        return Verdict.GIVE_UP
    if http_status == 429 and not timed_out:
        return Verdict.RETRY
    if timed_out or http_status is None or http_status >= 500:
        verdict = Verdict.CHECK_THEN_RETRY
    else:
        return Verdict.GIVE_UP
    return verdict if attempts < MAX_ATTEMPTS else Verdict.GIVE_UP


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Delay before attempt ``attempts + 1``: exponential from 1 s, capped at 5 min,
    with "equal jitter" (between half and all of it) so retries do not arrive in waves."""
    base = min(300.0, 2.0 ** max(0, attempts - 1))
    chooser = rng or random
    return dt.timedelta(seconds=base / 2 + chooser.uniform(0, base / 2))


def choose_mode(last_inbound_at: dt.datetime | None, now: dt.datetime) -> str:
    """``"freeform"`` when the subscriber's window is open (with margin), else ``"template"``."""
    if last_inbound_at is not None and now - last_inbound_at < WINDOW - WINDOW_MARGIN:
        return "freeform"
    return "template"


def whatsapp_counts(raw: dict[str, int]) -> dict[str, int]:
    """Fold outbox statuses into the counts organizers see."""
    counts = dict.fromkeys(("queued", "sent", "delivered", "read", "failed", "skipped"), 0)
    for status, count in raw.items():
        if status in (QUEUED, SENDING, ACCEPTED):
            counts["queued"] += count
        elif status in (FAILED, UNDELIVERED):
            counts["failed"] += count
        elif status == CANCELLED:
            counts["skipped"] += count
        elif status in counts:
            counts[status] += count
    return counts
