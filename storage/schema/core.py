"""Core tables: members, audit log, server resources, scheduled jobs, the Discord post journal."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.types import BigIntPK, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Everyone the bot has seen interact, with what the features share about them.
members = Table(
    "members",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("display_name", String(100), nullable=False),
    Column("locale", String(10), nullable=False, server_default="en"),
    Column("cohort_key", String(20), nullable=True),
    Column("account_created_at", UTCDateTime, nullable=True),
    Column("joined_guild_at", UTCDateTime, nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("left_guild_at", UTCDateTime, nullable=True),
)


#: Every organizer action and every automatic repair, append-only.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", BigInteger, nullable=True),  # NULL: the bot itself
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=True),
    Column("details", JSON, nullable=False, default=dict),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor_id", "actor_id"),
)


#: Discord roles and channels the config names, with the ids found or created for them.
guild_resources = Table(
    "guild_resources",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # role | category | channel
    Column("key", String(64), nullable=False),  # e.g. "cohort:rookie", "channel:leaderboard"
    Column("name", String(100), nullable=False),
    Column("discord_id", BigInteger, nullable=False),
    Column("created_by_bot", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("guild_id", "kind", "key", name="uq_guild_resources_guild_kind_key"),
)


#: Durable timers. The rows are the truth; the in-memory scheduler is rebuilt from them.
scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("key", String(200), nullable=False, unique=True),  # one row per occurrence
    Column("run_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("payload", JSON, nullable=False, default=dict),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_at", UTCDateTime, nullable=True),
    # The lease key of the process running it (storage.wakeup): alive while that
    # process holds its advisory lock, so another worker never re-runs a live claim.
    Column("lease_key", BigInteger, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_scheduled_jobs_status_run_at", "status", "run_at"),
)


#: The journal of every Discord post Podium makes on its own (broadcasts, Q&A notices,
#: weekly and final boards, contest results, drop alerts): one row per post ``key``, claimed
#: before sending by one process (``owner``) so two paths never post it both; ``claimed_at``
#: bounds the search for a post a dead process may have made. ``nonce``: the nonce of a claim
#: made before the journals were merged (migration 0013); otherwise it comes from the id.
discord_posts = Table(
    "discord_posts",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # claimed | posted | failed
    Column("owner", String(32), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("channel_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("error", String(200), nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("nonce", String(25), nullable=True),
    UniqueConstraint("key", name="uq_discord_posts_key"),
)
