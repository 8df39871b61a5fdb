"""What the team finder returns: cards, a page of them, invites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.queries.lfg import CardRow, InviteRow


@dataclass(frozen=True, slots=True)
class Card:
    """A free agent's card as typed (texts unescaped: escape them when showing)."""

    user_id: int
    track: str
    skills: str
    languages: str
    timezone: str
    utc_offset_minutes: int
    looking_for: str
    updated_at: dt.datetime
    display_name: str | None = None

    @classmethod
    def from_row(cls, row: CardRow) -> Card:
        """Build from a storage row."""
        return cls(
            user_id=row.user_id,
            track=row.track,
            skills=row.skills,
            languages=row.languages,
            timezone=row.timezone,
            utc_offset_minutes=row.utc_offset_minutes,
            looking_for=row.looking_for,
            updated_at=row.updated_at,
            display_name=row.display_name,
        )


@dataclass(frozen=True, slots=True)
class Filters:
    """What a captain browses for; None: any. ``timezone`` as typed (a name or offset)."""

    track: str | None = None
    skill: str | None = None
    language: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class CardPage:
    """One page of matching cards: ``page`` counts from 0 of ``pages`` (at least 1)."""

    cards: tuple[Card, ...]
    total: int
    page: int
    pages: int
    filters: Filters


@dataclass(frozen=True, slots=True)
class Invite:
    """A captain's invite into their team, with the team's name and track."""

    id: int
    team_id: int
    team_name: str
    track: str
    captain_id: int
    user_id: int
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime

    @classmethod
    def from_row(cls, row: InviteRow, team_name: str, track: str) -> Invite:
        """Build from a storage row and its team's name and track."""
        return cls(
            id=row.id,
            team_id=row.team_id,
            team_name=team_name,
            track=track,
            captain_id=row.captain_id,
            user_id=row.user_id,
            status=row.status,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )
