"""Tables of Q&A sessions: sessions, RSVPs, questions, question votes and attendance."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, text

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: Q&A sessions (official Q&A, expert clinics, alumni sharing). ``starts_at``/``ends_at``
#: are UTC instants computed from the organizer's local input; ``audience`` is a JSON list
#: of cohort keys, empty for every cohort. Reminders and the start notice are scheduled
#: jobs ``qa:<id>:remind:<seconds>`` and ``qa:<id>:start``.
qa_sessions = Table(
    "qa_sessions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("title", String(100), nullable=False),
    Column("kind", String(16), nullable=False),  # official | expert_clinic | alumni
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("audience", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # scheduled | cancelled
    Column("discord_event_id", BigInteger, nullable=True),
    Column("queue_channel_id", BigInteger, nullable=True),
    Column("queue_message_id", BigInteger, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime, nullable=True),
    # A session for a list of teams (e.g. a clinic for the teams a stuck alert named):
    # their ids (JSON list; None = the cohort ``audience``); its notices reach exactly
    # those teams' members. ``resources``: links attached to its reminders.
    Column("audience_teams", JSON, nullable=True),
    Column("resources", JSON, nullable=True),
    Index("ix_qa_sessions_status_starts_at", "status", "starts_at"),
)


#: Members who want a DM with each reminder of a session.
qa_rsvps = Table(
    "qa_rsvps",
    metadata,
    Column(
        "session_id",
        BigInteger,
        ForeignKey("qa_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime, nullable=False),
)


#: Questions in a session's queue; one open question per member per session (the partial
#: unique index enforces it).
qa_questions = Table(
    "qa_questions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "session_id", BigInteger, ForeignKey("qa_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("asker_id", BigInteger, nullable=False),
    Column("text", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # open | answered
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", BigInteger, nullable=True),
    Index(
        "uq_qa_questions_session_id_asker_id_open",
        "session_id",
        "asker_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)


#: One upvote per member per question.
qa_votes = Table(
    "qa_votes",
    metadata,
    Column(
        "question_id",
        BigInteger,
        ForeignKey("qa_questions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("voter_id", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", UTCDateTime, nullable=False),
)


#: Check-ins: one per member per session; ``points`` credited (0 without a team or at cap).
qa_attendance = Table(
    "qa_attendance",
    metadata,
    Column(
        "session_id",
        BigInteger,
        ForeignKey("qa_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, nullable=True),
    Column("points", Integer, nullable=False),
    Column("checked_in_at", UTCDateTime, nullable=False),
)
