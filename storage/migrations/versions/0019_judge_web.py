"""Judge portal: single-use sign-in links for judges, their sessions, the live final.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judge_login_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("judge_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_judge_login_tokens"),
    )
    op.create_index("ix_judge_login_tokens_judge_id", "judge_login_tokens", ["judge_id"])
    op.create_table(
        "judge_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("judge_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name="pk_judge_sessions"),
    )
    op.create_index("ix_judge_sessions_judge_id", "judge_sessions", ["judge_id"])
    op.create_table(
        "judging_live",
        sa.Column("round_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("qa_session_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("round_id", name="pk_judging_live"),
    )


def downgrade() -> None:
    op.drop_table("judging_live")
    op.drop_index("ix_judge_sessions_judge_id", table_name="judge_sessions")
    op.drop_table("judge_sessions")
    op.drop_index("ix_judge_login_tokens_judge_id", table_name="judge_login_tokens")
    op.drop_table("judge_login_tokens")
