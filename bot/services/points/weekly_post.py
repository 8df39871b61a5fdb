"""The weekly board post: when each week's board is due, claiming it once, what it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.calendar import Week, next_week, previous_week, to_utc, week_by_key, week_of
from bot.scheduler import Job, JobResult, NextRun
from bot.services.points.base import PointsBase
from bot.services.points.boards import BOARD_SIZE, FINAL_WEEK_KEY, BoardService
from bot.services.points.models import Board
from bot.services.publications import Publication

WEEKLY_POST_JOB = "points.weekly_post"
#: The publication kind of a board post (rendered by the points cog).
BOARD_PUBLICATION = "points.board"


@dataclass(slots=True)
class WeeklyPostService(PointsBase):
    """Schedules and claims the weekly board posts (one per season, week and track)."""

    boards: BoardService

    def post_time(self, week: Week) -> dt.datetime:
        """When ``week``'s board is posted: the next week's first day at the post time (UTC)."""
        following = next_week(week, self.competition.tz)
        return to_utc(
            dt.datetime.combine(following.first_day, self.competition.weekly_post_time),
            self.competition.tz,
        )

    def due_week(self, now: dt.datetime | None = None) -> Week:
        """The newest week whose post time has come (what a catch-up at start posts)."""
        now = now or self.clock.now()
        tz = self.competition.tz
        last = previous_week(week_of(now, tz, self.competition.week_start_index), tz)
        return last if self.post_time(last) <= now else previous_week(last, tz)

    def next_post(self, now: dt.datetime | None = None) -> tuple[Week, dt.datetime]:
        """The next week to post and when (strictly after ``now``)."""
        now = now or self.clock.now()
        week = next_week(self.due_week(now), self.competition.tz)
        return week, self.post_time(week)

    def post_job_key(self, week_key: str) -> str:
        """The scheduled job key of a week's post (one occurrence per season and week)."""
        return f"{WEEKLY_POST_JOB}:{self.season}:{week_key}"

    def board_post_key(self, week_key: str, track: str) -> str:
        """The journal key of one board post (``week_key`` or ``final``, one track): one post
        per season, week and track."""
        return f"leaderboard:{self.season}:{week_key}:{track}"

    async def board_for_post(self, week_key: str, track: str, *, limit: int = BOARD_SIZE) -> Board:
        """The board a post shows: a week's, or the season's for ``final``."""
        if week_key == FINAL_WEEK_KEY:
            return await self.boards.season_board(track, limit=limit)
        week = week_by_key(week_key, self.competition.tz, self.competition.week_start_index)
        async with self.db.read() as conn:
            return await self.boards.board(conn, week, track, None, None, limit)

    async def board_publications(self, week_key: str) -> tuple[Publication, ...]:
        """The board posts of ``week_key`` (or ``final``), one per track, to the leaderboard
        channel; each posted once (its journal key)."""
        return tuple(
            [
                Publication(
                    key=self.board_post_key(week_key, track),
                    kind=BOARD_PUBLICATION,
                    data=await self.board_for_post(week_key, track),
                    resource="channel:leaderboard",
                )
                for track in self.competition.track_keys
            ]
        )

    def next_run(self, after: dt.datetime | None = None) -> NextRun:
        """The next weekly post's job (strictly after ``after``, default now)."""
        week, when = self.next_post(after)
        return NextRun(WEEKLY_POST_JOB, self.post_job_key(week.key), when, {"week": week.key})

    async def run_job(self, job: Job) -> JobResult:
        """The weekly job: post the week's boards, then the next week's job (scheduled even
        when a post fails, which the catch-up at the next start retries)."""
        week_key = str(job.payload.get("week"))
        return JobResult(
            publications=await self.board_publications(week_key),
            next_run=self.next_run(max(job.run_at, self.clock.now())),
        )
