"""Tables of the points ledger, weekly totals, imports and season closes."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, text

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: The points ledger, append-only: corrections are reversal entries (``reverses_id``), never
#: updates or deletes. ``week_key`` is the competition week the points count for (a
#: reversal counts in the week of the entry it reverses). ``reference`` makes automatic and
#: imported entries idempotent per source; an entry can be reversed at most once.
points_ledger = Table(
    "points_ledger",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id"), nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("amount", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("source", String(20), nullable=False),  # award | import | ugc | qa_attendance | judging
    Column("reference", String(200), nullable=True),
    Column("reverses_id", BigInteger, ForeignKey("points_ledger.id"), nullable=True, unique=True),
    Column("week_key", String(16), nullable=False),
    Column("actor_id", BigInteger, nullable=True),  # NULL: the bot itself
    Column("at", UTCDateTime, nullable=False),
    Index("uq_points_ledger_season_source_reference", "season", "source", "reference", unique=True),
    Index("ix_points_ledger_team_id_id", "team_id", "id"),
    Index("ix_points_ledger_team_id_week_key_source", "team_id", "week_key", "source"),
)


#: Per-team weekly totals, written in the same transaction as each ledger entry, so a
#: weekly board reads one week's rows of one track instead of scanning the ledger.
#: ``reached_at`` is when the total last changed: the tie-break "who reached it first".
team_week_points = Table(
    "team_week_points",
    metadata,
    Column("team_id", BigInteger, ForeignKey("teams.id"), primary_key=True),
    Column("week_key", String(16), primary_key=True),
    Column("season", String(32), nullable=False),
    Column("track", String(20), nullable=False),
    Column("total", Integer, nullable=False),
    Column("reached_at", UTCDateTime, nullable=False),
    Index("ix_team_week_points_board", "season", "week_key", "track", "total"),
)


#: A checked points CSV waiting for (or past) an organizer's decision. ``rows`` holds the
#: valid rows, ``errors`` the refused ones (JSON lists). A file (by its SHA-256) is
#: imported at most once per season: the partial unique index enforces it.
point_imports = Table(
    "point_imports",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # preview | imported | cancelled
    Column("rows", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("actor_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", BigInteger, nullable=True),
    Column("entries", Integer, nullable=False, default=0),
    Index(
        "uq_point_imports_season_file_hash_imported",
        "season",
        "file_hash",
        unique=True,
        sqlite_where=text("status = 'imported'"),
        postgresql_where=text("status = 'imported'"),
    ),
)


#: Closed seasons: no points may be added or revoked once a season has a row here.
season_closures = Table(
    "season_closures",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("closed_at", UTCDateTime, nullable=False),
    Column("closed_by", BigInteger, nullable=True),
)


#: Members of a closed season's Top N teams; ``granted_at`` once the Alumni role was given.
season_alumni = Table(
    "season_alumni",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("team_id", BigInteger, ForeignKey("teams.id"), nullable=False),
    Column("track", String(20), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("granted_at", UTCDateTime, nullable=True),
)
