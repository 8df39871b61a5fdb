"""Tables of UGC contests: contests, submissions, votes, vote events and results."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: A UGC contest (``/contest create``): submission window, then voting until voting_close.
contests = Table(
    "contests",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("category", String(100), nullable=False),
    Column("submissions_open", UTCDateTime, nullable=False),
    Column("submissions_close", UTCDateTime, nullable=False),
    Column("voting_close", UTCDateTime, nullable=False),
    Column("max_votes", Integer, nullable=True),  # NULL: [votes] max_votes_per_contest
    Column("gallery_channel_id", BigInteger, nullable=True),  # NULL: channel:gallery
    Column("created_by", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("results_message_id", BigInteger, nullable=True),
    UniqueConstraint("season", "name", name="uq_contests_season_name"),
)


#: An entry. ``team_key`` is the team id when one entry per team applies (NULL otherwise),
#: so the partial unique index enforces that rule for entries not withdrawn.
submissions = Table(
    "submissions",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("team_key", BigInteger, nullable=True),
    Column("user_id", BigInteger, nullable=False),
    Column("title", String(100), nullable=False),
    Column("url", String(512), nullable=True),
    Column("attachment_url", String(1024), nullable=True),
    Column("attachment_name", String(256), nullable=True),
    Column("attachment_type", String(100), nullable=True),
    Column("attachment_size", BigInteger, nullable=True),
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime, nullable=True),
    Index(
        "uq_submissions_contest_team_active",
        "contest_id",
        "team_key",
        unique=True,
        sqlite_where=Column("withdrawn_at").is_(None),
        postgresql_where=Column("withdrawn_at").is_(None),
    ),
    Index("ix_submissions_contest_id", "contest_id"),
)


#: One vote per member per entry; voided votes stay (with who voided them and why).
votes = Table(
    "votes",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
    Column(
        "submission_id",
        BigInteger,
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("voter_id", BigInteger, nullable=False),
    Column("voter_created_at", UTCDateTime, nullable=False),
    Column("voter_joined_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("voided_at", UTCDateTime, nullable=True),
    Column("voided_by", BigInteger, nullable=True),
    Column("void_reason", String(200), nullable=True),
    UniqueConstraint("submission_id", "voter_id", name="uq_votes_submission_id"),
    Index("ix_votes_contest_id_voter_id", "contest_id", "voter_id"),
)


#: Every vote, unvote and void with its time; append-only.
vote_events = Table(
    "vote_events",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, nullable=False),
    Column("submission_id", BigInteger, nullable=False),
    Column("voter_id", BigInteger, nullable=False),
    Column("vote_id", BigInteger, nullable=True),
    Column("action", String(10), nullable=False),  # vote | unvote | void
    Column("at", UTCDateTime, nullable=False),
    Index("ix_vote_events_voter_id_at", "voter_id", "at"),
)


#: A closed contest's places; the primary key makes each place exist once.
contest_results = Table(
    "contest_results",
    metadata,
    Column(
        "contest_id",
        BigInteger,
        ForeignKey("contests.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("place", Integer, primary_key=True, autoincrement=False),
    Column("submission_id", BigInteger, nullable=False),
    Column("team_id", BigInteger, nullable=False),
    Column("votes", Integer, nullable=False),
    Column("points", Integer, nullable=False),
)
