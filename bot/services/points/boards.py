"""Leaderboards: a week's board of one track (optionally one cohort) and the season's board."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import Week
from bot.services.points.base import PointsBase
from bot.services.points.models import Board, Standing
from storage.queries import teams as team_queries
from storage.queries.points import boards as boards_q
from storage.queries.points.boards import BoardRow
from storage.queries.teams import TeamRow

BOARD_SIZE = 10
FINAL_WEEK_KEY = "final"


def rank_rows(rows: Sequence[BoardRow], *, above_first: int = 0) -> tuple[Standing, ...]:
    """Standard competition ranking of rows sorted best first (1, 2, 2, 4).

    ``above_first`` is how many teams rank above the first row (0 for a board's top).
    """
    ranked: list[Standing] = []
    for index, row in enumerate(rows):
        if ranked and ranked[-1].points == row.total:
            rank = ranked[-1].rank
        else:
            rank = above_first + index + 1
        ranked.append(Standing(rank, row.team_id, row.name, row.total, row.reached_at))
    return tuple(ranked)


@dataclass(slots=True)
class BoardService(PointsBase):
    """Reads the weekly totals as ranked boards (standard competition ranking)."""

    async def week_board(
        self,
        *,
        week: str | None = None,
        track: str | None = None,
        cohort: str | None = None,
        viewer_id: int | None = None,
        limit: int = BOARD_SIZE,
    ) -> Board:
        """``/leaderboard``: the top ``limit`` of one week and track (default: the viewer's
        team's track, else the first), optionally of one cohort, and the viewer's team rank.
        Only that week's entries count."""
        resolved = self.resolve_week(week)
        self._check_cohort(cohort)
        async with self.db.read() as conn:
            my_team = (
                await team_queries.team_of(conn, self.season, viewer_id)
                if viewer_id is not None
                else None
            )
            if track is None:
                track = my_team.track if my_team is not None else self.competition.track_keys[0]
            self._check_track(track)
            return await self.board(conn, resolved, track, cohort, my_team, limit)

    async def board(
        self,
        conn: AsyncConnection,
        week: Week,
        track: str,
        cohort: str | None,
        my_team: TeamRow | None,
        limit: int,
    ) -> Board:
        """``week``'s board of ``track`` (and ``cohort``) read on ``conn``, with the standing of
        ``my_team`` (the viewer's team) when that team belongs on this board."""
        rows = await boards_q.week_board(
            conn, season=self.season, week_key=week.key, track=track, cohort=cohort, limit=limit
        )
        ranked = rank_rows(rows)
        mine: Standing | None = None
        if my_team is not None and (
            my_team.track != track
            or (
                cohort is not None
                and not await boards_q.captain_in_cohort(conn, my_team.id, cohort)
            )
        ):
            my_team = None  # the viewer's team is not on this board at all
        if my_team is not None:
            mine = next((s for s in ranked if s.team_id == my_team.id), None)
            if mine is None:
                total = await boards_q.week_total(conn, my_team.id, week.key)
                if total != 0:
                    above = await boards_q.teams_above(
                        conn,
                        season=self.season,
                        week_key=week.key,
                        track=track,
                        total=total,
                        cohort=cohort,
                    )
                    mine = Standing(above + 1, my_team.id, my_team.name, total, week.start)
        return Board(
            season=self.season,
            week_key=week.key,
            week=week,
            track=track,
            cohort=cohort,
            rows=ranked,
            mine=mine,
            my_team=my_team.name if my_team is not None else None,
        )

    async def season_board(self, track: str, *, limit: int = BOARD_SIZE) -> Board:
        """The season's board of one track (season totals, same ranking rules)."""
        self._check_track(track)
        async with self.db.read() as conn:
            rows = await boards_q.season_board(conn, season=self.season, track=track, limit=limit)
        return Board(self.season, FINAL_WEEK_KEY, None, track, None, rank_rows(rows), None, None)
