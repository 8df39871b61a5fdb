"""Store results: imports (``results_imports``), order rows (``store_orders``, one per team
and order id), corrections' history (``store_order_history``) and per-day team aggregates
(``store_daily``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results_imports",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey("teams.id", ondelete="SET NULL", name="fk_results_imports_team_id_teams"),
            nullable=True,
        ),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default=sa.text("'preview'")),
        sa.Column("rows_total", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_new", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_corrected", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_refused", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_results_imports"),
    )
    op.create_index(
        "ix_results_imports_season_created_at", "results_imports", ["season", "created_at"]
    )
    op.create_table(
        "store_orders",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_store_orders_team_id_teams"),
            nullable=False,
        ),
        sa.Column("order_id", sa.String(100), nullable=False),
        sa.Column("ordered_at", UTCDateTime(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_base_minor", sa.BigInteger(), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("category", sa.String(60), nullable=True),
        sa.Column("channel", sa.String(60), nullable=True),
        sa.Column("buyer_hash", sa.String(64), nullable=True),
        sa.Column("tracking_number", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        sa.Column("review", sa.String(10), nullable=False, server_default=sa.text("'ok'")),
        sa.Column(
            "import_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "results_imports.id",
                ondelete="SET NULL",
                name="fk_store_orders_import_id_results_imports",
            ),
            nullable=True,
        ),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_orders"),
        sa.UniqueConstraint("team_id", "order_id", name="uq_store_orders_team_id_order_id"),
    )
    for name, columns in (
        ("ix_store_orders_season_team_id_ordered_at", ["season", "team_id", "ordered_at"]),
        ("ix_store_orders_season_order_id", ["season", "order_id"]),
        ("ix_store_orders_season_buyer_hash", ["season", "buyer_hash"]),
        ("ix_store_orders_season_tracking_number", ["season", "tracking_number"]),
        ("ix_store_orders_season_review", ["season", "review"]),
    ):
        op.create_index(name, "store_orders", columns)
    op.create_table(
        "store_order_history",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column(
            "order_row_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "store_orders.id",
                ondelete="CASCADE",
                name="fk_store_order_history_order_row_id_store_orders",
            ),
            nullable=False,
        ),
        sa.Column(
            "import_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "results_imports.id",
                ondelete="SET NULL",
                name="fk_store_order_history_import_id_results_imports",
            ),
            nullable=True,
        ),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("replaced_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_order_history"),
    )
    op.create_index("ix_store_order_history_order_row_id", "store_order_history", ["order_row_id"])
    op.create_table(
        "store_daily",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_store_daily_team_id_teams"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column(
            "import_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "results_imports.id",
                ondelete="SET NULL",
                name="fk_store_daily_import_id_results_imports",
            ),
            nullable=True,
        ),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("season", "team_id", "day", "metric", name="pk_store_daily"),
    )
    op.create_index("ix_store_daily_season_day", "store_daily", ["season", "day"])


def downgrade() -> None:
    op.drop_table("store_daily")
    op.drop_table("store_order_history")
    op.drop_table("store_orders")
    op.drop_table("results_imports")
