"""The weekly board post: when each week's board is due, claiming it once, what it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.calendar import Week, next_week, previous_week, to_utc, week_by_key, week_of
from bot.services.points.base import PointsBase, present
from bot.services.points.boards import BOARD_SIZE, FINAL_WEEK_KEY, BoardService
from bot.services.points.models import Board, PostClaim
from storage.queries.points import posts as posts_q

WEEKLY_POST_JOB = "points.weekly_post"


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

    async def claim_post(self, week_key: str, track: str) -> PostClaim:
        """Claim the post of one board (``week_key`` or ``final``) for one track.

        The unique (season, week, track) row makes this once per week and track, across
        restarts: ``new`` means this caller must post; ``resume`` means an earlier claim was
        never finished (the process died mid-post), so the channel should be checked for the
        message before posting; ``done`` means it was posted (or was empty) already.
        """
        async with self.db.write() as conn:
            created = await posts_q.claim_post(
                conn, season=self.season, week_key=week_key, track=track, now=self.clock.now()
            )
            row = present(await posts_q.get_post(conn, self.season, week_key, track))
        if created:
            state = "new"
        elif row.status == "claimed":
            state = "resume"
        else:
            state = "done"
        return PostClaim(state, row.id, row.channel_id, row.message_id)

    async def finish_post(
        self, post_id: int, *, channel_id: int | None, message_id: int | None
    ) -> None:
        """Record the posted message (or, without one, that the board was empty)."""
        async with self.db.write() as conn:
            await posts_q.finish_post(
                conn,
                post_id=post_id,
                status="posted" if message_id is not None else "empty",
                channel_id=channel_id,
                message_id=message_id,
                now=self.clock.now(),
            )

    async def board_for_post(self, week_key: str, track: str, *, limit: int = BOARD_SIZE) -> Board:
        """The board a post shows: a week's, or the season's for ``final``."""
        if week_key == FINAL_WEEK_KEY:
            return await self.boards.season_board(track, limit=limit)
        week = week_by_key(week_key, self.competition.tz, self.competition.week_start_index)
        async with self.db.read() as conn:
            return await self.boards.board(conn, week, track, None, None, limit)
