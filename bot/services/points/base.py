"""What every points service shares: the season, its weeks, input checks and team lookup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import Week, previous_week, resolve_week, week_of
from bot.clock import Clock
from bot.config import CompetitionConfig
from bot.services.names import name_key
from bot.services.points.errors import (
    InvalidWeek,
    SeasonClosed,
    TeamNotFound,
    UnknownCohort,
    UnknownTrack,
)
from storage.engine import Database
from storage.queries import teams as team_queries
from storage.queries.points import ledger as ledger_q
from storage.queries.points import seasons as seasons_q
from storage.queries.teams import TeamRow

_T = TypeVar("_T")


@dataclass(slots=True)
class PointsBase:
    """The current season and its weeks, and the checks every points service shares."""

    db: Database
    clock: Clock
    competition: CompetitionConfig

    @property
    def season(self) -> str:
        """The current season's label (``competition.season``)."""
        return self.competition.competition.season

    def current_week(self) -> Week:
        """The competition week containing now."""
        return week_of(self.clock.now(), self.competition.tz, self.competition.week_start_index)

    def recent_weeks(self, count: int) -> list[Week]:
        """The current week and the ``count - 1`` before it, newest first."""
        weeks = [self.current_week()]
        while len(weeks) < count:
            weeks.append(previous_week(weeks[-1], self.competition.tz))
        return weeks

    def resolve_week(self, text: str | None) -> Week:
        """``current`` (default), ``last`` or ``YYYY-Www`` as a week; raises InvalidWeek."""
        try:
            return resolve_week(
                text or "current",
                self.clock.now(),
                self.competition.tz,
                self.competition.week_start_index,
            )
        except ValueError:
            raise InvalidWeek(week=text) from None

    def _check_track(self, track: str) -> str:
        if track not in self.competition.track_keys:
            raise UnknownTrack(track=track, tracks=", ".join(self.competition.track_keys))
        return track

    def _check_cohort(self, cohort: str | None) -> str | None:
        if cohort is not None and cohort not in self.competition.cohort_keys:
            raise UnknownCohort(cohort=cohort, cohorts=", ".join(self.competition.cohort_keys))
        return cohort

    async def _team_by_text(self, conn: AsyncConnection, text: str) -> TeamRow:
        """A team of this season by exact name (NFKC + casefold) or by id."""
        cleaned = text.strip()
        team = await team_queries.by_name_key(conn, self.season, name_key(cleaned))
        if team is None and cleaned.lstrip("#").isdigit():
            found = await team_queries.get(conn, int(cleaned.lstrip("#")))
            if found is not None and found.season == self.season and found.disbanded_at is None:
                team = found
        if team is None:
            raise TeamNotFound(team=cleaned[:64])
        return team

    async def _ensure_open(self, conn: AsyncConnection) -> None:
        if await seasons_q.closure(conn, self.season) is not None:
            raise SeasonClosed(season=self.season)

    async def is_closed(self) -> bool:
        """True once ``/season close`` froze the current season."""
        async with self.db.read() as conn:
            return await seasons_q.closure(conn, self.season) is not None

    async def _lock_team(self, conn: AsyncConnection, team_id: int) -> TeamRow | None:
        # Serializes cap checks per team on PostgreSQL; SQLite's single writer already runs
        # one transaction at a time.
        return await ledger_q.lock_team(conn, team_id)


def present(value: _T | None) -> _T:
    """``value``, which the transaction that wrote it must be able to read back."""
    if value is None:
        raise RuntimeError("a row written in this transaction cannot be read back")
    return value
