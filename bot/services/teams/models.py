"""What the team service returns: teams, their members and the changes it made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.queries.teams import TeamRow


@dataclass(frozen=True, slots=True)
class Team:
    """A team as features see it. ``channel_id`` is its private channel, if any."""

    id: int
    season: str
    name: str
    track: str
    captain_id: int
    invite_code: str
    channel_id: int | None
    created_at: dt.datetime
    disbanded_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: TeamRow) -> Team:
        """Build from a storage row."""
        return cls(
            id=row.id,
            season=row.season,
            name=row.name,
            track=row.track,
            captain_id=row.captain_id,
            invite_code=row.invite_code,
            channel_id=row.channel_id,
            created_at=row.created_at,
            disbanded_at=row.disbanded_at,
        )


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A member of a team and when they joined (UTC)."""

    user_id: int
    joined_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TeamDetails:
    """A team with its members (longest-standing first) and size limits."""

    team: Team
    members: tuple[TeamMember, ...]
    min_size: int
    max_size: int

    @property
    def complete(self) -> bool:
        """True when the team has at least ``min_size`` members."""
        return len(self.members) >= self.min_size


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """Someone joined or left a team. ``team`` is the state after the change.

    ``new_captain_id`` is set when captaincy passed on; ``disbanded`` when the team was
    left empty (or disbanded outright); ``remaining`` are the members still in it.
    """

    team: Team
    user_id: int
    joined: bool
    new_captain_id: int | None = None
    disbanded: bool = False
    remaining: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Disbanded:
    """A team was disbanded; ``members`` were in it at that moment."""

    team: Team
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MoveResult:
    """An organizer moved a member: out of ``left`` (if they were in a team) into ``joined``."""

    left: MembershipChange | None
    joined: MembershipChange


@dataclass(frozen=True, slots=True)
class RegistrationStatus:
    """Whether teams may be created and joined now, and why not."""

    open: bool
    deadline: dt.datetime | None
    locked_at: dt.datetime | None
