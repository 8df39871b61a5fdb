"""``PointsService``: the points feature as one object, each call handed to the part owning it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import Week
from bot.scheduler import Job, JobResult, NextRun
from bot.services.audit import AuditService
from bot.services.points.base import PointsBase
from bot.services.points.batch import BatchLedgerService, Replaced
from bot.services.points.boards import BOARD_SIZE, BoardService
from bot.services.points.imports import ImportService
from bot.services.points.ledger import LedgerService
from bot.services.points.models import (
    AutoCredit,
    Board,
    ImportPreview,
    LedgerEntry,
    SeasonClose,
    TeamPoints,
)
from bot.services.points.season_close import SeasonCloseService
from bot.services.points.weekly_post import WeeklyPostService
from bot.services.publications import Publication


@dataclass(slots=True)
class PointsService(PointsBase):
    """The ledger, boards, imports, weekly posts and season close of the current season.

    Built from the same four parts as before (database, clock, competition, audit); each
    method below is the one of ``ledger``, ``boards``, ``imports``, ``weekly`` or
    ``seasons``, which document the rules.
    """

    audit: AuditService
    ledger: LedgerService = field(init=False)
    batch: BatchLedgerService = field(init=False)
    boards: BoardService = field(init=False)
    imports: ImportService = field(init=False)
    weekly: WeeklyPostService = field(init=False)
    seasons: SeasonCloseService = field(init=False)

    def __post_init__(self) -> None:
        db, clock, competition = self.db, self.clock, self.competition
        self.ledger = LedgerService(db, clock, competition, self.audit)
        self.batch = BatchLedgerService(db, clock, competition)
        self.boards = BoardService(db, clock, competition)
        self.imports = ImportService(db, clock, competition, self.audit, self.ledger)
        self.weekly = WeeklyPostService(db, clock, competition, self.boards)
        self.seasons = SeasonCloseService(db, clock, competition, self.audit, self.boards)

    # -- ledger -------------------------------------------------------------------------
    async def season_points(self, team_ids: Sequence[int]) -> dict[int, int]:
        """Season totals per team id (``LedgerService.season_points``)."""
        return await self.ledger.season_points(team_ids)

    async def search_teams(self, text: str, *, limit: int = 25) -> list[tuple[int, str]]:
        """Teams whose name starts with ``text`` (``LedgerService.search_teams``)."""
        return await self.ledger.search_teams(text, limit=limit)

    async def team_points(self, *, team: str | None, viewer_id: int) -> TeamPoints:
        """``/points show [team]`` (``LedgerService.team_points``)."""
        return await self.ledger.team_points(team=team, viewer_id=viewer_id)

    async def entry(self, entry_id: int) -> LedgerEntry:
        """One ledger entry of this season (``LedgerService.entry``)."""
        return await self.ledger.entry(entry_id)

    async def award(
        self,
        *,
        actor_id: int,
        team: str,
        amount: int,
        reason: str,
        user_id: int | None = None,
    ) -> LedgerEntry:
        """``/points award`` (``LedgerService.award``)."""
        return await self.ledger.award(
            actor_id=actor_id, team=team, amount=amount, reason=reason, user_id=user_id
        )

    async def credit(
        self,
        conn: AsyncConnection,
        *,
        team_id: int,
        amount: int,
        reason: str,
        source: str,
        reference: str,
        user_id: int | None = None,
        actor_id: int | None = None,
    ) -> LedgerEntry | None:
        """Automatic points inside the caller's transaction (``LedgerService.credit``)."""
        return await self.ledger.credit(
            conn,
            team_id=team_id,
            amount=amount,
            reason=reason,
            source=source,
            reference=reference,
            user_id=user_id,
            actor_id=actor_id,
        )

    async def credit_many(
        self, conn: AsyncConnection, *, source: str, credits: Sequence[AutoCredit]
    ) -> dict[str, tuple[int, int]]:
        """Automatic points for many teams at once (``BatchLedgerService.credit_many``)."""
        return await self.batch.credit_many(conn, source=source, credits=credits)

    async def reverse_credits(
        self, conn: AsyncConnection, *, reasons: Mapping[int, str]
    ) -> dict[int, int]:
        """Reverse many automatic entries at once (``BatchLedgerService.reverse_credits``)."""
        return await self.batch.reverse_credits(conn, reasons=reasons)

    async def replace_credits(
        self,
        conn: AsyncConnection,
        *,
        source: str,
        reverse: Mapping[int, str],
        credits: Sequence[AutoCredit],
    ) -> Replaced:
        """Reverse old automatic entries and credit new ones in one batch of writes
        (``BatchLedgerService.replace_credits``)."""
        return await self.batch.replace_credits(
            conn, source=source, reverse=reverse, credits=credits
        )

    async def revoke(self, *, actor_id: int, entry_id: int, reason: str) -> LedgerEntry:
        """``/points revoke`` (``LedgerService.revoke``)."""
        return await self.ledger.revoke(actor_id=actor_id, entry_id=entry_id, reason=reason)

    # -- boards -------------------------------------------------------------------------
    async def week_board(
        self,
        *,
        week: str | None = None,
        track: str | None = None,
        cohort: str | None = None,
        viewer_id: int | None = None,
        limit: int = BOARD_SIZE,
    ) -> Board:
        """``/leaderboard`` (``BoardService.week_board``)."""
        return await self.boards.week_board(
            week=week, track=track, cohort=cohort, viewer_id=viewer_id, limit=limit
        )

    async def season_board(self, track: str, *, limit: int = BOARD_SIZE) -> Board:
        """The season's board of one track (``BoardService.season_board``)."""
        return await self.boards.season_board(track, limit=limit)

    # -- CSV imports --------------------------------------------------------------------
    async def preview_import(
        self, *, actor_id: int | None, file_name: str, data: bytes
    ) -> ImportPreview:
        """Check a points CSV into a stored preview (``ImportService.preview_import``)."""
        return await self.imports.preview_import(actor_id=actor_id, file_name=file_name, data=data)

    async def import_preview(self, import_id: int) -> ImportPreview:
        """A stored preview by id (``ImportService.import_preview``)."""
        return await self.imports.import_preview(import_id)

    async def confirm_import(self, *, actor_id: int | None, import_id: int) -> ImportPreview:
        """Add a preview's rows, all or nothing (``ImportService.confirm_import``)."""
        return await self.imports.confirm_import(actor_id=actor_id, import_id=import_id)

    async def cancel_import(self, *, actor_id: int | None, import_id: int) -> ImportPreview:
        """Drop a preview (``ImportService.cancel_import``)."""
        return await self.imports.cancel_import(actor_id=actor_id, import_id=import_id)

    # -- weekly posts -------------------------------------------------------------------
    def post_time(self, week: Week) -> dt.datetime:
        """When ``week``'s board is posted, UTC (``WeeklyPostService.post_time``)."""
        return self.weekly.post_time(week)

    def due_week(self, now: dt.datetime | None = None) -> Week:
        """The newest week whose post time has come (``WeeklyPostService.due_week``)."""
        return self.weekly.due_week(now)

    def next_post(self, now: dt.datetime | None = None) -> tuple[Week, dt.datetime]:
        """The next week to post and when (``WeeklyPostService.next_post``)."""
        return self.weekly.next_post(now)

    def post_job_key(self, week_key: str) -> str:
        """The scheduled job key of a week's post (``WeeklyPostService.post_job_key``)."""
        return self.weekly.post_job_key(week_key)

    def board_post_key(self, week_key: str, track: str) -> str:
        """The journal key of one board post (``WeeklyPostService.board_post_key``)."""
        return self.weekly.board_post_key(week_key, track)

    async def board_for_post(self, week_key: str, track: str, *, limit: int = BOARD_SIZE) -> Board:
        """The board a post shows (``WeeklyPostService.board_for_post``)."""
        return await self.weekly.board_for_post(week_key, track, limit=limit)

    async def board_publications(self, week_key: str) -> tuple[Publication, ...]:
        """A week's board posts (``WeeklyPostService.board_publications``)."""
        return await self.weekly.board_publications(week_key)

    def next_weekly_run(self, after: dt.datetime | None = None) -> NextRun:
        """The next weekly post's job (``WeeklyPostService.next_run``)."""
        return self.weekly.next_run(after)

    async def run_weekly_post(self, job: Job) -> JobResult:
        """The weekly job's handler (``WeeklyPostService.run_job``)."""
        return await self.weekly.run_job(job)

    # -- season close -------------------------------------------------------------------
    async def close_season(self, *, actor_id: int | None) -> SeasonClose:
        """``/season close`` (``SeasonCloseService.close_season``)."""
        return await self.seasons.close_season(actor_id=actor_id)

    async def alumni_granted(self, user_ids: Sequence[int]) -> None:
        """Record alumni who got the role (``SeasonCloseService.alumni_granted``)."""
        await self.seasons.alumni_granted(user_ids)
