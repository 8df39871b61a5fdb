"""Registration: profiles, their consents, eligibility codes, proofs and grants.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import BigIntPK, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_profiles"),
    )
    op.create_table(
        "profile_consents",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("text", sa.String(1500), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_profile_consents"),
    )
    op.create_index("ix_profile_consents_user_id", "profile_consents", ["user_id", "accepted_at"])
    op.create_table(
        "eligibility_codes",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_eligibility_codes"),
    )
    op.create_index("ix_eligibility_codes_user_id", "eligibility_codes", ["user_id", "created_at"])
    op.create_table(
        "eligibility_proofs",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_eligibility_proofs"),
    )
    op.create_index(
        "ix_eligibility_proofs_status", "eligibility_proofs", ["status", "submitted_at"]
    )
    op.create_index("ix_eligibility_proofs_user_id", "eligibility_proofs", ["user_id"])
    op.create_table(
        "eligibility_grants",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("proof_id", sa.BigInteger(), nullable=True),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "track", name="pk_eligibility_grants"),
    )


def downgrade() -> None:
    op.drop_table("eligibility_grants")
    op.drop_index("ix_eligibility_proofs_user_id", table_name="eligibility_proofs")
    op.drop_index("ix_eligibility_proofs_status", table_name="eligibility_proofs")
    op.drop_table("eligibility_proofs")
    op.drop_index("ix_eligibility_codes_user_id", table_name="eligibility_codes")
    op.drop_table("eligibility_codes")
    op.drop_index("ix_profile_consents_user_id", table_name="profile_consents")
    op.drop_table("profile_consents")
    op.drop_table("profiles")
