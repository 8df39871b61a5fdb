"""Closing a season: freeze the ledger, pick the alumni, record who got the Alumni role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.services.audit import AuditService
from bot.services.points.base import PointsBase, present
from bot.services.points.boards import BoardService, rank_rows
from bot.services.points.models import SeasonClose
from storage.queries.points import boards as boards_q
from storage.queries.points import seasons as seasons_q


@dataclass(slots=True)
class SeasonCloseService(PointsBase):
    """Closes the current season once and hands out its alumni."""

    audit: AuditService
    boards: BoardService

    async def close_season(self, *, actor_id: int | None) -> SeasonClose:
        """``/season close``: freeze the ledger, pick the alumni (members of each track's top
        ``alumni_top_n`` teams by season points, ties at the edge included), audit.

        Safe to run twice: the second run changes nothing and returns the same alumni (the
        caller then finishes whatever the first run left undone: posts, roles).
        """
        top_n = self.competition.points.alumni_top_n
        async with self.db.write() as conn:
            newly = await seasons_q.close_season(
                conn, season=self.season, actor_id=actor_id, now=self.clock.now()
            )
            if newly:
                picked: list[dict[str, Any]] = []
                summary: dict[str, list[int]] = {}
                for track in self.competition.track_keys:
                    rows = rank_rows(
                        await boards_q.season_board(conn, season=self.season, track=track)
                    )
                    top = [s for s in rows if s.rank <= top_n and s.points > 0]
                    summary[track] = [s.team_id for s in top]
                    members = await seasons_q.team_member_ids(conn, [s.team_id for s in top])
                    for standing in top:
                        picked += [
                            {
                                "season": self.season,
                                "user_id": user_id,
                                "team_id": standing.team_id,
                                "track": track,
                                "rank": standing.rank,
                                "granted_at": None,
                            }
                            for user_id in members.get(standing.team_id, [])
                        ]
                await seasons_q.add_alumni(conn, picked)
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="season.close",
                    target=f"season:{self.season}",
                    details={"top_n": top_n, "teams": summary, "alumni": len(picked)},
                )
            closed_at = present(await seasons_q.closure(conn, self.season))
            alumni = await seasons_q.alumni(conn, self.season)
        boards = tuple(
            [await self.boards.season_board(track) for track in self.competition.track_keys]
        )
        return SeasonClose(self.season, closed_at, newly, boards, tuple(alumni))

    async def alumni_granted(self, user_ids: Sequence[int]) -> None:
        """Record that these alumni now have the Alumni role (so a rerun skips them)."""
        async with self.db.write() as conn:
            await seasons_q.mark_alumni_granted(conn, self.season, user_ids, self.clock.now())
