"""What the progress service hands out: a team's progress, a change, the funnel, alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.config.progress import StageConfig


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a member gives when reporting a stage: a link and/or a file (its name and
    the address Discord keeps it at)."""

    link: str | None = None
    file_name: str | None = None
    file_url: str | None = None


@dataclass(frozen=True, slots=True)
class TeamProgress:
    """A team's stage (``index`` 0 = the first), since when, and the stage after it
    (None at the last stage)."""

    team_id: int
    team: str
    stage: StageConfig
    index: int
    since: dt.datetime
    next: StageConfig | None
    total: int  # how many stages there are


@dataclass(frozen=True, slots=True)
class StageChange:
    """A team moved from ``before`` to ``after`` (``source``: report | auto | organizer
    | undo)."""

    team_id: int
    team: str
    before: StageConfig
    after: StageConfig
    source: str


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    """One track and cohort: ``reached[i]`` teams are at stage ``i`` or beyond."""

    track: str
    cohort: str | None
    total: int
    reached: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StuckAlert:
    """``teams`` (id, name) of ``active`` active teams sat at ``stage`` for the
    configured days during the check of ``week_key``; ``session_id``: a clinic scheduled
    from it."""

    id: int
    stage: StageConfig
    week_key: str
    teams: tuple[tuple[int, str], ...]
    active: int
    days: int
    session_id: int | None

    @property
    def percent(self) -> int:
        """The stuck share of the active teams, in whole percent."""
        return round(len(self.teams) * 100 / self.active) if self.active else 0
