"""Fraud flags on store results (``results_flags``) and two indexes on ``store_orders`` for
the stalled-tracking and before-the-season rules.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results_flags",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_results_flags_team_id_teams"),
            nullable=False,
        ),
        sa.Column(
            "order_row_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "store_orders.id",
                ondelete="CASCADE",
                name="fk_results_flags_order_row_id_store_orders",
            ),
            nullable=True,
        ),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default=sa.text("'open'")),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_results_flags"),
        sa.UniqueConstraint(
            "season", "rule", "subject", name="uq_results_flags_season_rule_subject"
        ),
    )
    op.create_index(
        "ix_results_flags_season_status_team_id",
        "results_flags",
        ["season", "status", "team_id"],
    )
    op.create_index("ix_results_flags_order_row_id", "results_flags", ["order_row_id"])
    op.create_index(
        "ix_store_orders_season_status_ordered_at",
        "store_orders",
        ["season", "status", "ordered_at"],
    )
    op.create_index("ix_store_orders_season_ordered_at", "store_orders", ["season", "ordered_at"])


def downgrade() -> None:
    op.drop_index("ix_store_orders_season_ordered_at", table_name="store_orders")
    op.drop_index("ix_store_orders_season_status_ordered_at", table_name="store_orders")
    op.drop_index("ix_results_flags_order_row_id", table_name="results_flags")
    op.drop_index("ix_results_flags_season_status_team_id", table_name="results_flags")
    op.drop_table("results_flags")
