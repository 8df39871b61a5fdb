"""WhatsApp tables: subscribers, outbox, codes, webhook receipts, consent records, broadcasts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: WhatsApp subscribers: a number linked by a member with recorded consent. ``user_id`` is
#: NULL after the member erased their data; ``opted_out_at`` set means never message it.
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=True, unique=True),
    Column("phone_e164", String(20), nullable=False, unique=True),
    Column("language", String(10), nullable=False, server_default="en"),
    Column("consent_at", UTCDateTime, nullable=False),
    Column("consent_source", String(32), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("opted_out_at", UTCDateTime, nullable=True),
    Column("last_inbound_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # When Podium first received the message (or took the Discord action) that last
    # changed consent: an older message arriving later changes nothing (migration 0012).
    Column("consent_changed_at", UTCDateTime, nullable=True),
)


#: One WhatsApp message to one subscriber for one occurrence of something (a weekly board,
#: a broadcast occurrence, a reminder). The unique key makes enqueueing idempotent, so a
#: job that runs twice never sends twice. The relay worker drains queued rows. A
#: verification code is a row too (every message Podium sends is one): it has no
#: subscriber, only ``verification_id``, and is cancelled once that code is gone.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("occurrence_key", String(200), nullable=False),
    Column(
        "subscriber_id",
        BigInteger,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column(
        "verification_id",
        BigInteger,
        ForeignKey("verification_codes.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("kind", String(32), nullable=False),  # reminder | broadcast | leaderboard | …
    Column("language", String(10), nullable=False),
    Column("body", Text, nullable=False),  # freeform text, used inside the 24-hour window
    Column("variables", JSON, nullable=False, default=dict),  # template variables outside it
    Column("status", String(16), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("twilio_sid", String(40), nullable=True, unique=True),
    Column("error_code", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Relay state (migration 0006). ``needs_check``: an attempt may have reached Twilio
    # (crash, timeout, 5xx), so Twilio's message list is consulted before any resend.
    Column("needs_check", Boolean, nullable=False, default=False, server_default=false()),
    Column("claimed_at", UTCDateTime, nullable=True),  # when the row first went `sending`
    Column("status_at", UTCDateTime, nullable=True),  # last status change
    Column("mode", String(10), nullable=True),  # freeform | template, as sent
    Column("last_error", String(200), nullable=True),
    # The lease key of the worker sending it (migration 0021, storage.wakeup): a row left
    # ``sending`` goes back to the queue only once that worker's lease is gone.
    Column("lease_key", BigInteger, nullable=True),
    UniqueConstraint(
        "occurrence_key", "subscriber_id", name="uq_outbox_occurrence_key_subscriber_id"
    ),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_subscriber_id_status", "subscriber_id", "status"),
)


#: A pending link of a number: one per member; two 6-digit codes, hashed (scrypt + salt),
#: valid 10 minutes, 5 attempts. ``consent_text`` is the wording the member was shown.
verification_codes = Table(
    "verification_codes",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False, unique=True),
    Column("phone_e164", String(20), nullable=False),
    Column("language", String(10), nullable=False),
    Column("code_hash", String(128), nullable=False),  # the code sent to the number
    Column("link_hash", String(128), nullable=False),  # the code the number sends us
    Column("salt", String(64), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)


#: Webhooks already applied: one row per inbound message (``kind`` "inbound", ``key`` its
#: MessageSid) and per status callback ("status", MessageSid:MessageStatus), inserted in
#: the transaction of the webhook's effect, so a replay (Twilio's retry or an attacker's
#: copy of a signed request) changes nothing. Kept for good: a pruned
#: receipt would let an old replay through again.
webhook_receipts = Table(
    "webhook_receipts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("key", String(80), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "key", name="uq_webhook_receipts_kind"),
)


#: Consent history, append-only: opt-in (with the wording shown), opt-out, re-subscribe.
consent_records = Table(
    "consent_records",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "subscriber_id",
        BigInteger,
        ForeignKey("subscribers.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("user_id", BigInteger, nullable=True),
    Column("action", String(16), nullable=False),  # opt_in | opt_out | resubscribe | unlink
    Column("source", String(32), nullable=False),  # discord_code | whatsapp_link | keyword …
    Column("wording", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_consent_records_user_id", "user_id"),
)


#: Organizer broadcasts. Each occurrence is one scheduled job ``broadcast:<id>:<UTC ISO>``;
#: ``repeat`` is a cron expression read in the competition timezone.
broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("message", Text, nullable=False),
    Column("audience", String(40), nullable=False),  # all | cohort:<key> | track:<key>
    Column("channels", String(10), nullable=False),  # discord | whatsapp | both
    Column("first_run_at", UTCDateTime, nullable=False),
    Column("repeat", String(100), nullable=True),
    Column("template_sid", String(34), nullable=True),
    Column("status", String(16), nullable=False),  # scheduled | done | cancelled
    Column("next_run_at", UTCDateTime, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
)
