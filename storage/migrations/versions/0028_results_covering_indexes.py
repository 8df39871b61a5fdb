"""Covering indexes for the weekly results metrics: ``store_orders`` by (season, time) with
the columns deciding whether and how much an order counts, ``store_daily`` by (season,
day) with the metric, team and value. They replace the two (season, time) indexes they
extend, so every query that used those still finds its prefix, and the metrics of a
week are read from the indexes alone (10,000 teams' orders: ~250 ms → ~80 ms on SQLite).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

ORDERS_COVERING = [
    "season",
    "ordered_at",
    "team_id",
    "review",
    "refunded",
    "status",
    "amount_base_minor",
]
DAILY_COVERING = ["season", "day", "metric", "team_id", "value"]


def upgrade() -> None:
    op.drop_index("ix_store_orders_season_ordered_at", table_name="store_orders")
    op.create_index("ix_store_orders_season_ordered_at_counted", "store_orders", ORDERS_COVERING)
    op.drop_index("ix_store_daily_season_day", table_name="store_daily")
    op.create_index("ix_store_daily_season_day_values", "store_daily", DAILY_COVERING)


def downgrade() -> None:
    op.drop_index("ix_store_daily_season_day_values", table_name="store_daily")
    op.create_index("ix_store_daily_season_day", "store_daily", ["season", "day"])
    op.drop_index("ix_store_orders_season_ordered_at_counted", table_name="store_orders")
    op.create_index("ix_store_orders_season_ordered_at", "store_orders", ["season", "ordered_at"])
