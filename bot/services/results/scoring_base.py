"""What the results scoring services share: the metrics they read, the season, its weeks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.calendar import Week, resolve_week
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.config.results_scoring import TrackScoring
from bot.services.results.scoring_errors import (
    InvalidResultsWeek,
    TrackNotScored,
    UnknownResultsTrack,
)
from storage.engine import Database
from storage.queries import teams as team_queries
from storage.queries.teams import TeamRow

Dimension = Literal["country", "category", "channel"]
TeamMetrics = dict[int, dict[str, float | None]]


class MetricsSource(Protocol):
    """The metrics engine (``ResultsService``): every base and derived metric per team over
    a span of days (counted orders only), and order metrics per group."""

    async def team_metrics(
        self,
        *,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> TeamMetrics: ...

    async def breakdown(
        self,
        *,
        by: Dimension,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[int, dict[str, dict[str, float | None]]]: ...

    async def inputs_revision(self) -> str:
        """A token that changes whenever anything ``team_metrics`` reads changes (a week
        scored at one token need not be scored again while it stands)."""
        ...

    async def changed_teams(self, *, since: str) -> frozenset[int] | None:
        """The teams whose inputs changed after the token ``since`` (None: possibly any
        team, or the source cannot tell)."""
        ...


@dataclass(slots=True)
class ScoringBase:
    """The season, its weeks and the scoring of one track's teams for a week."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    metrics: MetricsSource

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    def week(self, text: str | None, *, default: str = "last") -> Week:
        """``current``, ``last`` (default) or ``YYYY-Www``; raises InvalidResultsWeek."""
        try:
            return resolve_week(
                (text or default).strip().lower() or default,
                self.clock.now(),
                self.competition.tz,
                self.competition.week_start_index,
            )
        except ValueError:
            raise InvalidResultsWeek(week=(text or "")[:20]) from None

    @staticmethod
    def days(week: Week) -> tuple[dt.date, dt.date]:
        """The first and last day of ``week`` (inclusive), as the metrics engine takes them."""
        return week.first_day, week.first_day + dt.timedelta(days=6)

    def check_track(self, track: str) -> str:
        """``track`` if it is a configured track; raises UnknownResultsTrack."""
        if track not in self.competition.track_keys:
            raise UnknownResultsTrack(
                track=track[:20], tracks=", ".join(self.competition.track_keys)
            )
        return track

    def track_scoring(self, track: str) -> TrackScoring:
        """The scoring of ``track``; raises TrackNotScored."""
        scoring = self.competition.results.scoring.for_track(self.check_track(track))
        if scoring is None:
            raise TrackNotScored(track=track)
        return scoring

    async def active_teams(self, track: str | None = None) -> list[TeamRow]:
        """The season's active teams (of one track), by name."""
        async with self.db.read() as conn:
            return await team_queries.active(conn, self.season, track)
