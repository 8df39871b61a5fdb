"""WhatsApp relay state, number verification, consent history and broadcasts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("needs_check", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("claimed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("status_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("mode", sa.String(10), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(200), nullable=True))
    op.create_table(
        "verification_codes",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("phone_e164", sa.String(20), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("link_hash", sa.String(128), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_codes"),
        sa.UniqueConstraint("user_id", name="uq_verification_codes_user_id"),
    )
    op.create_table(
        "consent_records",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_consent_records_subscriber_id_subscribers",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consent_records"),
    )
    op.create_index("ix_consent_records_user_id", "consent_records", ["user_id"])
    op.create_table(
        "broadcasts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(40), nullable=False),
        sa.Column("channels", sa.String(10), nullable=False),
        sa.Column("first_run_at", UTCDateTime(), nullable=False),
        sa.Column("repeat", sa.String(100), nullable=True),
        sa.Column("template_sid", sa.String(34), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_run_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
    )
    op.create_table(
        "broadcast_posts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("broadcast_id", sa.BigInteger(), nullable=False),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_broadcast_posts_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_broadcast_posts"),
        sa.UniqueConstraint(
            "occurrence_key", "channel_id", name="uq_broadcast_posts_occurrence_key_channel_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("broadcast_posts")
    op.drop_table("broadcasts")
    op.drop_index("ix_consent_records_user_id", "consent_records")
    op.drop_table("consent_records")
    op.drop_table("verification_codes")
    with op.batch_alter_table("outbox") as batch:
        for column in ("last_error", "mode", "status_at", "claimed_at", "needs_check"):
            batch.drop_column(column)
