"""Team registration lock and cohort import previews.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_registration_locks",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("locked_at", UTCDateTime(), nullable=False),
        sa.Column("locked_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("season", name="pk_team_registration_locks"),
    )
    op.create_table(
        "cohort_imports",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.Column("applied_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cohort_imports"),
    )


def downgrade() -> None:
    op.drop_table("cohort_imports")
    op.drop_table("team_registration_locks")
