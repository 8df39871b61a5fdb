"""Tables of teams, their members, registration locks and cohort imports."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    text,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

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


#: A season's team registration closed by an organizer (``/team admin-lock``); no row: open.
team_registration_locks = Table(
    "team_registration_locks",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("locked_at", UTCDateTime, nullable=False),
    Column("locked_by", BigInteger, nullable=True),
)


#: A checked ``/cohort import`` file waiting for (or past) an organizer's confirmation.
#: ``rows`` holds the valid assignments, ``errors`` the refused rows, both as JSON lists.
cohort_imports = Table(
    "cohort_imports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("actor_id", BigInteger, nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("rows", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("applied_at", UTCDateTime, nullable=True),
    Column("applied_by", BigInteger, nullable=True),
)

#: Disbanded teams only (few): lets a board's rank count skip them without a join per row.
Index(
    "ix_teams_season_disbanded",
    teams.c.season,
    sqlite_where=text("disbanded_at IS NOT NULL"),
    postgresql_where=text("disbanded_at IS NOT NULL"),
)
