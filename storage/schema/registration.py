"""Tables of registration: profiles, consents, and eligibility codes, proofs and grants."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: A member's answers to the ``[registration]`` fields: ``answers`` maps field key to the
#: cleaned value (a country as its ISO code, a year as digits). One row per member.
profiles = Table(
    "profiles",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("answers", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: The consent wording a member was shown on ``/register`` and accepted by submitting it.
profile_consents = Table(
    "profile_consents",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("version", String(32), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("text", String(1500), nullable=False),
    Column("accepted_at", UTCDateTime, nullable=False),
    Index("ix_profile_consents_user_id", "user_id", "accepted_at"),
)

#: E-mail codes for a track's eligibility: hashed (scrypt with the row's salt), expiring,
#: with counted wrong attempts; ``used_at`` marks one confirmed or replaced. Rows stay for
#: the rate limit (codes sent per member per hour).
eligibility_codes = Table(
    "eligibility_codes",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("track", String(20), nullable=False),
    Column("email", String(254), nullable=False),
    Column("code_hash", String(128), nullable=False),
    Column("salt", String(32), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_eligibility_codes_user_id", "user_id", "created_at"),
)

#: Proofs uploaded for organizer approval (the file stays on Discord; its URL is kept).
#: ``status``: pending | approved | rejected (with ``reason``).
eligibility_proofs = Table(
    "eligibility_proofs",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("track", String(20), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("content_type", String(100), nullable=True),
    Column("size", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("decided_by", BigInteger, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Index("ix_eligibility_proofs_status", "status", "submitted_at"),
    Index("ix_eligibility_proofs_user_id", "user_id"),
)

#: Who is eligible for which track, and how: ``method`` email (``email`` confirmed) or
#: proof (``proof_id`` approved).
eligibility_grants = Table(
    "eligibility_grants",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("track", String(20), primary_key=True),
    Column("method", String(16), nullable=False),
    Column("email", String(254), nullable=True),
    Column("proof_id", BigInteger, nullable=True),
    Column("granted_at", UTCDateTime, nullable=False),
)
