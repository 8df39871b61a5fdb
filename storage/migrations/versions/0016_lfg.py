"""The team finder: free agents' cards (``lfg_cards``), their skill and language tags
(``lfg_card_tags``) and captains' invites (``lfg_invites``, one pending per team and member).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lfg_cards",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("skills", sa.String(200), nullable=False),
        sa.Column("languages", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(40), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.Column("looking_for", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("season", "user_id", name="pk_lfg_cards"),
    )
    op.create_index(
        "ix_lfg_cards_season_track_updated_at", "lfg_cards", ["season", "track", "updated_at"]
    )
    op.create_table(
        "lfg_card_tags",
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("season", "user_id", "kind", "tag", name="pk_lfg_card_tags"),
    )
    op.create_index("ix_lfg_card_tags_season_kind_tag", "lfg_card_tags", ["season", "kind", "tag"])
    op.create_table(
        "lfg_invites",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("season", sa.String(32), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("captain_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_lfg_invites_team_id_teams", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lfg_invites"),
    )
    op.create_index(
        "uq_lfg_invites_team_id_user_id_pending",
        "lfg_invites",
        ["team_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_lfg_invites_user_id_status", "lfg_invites", ["user_id", "status"])


def downgrade() -> None:
    op.drop_table("lfg_invites")
    op.drop_table("lfg_card_tags")
    op.drop_table("lfg_cards")
