"""Teams and team members, per season.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("name_key", sa.String(128), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("captain_id", sa.BigInteger(), nullable=False),
        sa.Column("invite_code", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("disbanded_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("invite_code", name="uq_teams_invite_code"),
    )
    op.create_index(
        "uq_teams_season_name_key_active",
        "teams",
        ["season", "name_key"],
        unique=True,
        sqlite_where=sa.text("disbanded_at IS NULL"),
        postgresql_where=sa.text("disbanded_at IS NULL"),
    )
    op.create_index("ix_teams_season_track", "teams", ["season", "track"])
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_team_members_team_id_teams", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_team_members"),
        sa.UniqueConstraint("season", "user_id", name="uq_team_members_season_user_id"),
    )


def downgrade() -> None:
    op.drop_table("team_members")
    op.drop_index("ix_teams_season_track", "teams")
    op.drop_index("uq_teams_season_name_key_active", "teams")
    op.drop_table("teams")
