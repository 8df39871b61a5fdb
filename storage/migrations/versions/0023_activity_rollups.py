"""Activity rollups: daily and weekly actives per cohort kept as counts, the cohort recorded
on each daily activity row.

Existing rows take the member's current cohort (what the actives counted until now); the
rollups are built from ``activity_daily`` by the activity service before first use, since
the week start comes from the competition's configuration.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "activity_daily",
        sa.Column("cohort", sa.String(20), nullable=False, server_default=""),
    )
    op.execute(
        "UPDATE activity_daily SET cohort = COALESCE((SELECT members.cohort_key FROM members "
        "WHERE members.user_id = activity_daily.user_id), '')"
    )
    op.create_table(
        "activity_actives_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cohort", sa.String(20), nullable=False),
        sa.Column("actives", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "cohort", name="pk_activity_actives_daily"),
    )
    op.create_table(
        "activity_actives_weekly",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("cohort", sa.String(20), nullable=False),
        sa.Column("actives", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week_start", "cohort", name="pk_activity_actives_weekly"),
    )
    op.create_table(
        "activity_rollup_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("week_start_index", sa.Integer(), nullable=False),
        sa.Column("built_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activity_rollup_state"),
    )


def downgrade() -> None:
    op.drop_table("activity_rollup_state")
    op.drop_table("activity_actives_weekly")
    op.drop_table("activity_actives_daily")
    with op.batch_alter_table("activity_daily") as batch:
        batch.drop_column("cohort")
