"""Engagement: daily activity counts, drop alerts, NPS surveys and their answers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_daily",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interactions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("votes", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", name="pk_activity_daily"),
    )
    op.create_index("ix_activity_daily_day", "activity_daily", ["day", "user_id"])
    op.create_table(
        "activity_alerts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("cohort", sa.String(20), nullable=False),
        sa.Column("week_key", sa.String(10), nullable=False),
        sa.Column("previous_actives", sa.Integer(), nullable=False),
        sa.Column("actives", sa.Integer(), nullable=False),
        sa.Column("drop_percent", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_activity_alerts"),
        sa.UniqueConstraint("cohort", "week_key", name="uq_activity_alerts_cohort_week_key"),
    )
    op.create_table(
        "nps_surveys",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_nps_surveys"),
    )
    op.create_table(
        "nps_responses",
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["nps_surveys.id"],
            name="fk_nps_responses_survey_id_nps_surveys",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "user_id", name="pk_nps_responses"),
    )


def downgrade() -> None:
    op.drop_table("nps_responses")
    op.drop_table("nps_surveys")
    op.drop_table("activity_alerts")
    op.drop_index("ix_activity_daily_day", table_name="activity_daily")
    op.drop_table("activity_daily")
