"""Tables of the team finder: free agents' cards, their search tags, captains' invites."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    text,
)

from storage.schema.core import metadata
from storage.types import BigIntPK, UTCDateTime

#: A member without a team looking for one: one card per member per season. The texts
#: are shown as typed (escaped when rendered); ``utc_offset_minutes`` is the timezone's
#: offset when the card was last saved, so browsing by timezone is one range test.
lfg_cards = Table(
    "lfg_cards",
    metadata,
    Column("season", String(32), nullable=False),
    Column("user_id", BigInteger, nullable=False, autoincrement=False),
    Column("track", String(20), nullable=False),
    Column("skills", String(200), nullable=False),
    Column("languages", String(100), nullable=False),
    Column("timezone", String(40), nullable=False),
    Column("utc_offset_minutes", Integer, nullable=False),
    Column("looking_for", String(300), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("season", "user_id", name="pk_lfg_cards"),
    Index("ix_lfg_cards_season_track_updated_at", "season", "track", "updated_at"),
)

#: One skill or language of a card, normalized (NFKC, casefolded), for exact filters.
lfg_card_tags = Table(
    "lfg_card_tags",
    metadata,
    Column("season", String(32), nullable=False),
    Column("user_id", BigInteger, nullable=False, autoincrement=False),
    Column("kind", String(10), nullable=False),
    Column("tag", String(40), nullable=False),
    PrimaryKeyConstraint("season", "user_id", "kind", "tag", name="pk_lfg_card_tags"),
    Index("ix_lfg_card_tags_season_kind_tag", "season", "kind", "tag"),
)

#: A captain's invite of a free agent into their team. ``status``: pending, accepted,
#: declined, expired (found past ``expires_at``) or void (the member joined another team,
#: or the team was gone). One pending invite per team and member (partial unique index).
lfg_invites = Table(
    "lfg_invites",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("season", String(32), nullable=False),
    Column("team_id", BigInteger, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False),
    Column("captain_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Index(
        "uq_lfg_invites_team_id_user_id_pending",
        "team_id",
        "user_id",
        unique=True,
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_lfg_invites_user_id_status", "user_id", "status"),
)
