"""Points ledger, weekly totals, leaderboard posts, point imports, season close.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_teams_season_disbanded",
        "teams",
        ["season"],
        sqlite_where=sa.text("disbanded_at IS NOT NULL"),
        postgresql_where=sa.text("disbanded_at IS NOT NULL"),
    )
    op.create_table(
        "points_ledger",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(200), nullable=True),
        sa.Column("reverses_id", sa.BigInteger(), nullable=True),
        sa.Column("week_key", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_points_ledger_team_id_teams"),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["points_ledger.id"], name="fk_points_ledger_reverses_id_points_ledger"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_points_ledger"),
        sa.UniqueConstraint("reverses_id", name="uq_points_ledger_reverses_id"),
    )
    op.create_index(
        "uq_points_ledger_season_source_reference",
        "points_ledger",
        ["season", "source", "reference"],
        unique=True,
    )
    op.create_index("ix_points_ledger_team_id_id", "points_ledger", ["team_id", "id"])
    op.create_index(
        "ix_points_ledger_team_id_week_key_source",
        "points_ledger",
        ["team_id", "week_key", "source"],
    )
    op.create_table(
        "team_week_points",
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("week_key", sa.String(16), nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("reached_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_team_week_points_team_id_teams"
        ),
        sa.PrimaryKeyConstraint("team_id", "week_key", name="pk_team_week_points"),
    )
    op.create_index(
        "ix_team_week_points_board",
        "team_week_points",
        ["season", "week_key", "track", "total"],
    )
    op.create_table(
        "leaderboard_posts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("week_key", sa.String(16), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("posted_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_leaderboard_posts"),
        sa.UniqueConstraint(
            "season", "week_key", "track", name="uq_leaderboard_posts_season_week_track"
        ),
    )
    op.create_table(
        "point_imports",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_point_imports"),
    )
    op.create_index(
        "uq_point_imports_season_file_hash_imported",
        "point_imports",
        ["season", "file_hash"],
        unique=True,
        sqlite_where=sa.text("status = 'imported'"),
        postgresql_where=sa.text("status = 'imported'"),
    )
    op.create_table(
        "season_closures",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("season", name="pk_season_closures"),
    )
    op.create_table(
        "season_alumni",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_season_alumni_team_id_teams"),
        sa.PrimaryKeyConstraint("season", "user_id", name="pk_season_alumni"),
    )


def downgrade() -> None:
    op.drop_table("season_alumni")
    op.drop_table("season_closures")
    op.drop_index("uq_point_imports_season_file_hash_imported", "point_imports")
    op.drop_table("point_imports")
    op.drop_table("leaderboard_posts")
    op.drop_index("ix_team_week_points_board", "team_week_points")
    op.drop_table("team_week_points")
    op.drop_index("ix_points_ledger_team_id_week_key_source", "points_ledger")
    op.drop_index("ix_points_ledger_team_id_id", "points_ledger")
    op.drop_index("uq_points_ledger_season_source_reference", "points_ledger")
    op.drop_table("points_ledger")
    op.drop_index("ix_teams_season_disbanded", "teams")
