"""Results scoring: each team's scored week and its ledger entry (``results_week_scores``).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results_week_scores",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("week_key", sa.String(16), nullable=False),
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "teams.id", ondelete="CASCADE", name="fk_results_week_scores_team_id_teams"
            ),
            nullable=False,
        ),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("credited", sa.Integer(), nullable=False),
        sa.Column(
            "entry_id",
            sa.BigInteger(),
            sa.ForeignKey("points_ledger.id", name="fk_results_week_scores_entry_id_points_ledger"),
            nullable=True,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("scored_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("season", "week_key", "team_id", name="pk_results_week_scores"),
    )
    op.create_index(
        "ix_results_week_scores_season_week_key_track",
        "results_week_scores",
        ["season", "week_key", "track"],
    )


def downgrade() -> None:
    op.drop_table("results_week_scores")
