"""What the calendar service hands out: phases with their state, notices, feed entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.config.phases import PhaseConfig

#: Notice kinds, the last part of a notice's key.
OPENS, DEADLINE, CLOSES = "opens", "deadline", "closes"
NOTICE_KINDS = (OPENS, DEADLINE, CLOSES)
#: Phase states relative to now.
PAST, CURRENT, UPCOMING = "past", "current", "upcoming"


@dataclass(frozen=True, slots=True)
class PlannedNotice:
    """One notice of the season's plan: ``key`` is its job and journal key."""

    key: str
    what: str  # opens | deadline | closes
    phase: PhaseConfig
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class PhaseNotice:
    """A notice as it goes out: the phase, what happens, and the phase that follows."""

    key: str
    what: str
    phase: PhaseConfig
    following: PhaseConfig | None


@dataclass(frozen=True, slots=True)
class PhaseStatus:
    """A phase and where it stands now (past, current or upcoming)."""

    phase: PhaseConfig
    state: str


@dataclass(frozen=True, slots=True)
class Overview:
    """The season's phases in time order, the current one, and the next deadline."""

    now: dt.datetime
    phases: tuple[PhaseStatus, ...]
    current: PhaseConfig | None
    next_deadline: PhaseConfig | None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One event of the iCalendar feed: a phase, a Q&A session or a contest window.

    ``kind`` is ``phase``, ``qa``, ``submissions`` or ``voting``; ``title`` is the user's
    or the config's text (a session or contest name), ``phase`` set for phases.
    """

    uid: str
    kind: str
    title: str
    start: dt.datetime
    end: dt.datetime
    phase: PhaseConfig | None = None
