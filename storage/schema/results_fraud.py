"""Fraud flags on store results: one row per rule and subject (an order or a team)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)

from storage.schema.core import metadata
from storage.schema.results import store_orders
from storage.types import BigIntPK, UTCDateTime

#: A fraud rule's finding. ``subject`` is ``order:<store_orders.id>`` (an order flag; the
#: order's ``review`` follows its flags) or ``team:<teams.id>`` (a team flag, such as the
#: refund rate: no order changes). ``evidence`` is the rule's JSON evidence; a re-scan
#: with other evidence is "new evidence". ``status``: open | cleared | confirmed |
#: withdrawn (the rule no longer matches an open flag's data, e.g. after a correction).
results_flags = Table(
    "results_flags",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("rule", String(20), nullable=False),
    Column("subject", String(40), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column(
        "order_row_id",
        BigInteger,
        ForeignKey("store_orders.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("evidence", JSON, nullable=False, default=dict),
    Column("status", String(10), nullable=False, server_default=text("'open'")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("decided_by", BigInteger, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    UniqueConstraint("season", "rule", "subject", name="uq_results_flags_season_rule_subject"),
    Index("ix_results_flags_season_status_team_id", "season", "status", "team_id"),
    Index("ix_results_flags_order_row_id", "order_row_id"),
)

#: For the stalled-tracking and before-the-start rules: orders by status and time.
Index(
    "ix_store_orders_season_status_ordered_at",
    store_orders.c.season,
    store_orders.c.status,
    store_orders.c.ordered_at,
)
#: Orders by (season, time), covering what the metrics engine needs of each (whether it
#: counts, its team and amount): a week's totals are read from the index alone (0028).
Index(
    "ix_store_orders_season_ordered_at_counted",
    store_orders.c.season,
    store_orders.c.ordered_at,
    store_orders.c.team_id,
    store_orders.c.review,
    store_orders.c.refunded,
    store_orders.c.status,
    store_orders.c.amount_base_minor,
)
