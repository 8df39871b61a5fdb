"""Capacity: places and waitlist entries per team, offers of freed places, and the per-track
row that serializes capacity changes and records the check-in close.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_tracks",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("checkin_closed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("season", "track", name="pk_capacity_tracks"),
    )
    op.create_table(
        "capacity_entries",
        sa.Column("team_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=True),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("checked_in_by", sa.BigInteger(), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("release_reason", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name="fk_capacity_entries_team_id_teams",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name="pk_capacity_entries"),
    )
    op.create_index(
        "ix_capacity_entries_season_track_status",
        "capacity_entries",
        ["season", "track", "status"],
    )
    op.create_table(
        "capacity_offers",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name="fk_capacity_offers_team_id_teams",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_offers"),
    )
    op.create_index(
        "uq_capacity_offers_team_open",
        "capacity_offers",
        ["team_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_capacity_offers_season_status", "capacity_offers", ["season", "status"])


def downgrade() -> None:
    op.drop_index("ix_capacity_offers_season_status", table_name="capacity_offers")
    op.drop_index("uq_capacity_offers_team_open", table_name="capacity_offers")
    op.drop_table("capacity_offers")
    op.drop_index("ix_capacity_entries_season_track_status", table_name="capacity_entries")
    op.drop_table("capacity_entries")
    op.drop_table("capacity_tracks")
