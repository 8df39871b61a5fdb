"""Split processes: who claimed a job or an outbox row, and wake-ups between processes.

``lease_key`` on ``scheduled_jobs`` and ``outbox``: the lease key of the process that
claimed the row (``storage.wakeup``), so another worker releases a claim only once its
process is gone. On PostgreSQL, triggers ``NOTIFY podium_wake`` when a job becomes pending
(new, moved, released) and when an outbox row is queued, so workers wake at once; the
payload is ``<schema>.jobs`` or ``<schema>.outbox``.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION podium_wake_{name}() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('podium_wake', TG_TABLE_SCHEMA || '.{name}');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("scheduled_jobs") as batch:
        batch.add_column(sa.Column("lease_key", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_key", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION.format(name="jobs"))
    op.execute(_FUNCTION.format(name="outbox"))
    op.execute(
        "CREATE TRIGGER podium_wake_jobs AFTER INSERT OR UPDATE ON scheduled_jobs "
        "FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION podium_wake_jobs()"
    )
    op.execute(
        "CREATE TRIGGER podium_wake_outbox AFTER INSERT OR UPDATE ON outbox "
        "FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION podium_wake_outbox()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS podium_wake_outbox ON outbox")
        op.execute("DROP TRIGGER IF EXISTS podium_wake_jobs ON scheduled_jobs")
        op.execute("DROP FUNCTION IF EXISTS podium_wake_outbox()")
        op.execute("DROP FUNCTION IF EXISTS podium_wake_jobs()")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_key")
    with op.batch_alter_table("scheduled_jobs") as batch:
        batch.drop_column("lease_key")
