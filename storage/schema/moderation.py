"""Tables of contest entry moderation: hidden or disqualified entries, and members' reports."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, UniqueConstraint

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: An entry an organizer hid or disqualified: one row per entry while it lasts (restoring
#: deletes it; the audit log keeps the history with each reason).
entry_moderation = Table(
    "entry_moderation",
    metadata,
    Column(
        "submission_id",
        BigInteger,
        ForeignKey("submissions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("state", String(16), nullable=False),  # hidden | disqualified
    Column("reason", String(200), nullable=False),
    Column("moderated_by", BigInteger, nullable=False),
    Column("moderated_at", UTCDateTime, nullable=False),
)


#: A member's report of an entry (one per member per entry). ``text`` is their optional
#: reason; ``resolved_at`` is set when an organizer dismissed, hid, disqualified or
#: restored the entry, which takes its open reports out of the queue.
entry_reports = Table(
    "entry_reports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "submission_id",
        BigInteger,
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("contest_id", BigInteger, ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("text", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolved_by", BigInteger, nullable=True),
    UniqueConstraint("submission_id", "user_id", name="uq_entry_reports_submission_id"),
    Index("ix_entry_reports_contest_id", "contest_id"),
)
