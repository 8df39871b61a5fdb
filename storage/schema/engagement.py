"""Tables of engagement: daily activity, drop alerts and NPS surveys."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: Activity counts per member per competition-local day (counts only, never content).
activity_daily = Table(
    "activity_daily",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("messages", Integer, nullable=False, server_default="0"),
    Column("interactions", Integer, nullable=False, server_default="0"),
    Column("votes", Integer, nullable=False, server_default="0"),
    # the member's cohort key ("" without one) when the day's row was first written
    Column("cohort", String(20), nullable=False, server_default=""),
    Index("ix_activity_daily_day", "day", "user_id"),
)


#: Distinct active members per competition-local day and recorded cohort, kept exact by
#: every flush and erasure (counts only: no member ids).
activity_actives_daily = Table(
    "activity_actives_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("cohort", String(20), primary_key=True),
    Column("actives", Integer, nullable=False),
)


#: Distinct active members per competition week (by its first day) and cohort: a member
#: counts once, in the cohort of their earliest active day that week (no member ids).
activity_actives_weekly = Table(
    "activity_actives_weekly",
    metadata,
    Column("week_start", Date, primary_key=True),
    Column("cohort", String(20), primary_key=True),
    Column("actives", Integer, nullable=False),
)


#: How the rollups above were built: the week start they use (one row, id 1); none or a
#: different week start means they are rebuilt from ``activity_daily`` before use.
activity_rollup_state = Table(
    "activity_rollup_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("week_start_index", Integer, nullable=False),
    Column("built_at", UTCDateTime, nullable=False),
)


#: One week-over-week drop alert per cohort per week, claimed before it is posted.
activity_alerts = Table(
    "activity_alerts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("cohort", String(20), nullable=False),  # cohort key, "" for members without one
    Column("week_key", String(10), nullable=False),
    Column("previous_actives", Integer, nullable=False),
    Column("actives", Integer, nullable=False),
    Column("drop_percent", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # claimed | posted | failed
    Column("message_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("cohort", "week_key", name="uq_activity_alerts_cohort_week_key"),
)


#: NPS surveys posted with 0-10 buttons.
nps_surveys = Table(
    "nps_surveys",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("question", String(300), nullable=False),
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


#: One answer per member per survey; pressing another score replaces it.
nps_responses = Table(
    "nps_responses",
    metadata,
    Column(
        "survey_id",
        BigInteger,
        ForeignKey("nps_surveys.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("score", Integer, nullable=False),
    Column("answered_at", UTCDateTime, nullable=False),
)
