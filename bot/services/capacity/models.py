"""What the capacity service returns: a team's standing, a track's figures, and the plain
data of its Discord notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Why a team lost its place or left the waitlist (``Standing.release_reason``).
WITHDRAWN, DISBANDED, NO_CHECKIN, DECLINED, LAPSED = (
    "withdrawn",
    "disbanded",
    "no_checkin",
    "declined",
    "lapsed",
)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a team stands: ``status`` is ``placed``, ``waitlisted``, ``offered`` or
    ``released``; ``position`` is its place in the waitlist (1 = next), ``cap`` the track's
    (None: no cap); ``offer_id``/``offer_expires_at`` describe its open offer."""

    team_id: int
    track: str
    status: str
    cap: int | None
    position: int | None = None
    offer_id: int | None = None
    offer_expires_at: dt.datetime | None = None
    checked_in_at: dt.datetime | None = None
    release_reason: str | None = None


@dataclass(frozen=True, slots=True)
class TrackCapacity:
    """A track's figures for organizers: places taken (placed + offered) of ``cap``."""

    track: str
    cap: int | None
    placed: int
    offered: int
    waitlisted: int
    checked_in: int
    released: int

    @property
    def taken(self) -> int:
        """Places held: placed teams and teams with an open offer."""
        return self.placed + self.offered


@dataclass(frozen=True, slots=True)
class CapacityStatus:
    """Every track's figures and the check-in window (None when not configured)."""

    tracks: tuple[TrackCapacity, ...]
    checkin_opens: dt.datetime | None
    checkin_closes: dt.datetime | None


@dataclass(frozen=True, slots=True)
class OfferNotice:
    """A freed place offered to a team: the DM to its captain (Accept / Decline buttons) and
    the WhatsApp message to its linked members."""

    offer_id: int
    team_id: int
    team_name: str
    track: str
    captain_id: int
    expires_at: dt.datetime
    locale: str


#: ``TeamNotice.what``: a lapsed offer, a place lost at the check-in close, the check-in
#: opening (with its button) and the reminder before it closes.
NOTICE_LAPSED, NOTICE_NO_CHECKIN, NOTICE_CHECKIN_OPEN, NOTICE_CHECKIN_REMINDER = (
    "lapsed",
    "no_checkin",
    "checkin_open",
    "checkin_reminder",
)


@dataclass(frozen=True, slots=True)
class TeamNotice:
    """A DM to a team's captain about its place; ``at`` is the deadline it names."""

    what: str
    team_id: int
    team_name: str
    captain_id: int
    at: dt.datetime | None
    locale: str
