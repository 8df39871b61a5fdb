"""Progress milestones: each team's stage (``team_progress``), its history
(``progress_events``), stuck alerts (``progress_alerts``); Q&A sessions for a team list
(``qa_sessions.audience_teams``) with learning resources (``qa_sessions.resources``).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_progress",
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_team_progress_team_id_teams"),
            nullable=False,
        ),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_team_progress"),
    )
    op.create_index("ix_team_progress_season_stage", "team_progress", ["season", "stage"])
    op.create_table(
        "progress_events",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column(
            "team_id",
            sa.BigInteger(),
            sa.ForeignKey("teams.id", ondelete="CASCADE", name="fk_progress_events_team_id_teams"),
            nullable=False,
        ),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("previous_stage", sa.String(20), nullable=True),
        sa.Column("previous_since", UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("evidence_url", sa.String(500), nullable=True),
        sa.Column("evidence_file", sa.String(200), nullable=True),
        sa.Column("reported_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("undoes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_progress_events"),
    )
    op.create_index("ix_progress_events_team_id_id", "progress_events", ["team_id", "id"])
    op.create_table(
        "progress_alerts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("week_key", sa.String(10), nullable=False),
        sa.Column("team_ids", sa.JSON(), nullable=False),
        sa.Column("active_teams", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column(
            "session_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "qa_sessions.id",
                ondelete="SET NULL",
                name="fk_progress_alerts_session_id_qa_sessions",
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_progress_alerts"),
        sa.UniqueConstraint(
            "season", "stage", "week_key", name="uq_progress_alerts_season_stage_week_key"
        ),
    )
    op.add_column("qa_sessions", sa.Column("audience_teams", sa.JSON(), nullable=True))
    op.add_column("qa_sessions", sa.Column("resources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("qa_sessions") as batch:
        batch.drop_column("resources")
        batch.drop_column("audience_teams")
    op.drop_table("progress_alerts")
    op.drop_table("progress_events")
    op.drop_table("team_progress")
