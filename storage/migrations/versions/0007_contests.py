"""UGC contests: contests, submissions, votes, the append-only vote events, results.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contests",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("submissions_open", UTCDateTime(), nullable=False),
        sa.Column("submissions_close", UTCDateTime(), nullable=False),
        sa.Column("voting_close", UTCDateTime(), nullable=False),
        sa.Column("max_votes", sa.Integer(), nullable=True),
        sa.Column("gallery_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("results_message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_contests"),
        sa.UniqueConstraint("season", "name", name="uq_contests_season_name"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("contest_id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("team_key", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("url", sa.String(512), nullable=True),
        sa.Column("attachment_url", sa.String(1024), nullable=True),
        sa.Column("attachment_name", sa.String(256), nullable=True),
        sa.Column("attachment_type", sa.String(100), nullable=True),
        sa.Column("attachment_size", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name="fk_submissions_contest_id_contests",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_submissions_team_id_teams", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
    )
    op.create_index(
        "uq_submissions_contest_team_active",
        "submissions",
        ["contest_id", "team_key"],
        unique=True,
        sqlite_where=sa.text("withdrawn_at IS NULL"),
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    op.create_index("ix_submissions_contest_id", "submissions", ["contest_id"])
    op.create_table(
        "votes",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("contest_id", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=False),
        sa.Column("voter_id", sa.BigInteger(), nullable=False),
        sa.Column("voter_created_at", UTCDateTime(), nullable=False),
        sa.Column("voter_joined_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("voided_by", sa.BigInteger(), nullable=True),
        sa.Column("void_reason", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"], ["contests.id"], name="fk_votes_contest_id_contests", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_votes_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_votes"),
        sa.UniqueConstraint("submission_id", "voter_id", name="uq_votes_submission_id"),
    )
    op.create_index("ix_votes_contest_id_voter_id", "votes", ["contest_id", "voter_id"])
    op.create_table(
        "vote_events",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("contest_id", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=False),
        sa.Column("voter_id", sa.BigInteger(), nullable=False),
        sa.Column("vote_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vote_events"),
    )
    op.create_index("ix_vote_events_voter_id_at", "vote_events", ["voter_id", "at"])
    op.create_table(
        "contest_results",
        sa.Column("contest_id", sa.BigInteger(), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name="fk_contest_results_contest_id_contests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contest_id", "place", name="pk_contest_results"),
    )


def downgrade() -> None:
    op.drop_table("contest_results")
    op.drop_index("ix_vote_events_voter_id_at", "vote_events")
    op.drop_table("vote_events")
    op.drop_index("ix_votes_contest_id_voter_id", "votes")
    op.drop_table("votes")
    op.drop_index("ix_submissions_contest_id", "submissions")
    op.drop_index("uq_submissions_contest_team_active", "submissions")
    op.drop_table("submissions")
    op.drop_table("contests")
