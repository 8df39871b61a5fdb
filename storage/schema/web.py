"""Tables of the web sign-in: login tokens, sessions and secrets."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from storage.schema.core import metadata
from storage.types import UTCDateTime

#: Dashboard login links (``/admin dashboard``): the SHA-256 of the random part of the link
#: (the link itself is never stored); single use (``used_at``), 10 minutes.
web_login_tokens = Table(
    "web_login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_web_login_tokens_expires_at", "expires_at"),
)


#: Dashboard sessions: the SHA-256 of the cookie value, the CSRF token bound to it.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_web_sessions_user_id", "user_id"),
)


#: Secrets the web layer generates itself (``link_signing``: signs login links when
#: ``DASHBOARD_SECRET`` is not set), kept so links survive restarts.
web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


#: Judge portal sign-in links (external judges, or any judge, issued by an organizer): the
#: SHA-256 of the link's random part, the judge it signs in; single use, 72 hours at most.
judge_login_tokens = Table(
    "judge_login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("judge_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_judge_login_tokens_judge_id", "judge_id"),
)


#: Judge portal sessions: kept apart from ``web_sessions`` so a judge session can never
#: open the organizer dashboard. The SHA-256 of the cookie value, the CSRF token.
judge_sessions = Table(
    "judge_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("judge_id", BigInteger, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_judge_sessions_judge_id", "judge_id"),
)


#: The live roadshow final of a live judging round: the scheduled Q&A session it runs in
#: and the running order's position on stage (None: not started; ``finished_at``: every
#: entry has presented). The running order is the round's entry order.
judging_live = Table(
    "judging_live",
    metadata,
    Column("round_id", BigInteger, primary_key=True, autoincrement=False),
    Column("qa_session_id", BigInteger, nullable=False),
    Column("position", Integer, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
