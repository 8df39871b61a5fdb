"""The season revision at which each team's scoring inputs were last written, so a
weekly re-score after a correction recomputes only the corrected teams' metrics.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results_team_revisions",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("season", "team_id", name="pk_results_team_revisions"),
    )
    op.create_index(
        "ix_results_team_revisions_season_revision",
        "results_team_revisions",
        ["season", "revision"],
    )


def downgrade() -> None:
    op.drop_index("ix_results_team_revisions_season_revision", "results_team_revisions")
    op.drop_table("results_team_revisions")
