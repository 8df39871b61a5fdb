"""Tables of capacity: each team's place or waitlist entry, offers of freed places, and
the per-track lock row that serializes every capacity change."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, text

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: One row per (season, track) with a cap: locked (FOR UPDATE) by every capacity change of
#: the track, so two places freeing at once or an accept racing the lapse job run one after
#: the other. ``checkin_closed_at``: when the check-in close released unconfirmed teams.
capacity_tracks = Table(
    "capacity_tracks",
    metadata,
    Column("season", String(32), primary_key=True),
    Column("track", String(20), primary_key=True),
    Column("checkin_closed_at", UTCDateTime, nullable=True),
)

#: A team's standing: ``placed`` (holds a place), ``waitlisted`` (in line, ordered by
#: ``queued_at`` then team id), ``offered`` (a place is held for its open offer) or
#: ``released`` (out: ``release_reason`` says why). ``checked_in_by`` is the captain who
#: confirmed the team in the check-in window.
capacity_entries = Table(
    "capacity_entries",
    metadata,
    Column(
        "team_id",
        BigInteger,
        ForeignKey("teams.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("season", String(32), nullable=False),
    Column("track", String(20), nullable=False),
    Column("status", String(16), nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("placed_at", UTCDateTime, nullable=True),
    Column("checked_in_at", UTCDateTime, nullable=True),
    Column("checked_in_by", BigInteger, nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    Column("release_reason", String(16), nullable=True),
    Index("ix_capacity_entries_season_track_status", "season", "track", "status"),
)

#: An offer of a freed place to a waitlisted team: ``open`` until it is ``accepted``,
#: ``declined``, ``lapsed`` (its deadline passed) or ``void`` (the team left meanwhile).
#: At most one open offer per team.
capacity_offers = Table(
    "capacity_offers",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("season", String(32), nullable=False),
    Column("track", String(20), nullable=False),
    Column("status", String(16), nullable=False),
    Column("offered_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", BigInteger, nullable=True),
    Index(
        "uq_capacity_offers_team_open",
        "team_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    Index("ix_capacity_offers_season_status", "season", "status"),
)
