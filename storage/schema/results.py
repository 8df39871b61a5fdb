"""Tables of store results: imports of store exports, order rows, per-day team aggregates."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    text,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: One uploaded file (or CLI import): previewed first, then applied or discarded.
#: ``kind``: orders | daily. ``status``: preview | applied | discarded.
#: ``team_id`` is the team a single-store file belongs to (None when the file names teams
#: in a column). ``refused`` holds the refused lines of the preview (line number, reason).
results_imports = Table(
    "results_imports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True),
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("status", String(10), nullable=False, server_default=text("'preview'")),
    Column("rows_total", Integer, nullable=False, server_default=text("0")),
    Column("rows_new", Integer, nullable=False, server_default=text("0")),
    Column("rows_corrected", Integer, nullable=False, server_default=text("0")),
    Column("rows_unchanged", Integer, nullable=False, server_default=text("0")),
    Column("rows_refused", Integer, nullable=False, server_default=text("0")),
    Column("refused", JSON, nullable=False, default=list),
    Column("created_by", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("applied_at", UTCDateTime, nullable=True),
    Index("ix_results_imports_season_created_at", "season", "created_at"),
)

#: One order of a team's store, as its export had it; idempotent by (team, order id).
#: Amounts are in minor units (cents) of ``currency`` and, converted with the season's
#: rate table at import, of the season's base currency (``amount_base_minor``).
#: ``buyer_hash`` is a keyed hash of the buyer (buyer data is never stored in clear).
#: ``status``: the order's/logistics status as exported, lower-cased (created, paid,
#: shipped, delivered, cancelled, ...). ``review``: ok (no flag) | flagged (an open fraud
#: flag: excluded from scoring) | cleared (an organizer cleared its flags: counted) |
#: confirmed (confirmed fake: excluded for good).
store_orders = Table(
    "store_orders",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", String(100), nullable=False),
    Column("ordered_at", UTCDateTime, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_base_minor", BigInteger, nullable=False),
    Column("country", String(2), nullable=True),
    Column("category", String(60), nullable=True),
    Column("channel", String(60), nullable=True),
    Column("buyer_hash", String(64), nullable=True),
    Column("tracking_number", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("refunded", Boolean, nullable=False, default=False),
    Column("review", String(10), nullable=False, server_default=text("'ok'")),
    Column(
        "import_id",
        BigInteger,
        ForeignKey("results_imports.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("source_line", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("team_id", "order_id", name="uq_store_orders_team_id_order_id"),
    Index("ix_store_orders_season_team_id_ordered_at", "season", "team_id", "ordered_at"),
    Index("ix_store_orders_season_order_id", "season", "order_id"),
    Index("ix_store_orders_season_buyer_hash", "season", "buyer_hash"),
    Index("ix_store_orders_season_tracking_number", "season", "tracking_number"),
    Index("ix_store_orders_season_review", "season", "review"),
)

#: What a correction replaced: the order row's previous values (JSON), which import
#: replaced them and when (the audit trail of corrections).
store_order_history = Table(
    "store_order_history",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column(
        "order_row_id",
        BigInteger,
        ForeignKey("store_orders.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "import_id",
        BigInteger,
        ForeignKey("results_imports.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("previous", JSON, nullable=False),
    Column("replaced_at", UTCDateTime, nullable=False),
    Index("ix_store_order_history_order_row_id", "order_row_id"),
)

#: A team's per-day aggregate of one base metric (visitors, ad_spend, followers, or
#: orders/sales for teams that import aggregates only). Money metrics are stored in the
#: season's base currency (converted at import). One row per (team, day, metric): a
#: re-import of the same day replaces the value.
store_daily = Table(
    "store_daily",
    metadata,
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("metric", String(40), nullable=False),
    Column("value", Float, nullable=False),
    Column(
        "import_id",
        BigInteger,
        ForeignKey("results_imports.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("season", "team_id", "day", "metric", name="pk_store_daily"),
    # Covering the weekly metrics: a week's sums are read from this index alone (0028).
    Index("ix_store_daily_season_day_values", "season", "day", "metric", "team_id", "value"),
)

#: The checked rows of an import waiting for Apply or Discard (zlib-compressed JSON, buyers
#: already hashed), so a preview can be applied after a restart; deleted when decided.
results_import_staged = Table(
    "results_import_staged",
    metadata,
    Column(
        "import_id",
        BigInteger,
        ForeignKey("results_imports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rows", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
