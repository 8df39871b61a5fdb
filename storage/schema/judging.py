"""Judging tables (issue 16): judges, rounds, entries, assignments, score sheets, results."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: A judge of the season: a Discord member (``user_id``) or an external judge (name and
#: e-mail, signs in on the web). ``tags`` are expertise tags, ``conflict_team_ids`` the
#: teams they declared a conflict with; ``active`` False once removed from the pool.
judges = Table(
    "judges",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("name", String(100), nullable=False),
    Column("email", String(254), nullable=True),
    Column("tags", JSON, nullable=False),
    Column("conflict_team_ids", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("season", "user_id", name="uq_judges_season_user_id"),
    UniqueConstraint("season", "email", name="uq_judges_season_email"),
)

#: A judging round of a contest, with its rubric (JSON: criteria, scale) and rules.
judging_rounds = Table(
    "judging_rounds",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("contest_id", BigInteger, ForeignKey("contests.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("rubric", JSON, nullable=False),
    Column("entry_source", String(16), nullable=False),  # all | previous_round | votes
    Column("top_n", Integer, nullable=True),
    Column("judges_per_entry", Integer, nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("judge_weight", Float, nullable=False),
    Column("community_weight", Float, nullable=False),
    Column("normalize", Boolean, nullable=False),
    Column("live", Boolean, nullable=False),
    Column("status", String(16), nullable=False),  # draft | open | closed | published
    Column("seed", BigInteger, nullable=False),
    Column("created_by", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    UniqueConstraint("contest_id", "ordinal", name="uq_judging_rounds_contest_id_ordinal"),
    UniqueConstraint("contest_id", "name", name="uq_judging_rounds_contest_id_name"),
)

#: The entries a round judges, chosen when it opens (frozen from then on).
judging_entries = Table(
    "judging_entries",
    metadata,
    Column(
        "round_id",
        BigInteger,
        ForeignKey("judging_rounds.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "submission_id",
        BigInteger,
        ForeignKey("submissions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, nullable=False),
)

#: One judge on one entry of a round. ``judge_user_id`` copies the judge's Discord id (for
#: the member's export and erasure). Withdrawn rows stay (the audit trail of reassigning).
judging_assignments = Table(
    "judging_assignments",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "round_id",
        BigInteger,
        ForeignKey("judging_rounds.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "submission_id",
        BigInteger,
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("judge_id", BigInteger, ForeignKey("judges.id", ondelete="CASCADE"), nullable=False),
    Column("judge_user_id", BigInteger, nullable=True),
    Column("status", String(16), nullable=False),  # pending | draft | submitted | withdrawn
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "round_id", "submission_id", "judge_id", name="uq_judging_assignments_round_id"
    ),
    Index("ix_judging_assignments_judge_id", "judge_id"),
)

#: A judge's scores for one assignment (criterion key -> score), draft until submitted.
judging_score_sheets = Table(
    "judging_score_sheets",
    metadata,
    Column(
        "assignment_id",
        BigInteger,
        ForeignKey("judging_assignments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("judge_user_id", BigInteger, nullable=True),
    Column("scores", JSON, nullable=False),
    Column("comment", Text, nullable=True),
    Column("submitted_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: A published round's results, frozen at publishing (ranks, scores, points credited).
judging_results = Table(
    "judging_results",
    metadata,
    Column(
        "round_id",
        BigInteger,
        ForeignKey("judging_rounds.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("submission_id", BigInteger, primary_key=True, autoincrement=False),
    Column("position", Integer, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("team_id", BigInteger, nullable=False),
    Column("team_name", String(100), nullable=False),
    Column("judge_score", Float, nullable=True),
    Column("normalized_score", Float, nullable=True),
    Column("vote_share", Float, nullable=False),
    Column("final", Float, nullable=False),
    Column("sheets", Integer, nullable=False),
    Column("tie_break", String(32), nullable=True),
    Column("points", Integer, nullable=False),
)
