"""Points: the append-only ledger, weekly and season boards, CSV imports, season close.

SPEC §3.3. Every entry is written together with its team's weekly total (one transaction),
so a board reads one week's totals of one track, never the whole ledger. Weeks are the
competition's (``bot.calendar``): computed in its timezone from the configured first day.
An entry counts in the week it was made; a reversal counts in the week of the entry it
reverses, so correcting a mistake restores that week's totals.

Caps (``[points.weekly_caps]``) limit what one source may give a team per week. Organizer
sources (``award``, ``import``) are refused with a clear message when they would pass the
cap; automatic sources (``ugc``, ``qa_attendance``) are trimmed to what the cap still allows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import Week, next_week, previous_week, resolve_week, to_utc, week_by_key, week_of
from bot.clock import Clock
from bot.config import POINT_SOURCES, CompetitionConfig
from bot.errors import PodiumError
from bot.i18n import N_
from bot.services.audit import AuditService
from bot.services.names import name_key
from bot.services.points_csv import (
    MAX_IMPORT_ROWS,
    FileEmpty,
    FileNotText,
    FileTooLarge,
    MissingColumns,
    TooManyRows,
    UnreadableFile,
    parse_int,
    read_csv,
)
from storage.engine import Database
from storage.queries import points as q
from storage.queries import teams as team_queries
from storage.queries.points import AlumnusRow, BoardRow, EntryRow, ImportRow
from storage.queries.teams import TeamRow

log = logging.getLogger(__name__)
_T = TypeVar("_T")

ORGANIZER_SOURCES = ("award", "import")
AUTOMATIC_SOURCES = ("ugc", "qa_attendance")
MAX_AMOUNT = 100_000
MAX_REASON = 200
MAX_ROW_KEY = 100
MAX_IMPORT_BYTES = 2 * 1024 * 1024
BOARD_SIZE = 10
RECENT_ENTRIES = 8
FINAL_WEEK_KEY = "final"
WEEKLY_POST_JOB = "points.weekly_post"

_MEMBER = re.compile(r"^<@!?(\d{1,21})>$|^(\d{1,21})$")


# -- errors -------------------------------------------------------------------------------
class TeamNotFound(PodiumError):
    message = N_(
        "There is no team called {team} this season. Pick one from the suggestions or use "
        "the team's exact name."
    )


class NotInTeam(PodiumError):
    message = N_("You are not in a team this season. Name a team to see its points.")


class SeasonClosed(PodiumError):
    message = N_(
        "Season {season} is closed: its points are final, so nothing can be awarded, "
        "revoked or imported any more."
    )


class InvalidAmount(PodiumError):
    message = N_("Points must be a whole number from -{limit} to {limit}, and not 0.")


class InvalidReason(PodiumError):
    message = N_("Give a reason of 1 to {limit} characters, so the team knows why.")


class WeeklyCapReached(PodiumError):
    message = N_(
        "That would pass the weekly cap for {source} points: {team} already has {current} of "
        "{cap} this week, so at most {remaining} more can be given before the week ends."
    )


class EntryNotFound(PodiumError):
    message = N_("There is no ledger entry #{entry} this season. /points show lists entry numbers.")


class AlreadyRevoked(PodiumError):
    message = N_("Entry #{entry} was already revoked by entry #{reversal}. Nothing changed.")


class CannotRevokeReversal(PodiumError):
    message = N_("Entry #{entry} is itself a reversal. To give the points back, award them again.")


class InvalidWeek(PodiumError):
    message = N_("Week {week} is not valid: use current, last or a week like 2026-W48.")


class UnknownTrack(PodiumError):
    message = N_("There is no track {track}. Choose one of: {tracks}.")


class UnknownCohort(PodiumError):
    message = N_("There is no cohort {cohort}. Choose one of: {cohorts}.")


class FileAlreadyImported(PodiumError):
    message = N_(
        "This exact file was already imported (import #{import_id}, {entries} entries). "
        "Nothing was added."
    )


class ImportNotFound(PodiumError):
    message = N_("Import #{import_id} does not exist. Upload the file again.")


class ImportAlreadyDecided(PodiumError):
    message = N_("Import #{import_id} was already decided. Nothing changed.")


class ImportAlreadyImported(ImportAlreadyDecided):
    message = N_("Import #{import_id} was already imported. Nothing changed.")


class ImportAlreadyCancelled(ImportAlreadyDecided):
    message = N_("Import #{import_id} was already cancelled. Nothing changed.")


def _decided(import_id: int, status: str) -> ImportAlreadyDecided:
    if status == "imported":
        return ImportAlreadyImported(import_id=import_id)
    if status == "cancelled":
        return ImportAlreadyCancelled(import_id=import_id)
    return ImportAlreadyDecided(import_id=import_id)


class NothingToImport(PodiumError):
    message = N_(
        "The file has no row that can be imported. Fix the rows listed and upload it again."
    )


class ImportOutdated(PodiumError):
    message = N_(
        "Points changed since this preview: line {line} can no longer be imported as shown. "
        "Nothing was imported; upload the file again for a fresh preview."
    )


# Per-row problems of an import, shown in the preview (translated there).
ROW_NO_TEAM = N_("no team given")
ROW_UNKNOWN_TEAM = N_("no team {team} this season")
ROW_BAD_POINTS = N_("points must be a whole number from -{limit} to {limit}, not 0 (got {value})")
ROW_BAD_REASON = N_("the reason must be 1 to {limit} characters")
ROW_BAD_MEMBER = N_("member {member} is not a Discord user id or mention")
ROW_NOT_MEMBER = N_("member {member} is not in team {team}")
ROW_KEY_TOO_LONG = N_("the key is longer than {limit} characters")
ROW_DUPLICATE_KEY = N_("key {key} is also used on line {line}")
ROW_OVER_CAP = N_("{team} would pass the weekly import cap of {cap} points")


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger entry (points are integers; ``at`` is aware UTC)."""

    id: int
    team_id: int
    team_name: str
    user_id: int | None
    amount: int
    reason: str
    source: str
    reference: str | None
    reverses_id: int | None
    week_key: str
    actor_id: int | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """A team's place on a board: ``rank`` by standard competition ranking (1, 2, 2, 4)."""

    rank: int
    team_id: int
    name: str
    points: int
    reached_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Board:
    """A week's (or, with ``week`` None, the season's final) board of one track."""

    season: str
    week_key: str
    week: Week | None
    track: str
    cohort: str | None
    rows: tuple[Standing, ...]
    mine: Standing | None
    my_team: str | None


