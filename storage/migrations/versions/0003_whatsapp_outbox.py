"""WhatsApp subscribers and the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("phone_e164", sa.String(20), nullable=False),
        sa.Column("language", sa.String(10), server_default="en", nullable=False),
        sa.Column("consent_at", UTCDateTime(), nullable=False),
        sa.Column("consent_source", sa.String(32), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("opted_out_at", UTCDateTime(), nullable=True),
        sa.Column("last_inbound_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.UniqueConstraint("user_id", name="uq_subscribers_user_id"),
        sa.UniqueConstraint("phone_e164", name="uq_subscribers_phone_e164"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("occurrence_key", sa.String(200), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("twilio_sid", sa.String(40), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_outbox_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("twilio_sid", name="uq_outbox_twilio_sid"),
        sa.UniqueConstraint(
            "occurrence_key", "subscriber_id", name="uq_outbox_occurrence_key_subscriber_id"
        ),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_subscriber_id_status", "outbox", ["subscriber_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_subscriber_id_status", "outbox")
    op.drop_index("ix_outbox_status_next_attempt_at", "outbox")
    op.drop_table("outbox")
    op.drop_table("subscribers")
