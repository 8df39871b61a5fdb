"""Store results imports: the checked rows of a previewed import
(``results_import_staged``), kept until Apply or Discard so a preview survives a restart.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "results_import_staged",
        sa.Column(
            "import_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "results_imports.id",
                ondelete="CASCADE",
                name="fk_results_import_staged_import_id_results_imports",
            ),
            nullable=False,
        ),
        sa.Column("rows", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", name="pk_results_import_staged"),
    )


def downgrade() -> None:
    op.drop_table("results_import_staged")