@dataclass(frozen=True, slots=True)
class TeamPoints:
    """What ``/points show`` shows: this week, the season, the newest entries."""

    team_id: int
    name: str
    track: str
    week: Week
    week_points: int
    week_rank: int | None
    season_points: int
    recent: tuple[LedgerEntry, ...]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one CSV line cannot be imported: ``message`` is a msgid with ``params``."""

    line: int
    message: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """A checked file: what confirming it would add, and which lines were refused."""

    id: int
    file_name: str
    file_hash: str
    status: str
    rows: int
    total: int
    teams: int
    skipped: int
    problems: tuple[RowProblem, ...]
    already_imported: int | None
    entries: int


@dataclass(frozen=True, slots=True)
class SeasonClose:
    """The close of a season: final boards per track and the alumni to give the role to."""

    season: str
    closed_at: dt.datetime
    newly_closed: bool
    boards: tuple[Board, ...]
    alumni: tuple[AlumnusRow, ...]


def _entry(row: EntryRow, team_name: str) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        team_id=row.team_id,
        team_name=team_name,
        user_id=row.user_id,
        amount=row.amount,
        reason=row.reason,
        source=row.source,
        reference=row.reference,
        reverses_id=row.reverses_id,
        week_key=row.week_key,
        actor_id=row.actor_id,
        at=row.at,
    )


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


def file_hash(data: bytes) -> str:
    """The SHA-256 of a file's bytes, in hex: an import file's identity."""
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class PointsService:
    """The ledger and its boards (see the module docstring for the rules)."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService

    # -- basics -------------------------------------------------------------------------
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
        if await q.closure(conn, self.season) is not None:
            raise SeasonClosed(season=self.season)

    async def is_closed(self) -> bool:
        """True once ``/season close`` froze the current season."""
        async with self.db.read() as conn:
            return await q.closure(conn, self.season) is not None

    # -- reading ------------------------------------------------------------------------
    async def season_points(self, team_ids: Sequence[int]) -> dict[int, int]:
        """Season totals (current season) per team id; 0 for teams without entries."""
        async with self.db.read() as conn:
            totals = await q.season_totals(conn, self.season, team_ids)
        return {team_id: totals.get(team_id, 0) for team_id in team_ids}

    async def search_teams(self, text: str, *, limit: int = 25) -> list[tuple[int, str]]:
        """Active teams of the season whose name starts with ``text`` (for autocomplete)."""
        async with self.db.read() as conn:
            return await q.search_team_names(conn, self.season, name_key(text), limit=limit)

    async def team_points(self, *, team: str | None, viewer_id: int) -> TeamPoints:
        """``/points show [team]``: the team (default: the viewer's), its points this week
        and this season, its weekly rank and its newest ledger entries."""
        week = self.current_week()
        async with self.db.read() as conn:
            if team is None:
                row = await team_queries.team_of(conn, self.season, viewer_id)
                if row is None:
                    raise NotInTeam()
            else:
                row = await self._team_by_text(conn, team)
            week_points = await q.week_total(conn, row.id, week.key)
            season_points = (await q.season_totals(conn, self.season, [row.id])).get(row.id, 0)
            rank = None
            if week_points != 0:
                above = await q.teams_above(
                    conn, season=self.season, week_key=week.key, track=row.track, total=week_points
                )
                rank = above + 1
            recent = await q.recent_entries(conn, row.id, limit=RECENT_ENTRIES)
        return TeamPoints(
            team_id=row.id,
            name=row.name,
            track=row.track,
            week=week,
            week_points=week_points,
            week_rank=rank,
            season_points=season_points,
            recent=tuple(_entry(entry, row.name) for entry in recent),
        )

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
            return await self._board(conn, resolved, track, cohort, my_team, limit)

    async def _board(
        self,
        conn: AsyncConnection,
        week: Week,
        track: str,
        cohort: str | None,
        my_team: TeamRow | None,
        limit: int,
    ) -> Board:
        rows = await q.week_board(
            conn, season=self.season, week_key=week.key, track=track, cohort=cohort, limit=limit
        )
        ranked = rank_rows(rows)
        mine: Standing | None = None
        if my_team is not None and (
            my_team.track != track
            or (cohort is not None and not await q.captain_in_cohort(conn, my_team.id, cohort))
        ):
            my_team = None  # the viewer's team is not on this board at all
        if my_team is not None:
            mine = next((s for s in ranked if s.team_id == my_team.id), None)
            if mine is None:
                total = await q.week_total(conn, my_team.id, week.key)
                if total != 0:
                    above = await q.teams_above(
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
            rows = await q.season_board(conn, season=self.season, track=track, limit=limit)
        return Board(self.season, FINAL_WEEK_KEY, None, track, None, rank_rows(rows), None, None)

    async def entry(self, entry_id: int) -> LedgerEntry:
        """One ledger entry of this season; raises EntryNotFound."""
        async with self.db.read() as conn:
            row = await q.get_entry(conn, entry_id)
            if row is None or row.season != self.season:
                raise EntryNotFound(entry=entry_id)
            team = await team_queries.get(conn, row.team_id)
        return _entry(row, team.name if team else "?")

    # -- writing ------------------------------------------------------------------------
    async def _lock_team(self, conn: AsyncConnection, team_id: int) -> TeamRow | None:
        # Serializes cap checks per team on PostgreSQL; SQLite's single writer already runs
        # one transaction at a time.
        return await q.lock_team(conn, team_id)

    async def _append(
        self,
        conn: AsyncConnection,
        *,
        team: TeamRow,
        amount: int,
        reason: str,
        source: str,
        reference: str | None,
        actor_id: int | None,
        user_id: int | None = None,
        trim_to_cap: bool = False,
    ) -> EntryRow | None:
        """Append an entry for this week after the cap check (see module docstring)."""
        now = self.clock.now()
        week = week_of(now, self.competition.tz, self.competition.week_start_index)
        cap = self.competition.points.weekly_cap(source)
        if cap is not None and amount > 0:
            current = await q.source_week_total(
                conn, team_id=team.id, week_key=week.key, source=source
            )
            remaining = max(cap - current, 0)
            if amount > remaining:
                if not trim_to_cap:
                    raise WeeklyCapReached(
                        source=source,
                        team=team.name,
                        current=current,
                        cap=cap,
                        remaining=remaining,
                    )
                if remaining == 0:
                    return None
                amount = remaining
        entry_id = await q.append_entry(
            conn,
            season=self.season,
            team_id=team.id,
            track=team.track,
            user_id=user_id,
            amount=amount,
            reason=reason,
            source=source,
            reference=reference,
            reverses_id=None,
            week_key=week.key,
            actor_id=actor_id,
            at=now,
        )
        return _present(await q.get_entry(conn, entry_id))

    @staticmethod
    def _check_amount(amount: int) -> None:
        if amount == 0 or abs(amount) > MAX_AMOUNT:
            raise InvalidAmount(limit=MAX_AMOUNT)

    @staticmethod
    def _check_reason(reason: str) -> str:
        cleaned = " ".join(reason.split())
        if not cleaned or len(cleaned) > MAX_REASON:
            raise InvalidReason(limit=MAX_REASON)
        return cleaned

    async def award(
        self,
        *,
        actor_id: int,
        team: str,
        amount: int,
        reason: str,
        user_id: int | None = None,
    ) -> LedgerEntry:
        """``/points award``: add ``amount`` (negative for a penalty) to a team this week.

        Refused when the season is closed or the ``award`` cap would be passed. Audited.
        """
        self._check_amount(amount)
        cleaned = self._check_reason(reason)
        async with self.db.write() as conn:
            await self._ensure_open(conn)
            found = await self._team_by_text(conn, team)
            locked = _present(await self._lock_team(conn, found.id))
            row = _present(
                await self._append(
                    conn,
                    team=locked,
                    amount=amount,
                    reason=cleaned,
                    source="award",
                    reference=None,
                    actor_id=actor_id,
                    user_id=user_id,
                )
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="points.award",
                target=f"team:{locked.id}",
                details={"entry": row.id, "amount": amount, "reason": cleaned},
            )
        log.info("points awarded entry=%s team=%s amount=%s", row.id, locked.id, amount)
        return _entry(row, locked.name)

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
        """Add automatic points (``ugc``, ``qa_attendance``) inside the caller's transaction.

        Idempotent by ``reference`` (e.g. ``contest:12:place:1``): a reference already in
        the ledger adds nothing. Trimmed to the source's weekly cap; returns None when
        nothing was added (duplicate, cap reached, closed season, unknown or disbanded team).
        """
        if source not in AUTOMATIC_SOURCES:
            raise ValueError(
                f"credit() is for automatic sources {AUTOMATIC_SOURCES}, not {source!r}"
            )
        if amount <= 0:
            raise ValueError("automatic points must be positive")
        if await q.closure(conn, self.season) is not None:
            log.info("points not credited: season closed reference=%s", reference)
            return None
        team = await self._lock_team(conn, team_id)
        if team is None or team.season != self.season or team.disbanded_at is not None:
            return None
        if await q.references_used(conn, season=self.season, source=source, references=[reference]):
            return None
        row = await self._append(
            conn,
            team=team,
            amount=amount,
            reason=reason[:MAX_REASON],
            source=source,
            reference=reference,
            actor_id=actor_id,
            user_id=user_id,
            trim_to_cap=True,
        )
        return _entry(row, team.name) if row is not None else None

    async def revoke(self, *, actor_id: int, entry_id: int, reason: str) -> LedgerEntry:
        """``/points revoke``: append the reversal of an entry (counted in the entry's week,
        so that week's totals are restored). An entry is revoked at most once; a reversal
        cannot be revoked. Audited."""
        cleaned = self._check_reason(reason)
        async with self.db.write() as conn:
            await self._ensure_open(conn)
            original = await q.get_entry(conn, entry_id)
            if original is None or original.season != self.season:
                raise EntryNotFound(entry=entry_id)
            if original.reverses_id is not None:
                raise CannotRevokeReversal(entry=entry_id)
            team = _present(await self._lock_team(conn, original.team_id))
            existing = await q.reversal_of(conn, entry_id)
            if existing is not None:
                raise AlreadyRevoked(entry=entry_id, reversal=existing.id)
            reversal_id = await q.append_entry(
                conn,
                season=self.season,
                team_id=original.team_id,
                track=team.track,
                user_id=original.user_id,
                amount=-original.amount,
                reason=cleaned,
                source=original.source,
                reference=None,
                reverses_id=original.id,
                week_key=original.week_key,
                actor_id=actor_id,
                at=self.clock.now(),
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="points.revoke",
                target=f"team:{team.id}",
                details={"entry": entry_id, "reversal": reversal_id, "reason": cleaned},
            )
            row = _present(await q.get_entry(conn, reversal_id))
        return _entry(row, team.name)

    # -- CSV import -----------------------------------------------------------------------
    async def preview_import(
        self, *, actor_id: int | None, file_name: str, data: bytes
    ) -> ImportPreview:
        """Check a points CSV and store it as a preview (nothing is added yet).

        Columns: team (name or id), points, reason, optional member (user id or mention),
        optional key (the row's identity: a key already imported is skipped). A file
        already imported this season is reported as such; confirming it is refused.
        """
        if len(data) > MAX_IMPORT_BYTES:
            raise FileTooLarge(size=MAX_IMPORT_BYTES // (1024 * 1024))
        digest = file_hash(data)
        records = read_csv(data)
        async with self.db.write() as conn:
            await self._ensure_open(conn)
            rows, problems, skipped = await self._check_rows(conn, records, digest)
            done = await q.imported_file(conn, self.season, digest)
            import_id = await q.create_import(
                conn,
                season=self.season,
                file_hash=digest,
                file_name=file_name[:200],
                rows=rows,
                errors=[
                    {"line": p.line, "message": p.message, "params": p.params} for p in problems
                ]
                + [{"skipped": skipped}],
                actor_id=actor_id,
                now=self.clock.now(),
            )
            stored = _present(await q.get_import(conn, import_id))
        return _preview(stored, done)

    async def import_preview(self, import_id: int) -> ImportPreview:
        """A stored preview by id (e.g. to redraw it); raises ImportNotFound."""
        async with self.db.read() as conn:
            stored = await q.get_import(conn, import_id)
            if stored is None or stored.season != self.season:
                raise ImportNotFound(import_id=import_id)
            done = await q.imported_file(conn, self.season, stored.file_hash)
        return _preview(stored, done)

    async def _check_rows(
        self, conn: AsyncConnection, records: list[tuple[int, dict[str, str]]], digest: str
    ) -> tuple[list[dict[str, Any]], list[RowProblem], int]:
        problems: list[RowProblem] = []
        valid: list[dict[str, Any]] = []
        seen_keys: dict[str, int] = {}
        team_cache: dict[str, TeamRow | None] = {}
        for line, record in records:
            team_text = (record.get("team") or "").strip()
            points_text = (record.get("points") or "").strip()
            reason = " ".join((record.get("reason") or "").split())
            member_text = (record.get("member") or "").strip()
            key = (record.get("key") or "").strip()
            problem: tuple[str, dict[str, Any]] | None = None
            team: TeamRow | None = None
            if not team_text:
                problem = (ROW_NO_TEAM, {})
            else:
                if team_text not in team_cache:
                    try:
                        team_cache[team_text] = await self._team_by_text(conn, team_text)
                    except TeamNotFound:
                        team_cache[team_text] = None
                team = team_cache[team_text]
                if team is None:
                    problem = (ROW_UNKNOWN_TEAM, {"team": team_text[:64]})
            amount = parse_int(points_text)
            user_id: int | None = None
            if problem is None and (amount is None or amount == 0 or abs(amount) > MAX_AMOUNT):
                problem = (ROW_BAD_POINTS, {"limit": MAX_AMOUNT, "value": points_text[:20]})
            if problem is None and (not reason or len(reason) > MAX_REASON):
                problem = (ROW_BAD_REASON, {"limit": MAX_REASON})
            if problem is None and member_text:
                match = _MEMBER.match(member_text)
                if match is None:
                    problem = (ROW_BAD_MEMBER, {"member": member_text[:40]})
                else:
                    user_id = int(match[1] or match[2])
                    if team is not None and user_id not in await team_queries.member_ids(
                        conn, team.id
                    ):
                        problem = (ROW_NOT_MEMBER, {"member": user_id, "team": team.name})
            if problem is None and len(key) > MAX_ROW_KEY:
                problem = (ROW_KEY_TOO_LONG, {"limit": MAX_ROW_KEY})
            if problem is None and key:
                if key in seen_keys:
                    problem = (ROW_DUPLICATE_KEY, {"key": key, "line": seen_keys[key]})
                else:
                    seen_keys[key] = line
            if problem is not None or team is None or amount is None:
                problems.append(RowProblem(line, *(problem or (ROW_NO_TEAM, {}))))
                continue
            valid.append(
                {
                    "line": line,
                    "team_id": team.id,
                    "team": team.name,
                    "amount": amount,
                    "reason": reason,
                    "user_id": user_id,
                    "reference": f"key:{key}" if key else f"file:{digest}:{line}",
                }
            )
        used = await q.references_used(
            conn, season=self.season, source="import", references=[r["reference"] for r in valid]
        )
        fresh = [row for row in valid if row["reference"] not in used]
        fresh, cap_problems = await self._check_caps(conn, fresh)
        problems.extend(cap_problems)
        problems.sort(key=lambda p: p.line)
        return fresh, problems, len(valid) - len(fresh) - len(cap_problems)

    async def _check_caps(
        self, conn: AsyncConnection, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[RowProblem]]:
        cap = self.competition.points.weekly_cap("import")
        if cap is None:
            return rows, []
        week = self.current_week()
        running: dict[int, int] = {}
        kept: list[dict[str, Any]] = []
        problems: list[RowProblem] = []
        for row in rows:
            team_id = row["team_id"]
            if team_id not in running:
                running[team_id] = await q.source_week_total(
                    conn, team_id=team_id, week_key=week.key, source="import"
                )
            if row["amount"] > 0 and running[team_id] + row["amount"] > cap:
                problems.append(
                    RowProblem(row["line"], ROW_OVER_CAP, {"team": row["team"], "cap": cap})
                )
                continue
            running[team_id] += row["amount"]
            kept.append(row)
        return kept, problems

    async def confirm_import(self, *, actor_id: int | None, import_id: int) -> ImportPreview:
        """Add a preview's rows to the ledger, all or nothing. Audited.

        Refused when the preview was decided already, the same file was imported, or points
        changed since the preview so that a row would no longer be accepted (ImportOutdated).
        """
        async with self.db.write() as conn:
            await self._ensure_open(conn)
            stored = await q.get_import(conn, import_id)
            if stored is None or stored.season != self.season:
                raise ImportNotFound(import_id=import_id)
            if stored.status != "preview":
                raise _decided(import_id, stored.status)
            done = await q.imported_file(conn, self.season, stored.file_hash)
            if done is not None:
                raise FileAlreadyImported(import_id=done.id, entries=done.entries)
            if not stored.rows:
                raise NothingToImport()
            used = await q.references_used(
                conn,
                season=self.season,
                source="import",
                references=[row["reference"] for row in stored.rows],
            )
            for row in stored.rows:
                if row["reference"] in used:
                    raise ImportOutdated(line=row["line"])
                team = await self._lock_team(conn, int(row["team_id"]))
                if team is None or team.disbanded_at is not None:
                    raise ImportOutdated(line=row["line"])
                try:
                    await self._append(
                        conn,
                        team=team,
                        amount=int(row["amount"]),
                        reason=str(row["reason"]),
                        source="import",
                        reference=str(row["reference"]),
                        actor_id=actor_id,
                        user_id=row.get("user_id"),
                    )
                except WeeklyCapReached:
                    raise ImportOutdated(line=row["line"]) from None
            total = sum(int(row["amount"]) for row in stored.rows)
            await q.decide_import(
                conn,
                import_id=import_id,
                status="imported",
                actor_id=actor_id,
                entries=len(stored.rows),
                now=self.clock.now(),
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="points.import",
                target=f"import:{import_id}",
                details={
                    "file": stored.file_name,
                    "sha256": stored.file_hash,
                    "entries": len(stored.rows),
                    "total": total,
                },
            )
            decided = _present(await q.get_import(conn, import_id))
        log.info(
            "points imported import=%s entries=%d total=%d", import_id, len(stored.rows), total
        )
        return _preview(decided, decided)

    async def cancel_import(self, *, actor_id: int | None, import_id: int) -> ImportPreview:
        """Drop a preview: nothing is added. Refused when it was decided already."""
        async with self.db.write() as conn:
            stored = await q.get_import(conn, import_id)
            if stored is None or stored.season != self.season:
                raise ImportNotFound(import_id=import_id)
            if not await q.decide_import(
                conn,
                import_id=import_id,
                status="cancelled",
                actor_id=actor_id,
                entries=0,
                now=self.clock.now(),
            ):
                raise _decided(import_id, stored.status)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="points.import_cancel",
                target=f"import:{import_id}",
                details={"file": stored.file_name},
            )
            decided = _present(await q.get_import(conn, import_id))
        return _preview(decided, None)

    # -- weekly posts -----------------------------------------------------------------------
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
            return await self.season_board(track, limit=limit)
        week = week_by_key(week_key, self.competition.tz, self.competition.week_start_index)
        async with self.db.read() as conn:
            return await self._board(conn, week, track, None, None, limit)

    # -- season close -------------------------------------------------------------------------
    async def close_season(self, *, actor_id: int | None) -> SeasonClose:
        """``/season close``: freeze the ledger, pick the alumni (members of each track's top
        ``alumni_top_n`` teams by season points, ties at the edge included), audit.

        Safe to run twice: the second run changes nothing and returns the same alumni (the
        caller then finishes whatever the first run left undone: posts, roles).
        """
        top_n = self.competition.points.alumni_top_n
        async with self.db.write() as conn:
            newly = await q.close_season(
                conn, season=self.season, actor_id=actor_id, now=self.clock.now()
            )
            if newly:
                picked: list[dict[str, Any]] = []
                summary: dict[str, list[int]] = {}
                for track in self.competition.track_keys:
                    rows = rank_rows(await q.season_board(conn, season=self.season, track=track))
                    top = [s for s in rows if s.rank <= top_n and s.points > 0]
                    summary[track] = [s.team_id for s in top]
                    members = await q.team_member_ids(conn, [s.team_id for s in top])
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
                await q.add_alumni(conn, picked)
                await self.audit.record(
                    conn,
                    actor_id=actor_id,
                    action="season.close",
                    target=f"season:{self.season}",
                    details={"top_n": top_n, "teams": summary, "alumni": len(picked)},
                )
            closed_at = _present(await q.closure(conn, self.season))
            alumni = await q.alumni(conn, self.season)
        boards = tuple([await self.season_board(track) for track in self.competition.track_keys])
        return SeasonClose(self.season, closed_at, newly, boards, tuple(alumni))

    async def alumni_granted(self, user_ids: Sequence[int]) -> None:
        """Record that these alumni now have the Alumni role (so a rerun skips them)."""
        async with self.db.write() as conn:
            await q.mark_alumni_granted(conn, self.season, user_ids, self.clock.now())


def _present(value: _T | None) -> _T:
    """``value``, which the transaction that wrote it must be able to read back."""
    if value is None:
        raise RuntimeError("a row written in this transaction cannot be read back")
    return value


def _preview(stored: ImportRow, done: ImportRow | None) -> ImportPreview:
    problems: list[RowProblem] = []
    skipped = 0
    for error in stored.errors:
        if "skipped" in error:
            skipped = int(error["skipped"])
        else:
            problems.append(RowProblem(int(error["line"]), error["message"], dict(error["params"])))
    return ImportPreview(
        id=stored.id,
        file_name=stored.file_name,
        file_hash=stored.file_hash,
        status=stored.status,
        rows=len(stored.rows),
        total=sum(int(row["amount"]) for row in stored.rows),
        teams=len({row["team_id"] for row in stored.rows}),
        skipped=skipped,
        problems=tuple(problems),
        already_imported=done.id if done is not None else None,
        entries=stored.entries,
    )


__all__ = [
    "AUTOMATIC_SOURCES",
    "FINAL_WEEK_KEY",
    "MAX_IMPORT_ROWS",
    "ORGANIZER_SOURCES",
    "POINT_SOURCES",
    "WEEKLY_POST_JOB",
    "Board",
    "FileEmpty",
    "FileNotText",
    "FileTooLarge",
    "ImportPreview",
    "LedgerEntry",
    "MissingColumns",
    "PointsService",
    "RowProblem",
    "SeasonClose",
    "Standing",
    "TeamPoints",
    "TooManyRows",
    "UnreadableFile",
]
