"""Contest entry moderation: hidden or disqualified entries, and members' reports of entries.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry_moderation",
        sa.Column("submission_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("moderated_by", sa.BigInteger(), nullable=False),
        sa.Column("moderated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_entry_moderation_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", name="pk_entry_moderation"),
    )
    op.create_table(
        "entry_reports",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.BigInteger(), nullable=False),
        sa.Column("contest_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name="fk_entry_reports_submission_id_submissions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contest_id"],
            ["contests.id"],
            name="fk_entry_reports_contest_id_contests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry_reports"),
        sa.UniqueConstraint("submission_id", "user_id", name="uq_entry_reports_submission_id"),
    )
    op.create_index("ix_entry_reports_contest_id", "entry_reports", ["contest_id"])


def downgrade() -> None:
    op.drop_index("ix_entry_reports_contest_id", table_name="entry_reports")
    op.drop_table("entry_reports")
    op.drop_table("entry_moderation")
