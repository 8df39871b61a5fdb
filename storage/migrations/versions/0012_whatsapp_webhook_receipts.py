"""WhatsApp: webhook receipts (replays are ignored), the order of consent changes, and
verification codes sent through the outbox.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_receipts",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_receipts"),
        sa.UniqueConstraint("kind", "key", name="uq_webhook_receipts_kind"),
    )
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("consent_changed_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("subscriber_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("verification_id", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(
            "fk_outbox_verification_id_verification_codes",
            "verification_codes",
            ["verification_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_verification_id_verification_codes", type_="foreignkey")
        batch.drop_column("verification_id")
    op.execute("DELETE FROM outbox WHERE subscriber_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("subscriber_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("consent_changed_at")
    op.drop_table("webhook_receipts")
