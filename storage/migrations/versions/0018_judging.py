"""Judging: judges, rounds, their entries, assignments, score sheets and frozen results.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judges",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("conflict_team_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_judges"),
        sa.UniqueConstraint("season", "user_id", name="uq_judges_season_user_id"),
        sa.UniqueConstraint("season", "email", name="uq_judges_season_email"),
    )
    op.create_table(
        "judging_rounds",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("contest_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("entry_source", sa.String(16), nullable=False),
        sa.Column("top_n", sa.Integer(), nullable=True),
        sa.Column("judges_per_entry", sa.Integer(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("judge_weight", sa.Float(), nullable=False),
        sa.Column("community_weight", sa.Float(), nullable=False),
        sa.Column("normalize", sa.Boolean(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name="fk_judging_rounds_contest_id_contests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_judging_rounds"),
        sa.UniqueConstraint("contest_id", "ordinal", name="uq_judging_rounds_contest_id_ordinal"),
        sa.UniqueConstraint("contest_id", "name", name="uq_judging_rounds_contest_id_name"),
    )
    op.create_table(
        "judging_entries",
        sa.Column("round_id", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["judging_rounds.id"],
            name="fk_judging_entries_round_id_judging_rounds",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_judging_entries_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "submission_id", name="pk_judging_entries"),
    )
    op.create_table(
        "judging_assignments",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("round_id", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=False),
        sa.Column("judge_id", sa.BigInteger(), nullable=False),
        sa.Column("judge_user_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["judging_rounds.id"],
            name="fk_judging_assignments_round_id_judging_rounds",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_judging_assignments_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["judge_id"],
            ["judges.id"],
            name="fk_judging_assignments_judge_id_judges",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_judging_assignments"),
        sa.UniqueConstraint(
            "round_id", "submission_id", "judge_id", name="uq_judging_assignments_round_id"
        ),
    )
    op.create_index("ix_judging_assignments_judge_id", "judging_assignments", ["judge_id"])
    op.create_table(
        "judging_score_sheets",
        sa.Column("assignment_id", sa.BigInteger(), nullable=False),
        sa.Column("judge_user_id", sa.BigInteger(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["judging_assignments.id"],
            name="fk_judging_score_sheets_assignment_id_judging_assignments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assignment_id", name="pk_judging_score_sheets"),
    )
    op.create_table(
        "judging_results",
        sa.Column("round_id", sa.BigInteger(), nullable=False),
        sa.Column("submission_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("team_name", sa.String(100), nullable=False),
        sa.Column("judge_score", sa.Float(), nullable=True),
        sa.Column("normalized_score", sa.Float(), nullable=True),
        sa.Column("vote_share", sa.Float(), nullable=False),
        sa.Column("final", sa.Float(), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.Column("tie_break", sa.String(32), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["judging_rounds.id"],
            name="fk_judging_results_round_id_judging_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "submission_id", name="pk_judging_results"),
    )


def downgrade() -> None:
    op.drop_table("judging_results")
    op.drop_table("judging_score_sheets")
    op.drop_index("ix_judging_assignments_judge_id", "judging_assignments")
    op.drop_table("judging_assignments")
    op.drop_table("judging_entries")
    op.drop_table("judging_rounds")
    op.drop_table("judges")
