"""Tables of team progress milestones: each team's stage, its history, the stuck alerts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: A team's current stage (a ``[[progress.stages]]`` key) and since when it sits there. A
#: team without a row is at the first stage since it was formed.
team_progress = Table(
    "team_progress",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("season", String(32), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_team_progress_season_stage", "season", "stage"),
)

#: Every change of a team's stage: ``source`` report (a member, with evidence) | auto
#: (imported results) | organizer (set by hand) | undo (an organizer reverted the change
#: ``undoes``). ``previous_stage``/``previous_since`` restore the stage on undo
#: (``previous_stage`` None: the team had no row, i.e. sat at the first stage).
progress_events = Table(
    "progress_events",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("previous_stage", String(20), nullable=True),
    Column("previous_since", UTCDateTime, nullable=True),
    Column("source", String(10), nullable=False),
    Column("evidence_url", String(500), nullable=True),
    Column("evidence_file", String(200), nullable=True),
    Column("reported_by", BigInteger, nullable=True),
    Column("decided_by", BigInteger, nullable=True),
    Column("undoes", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("undone_at", UTCDateTime, nullable=True),
    Index("ix_progress_events_team_id_id", "team_id", "id"),
)

#: A stuck alert: ``stuck_teams`` of ``active_teams`` sat at ``stage`` for the configured
#: days when the daily check of ``week_key`` ran; one per (season, stage, week). ``team_ids``
#: are those teams (a clinic scheduled from the alert is for exactly them: ``session_id``).
progress_alerts = Table(
    "progress_alerts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("week_key", String(10), nullable=False),
    Column("team_ids", JSON, nullable=False),
    Column("active_teams", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column(
        "session_id",
        BigInteger,
        ForeignKey("qa_sessions.id", ondelete="SET NULL"),
        nullable=True,
    ),
    UniqueConstraint(
        "season", "stage", "week_key", name="uq_progress_alerts_season_stage_week_key"
    ),
)
