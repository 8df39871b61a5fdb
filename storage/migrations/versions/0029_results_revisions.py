"""The revision of each season's scoring inputs and what each week's last scoring run saw,
so the weekly job's check of every earlier week skips the weeks nothing changed for.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results_revisions",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("season", name="pk_results_revisions"),
    )
    op.create_table(
        "results_week_runs",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("week_key", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(100), nullable=False),
        sa.Column("scored_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("season", "week_key", name="pk_results_week_runs"),
    )


def downgrade() -> None:
    op.drop_table("results_week_runs")
    op.drop_table("results_revisions")
