"""The database schema: every table, as SQLAlchemy Core metadata.

Alembic migrations in ``storage/migrations/versions`` create these tables; a test checks
that the migrated database matches this metadata, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
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
    Column("finished_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_scheduled_jobs_status_run_at", "status", "run_at"),
)

#: Teams, per season. ``name_key`` is the name after NFKC + casefold, unique among the
#: season's active teams; disbanded teams keep their row so ledger history stays readable.
teams = Table(
    "teams",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("name_key", String(128), nullable=False),
    Column("track", String(20), nullable=False),
    Column("captain_id", BigInteger, nullable=False),
    Column("invite_code", String(16), nullable=False, unique=True),
    Column("channel_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disbanded_at", UTCDateTime, nullable=True),
    Index(
        "uq_teams_season_name_key_active",
        "season",
        "name_key",
        unique=True,
        sqlite_where=Column("disbanded_at").is_(None),
        postgresql_where=Column("disbanded_at").is_(None),
    ),
    Index("ix_teams_season_track", "season", "track"),
)

#: Who is in which team. One team per member per season (the unique constraint enforces it).
team_members = Table(
    "team_members",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("season", String(32), nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    UniqueConstraint("season", "user_id", name="uq_team_members_season_user_id"),
)

#: WhatsApp subscribers: a number linked by a member with recorded consent. ``user_id`` is
#: NULL after the member erased their data; ``opted_out_at`` set means never message it.
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=True, unique=True),
    Column("phone_e164", String(20), nullable=False, unique=True),
    Column("language", String(10), nullable=False, server_default="en"),
    Column("consent_at", UTCDateTime, nullable=False),
    Column("consent_source", String(32), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("opted_out_at", UTCDateTime, nullable=True),
    Column("last_inbound_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

#: One WhatsApp message to one subscriber for one occurrence of something (a weekly board,
#: a broadcast occurrence, a reminder). The unique key makes enqueueing idempotent, so a
#: job that runs twice never sends twice. The relay worker drains queued rows.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("occurrence_key", String(200), nullable=False),
    Column(
        "subscriber_id",
        BigInteger,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("kind", String(32), nullable=False),  # reminder | broadcast | leaderboard | …
    Column("language", String(10), nullable=False),
    Column("body", Text, nullable=False),  # freeform text, used inside the 24-hour window
    Column("variables", JSON, nullable=False, default=dict),  # template variables outside it
    Column("status", String(16), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=True),
    Column("twilio_sid", String(40), nullable=True, unique=True),
    Column("error_code", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "occurrence_key", "subscriber_id", name="uq_outbox_occurrence_key_subscriber_id"
    ),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_subscriber_id_status", "subscriber_id", "status"),
)
