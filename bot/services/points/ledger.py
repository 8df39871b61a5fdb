"""The points ledger: awards, automatic credits, reversals and balances (SPEC §3.3).

Every entry is written together with its team's weekly total (one transaction). An entry
counts in the week it was made; a reversal counts in the week of the entry it reverses, so
correcting a mistake restores that week's totals.

Caps (``[points.weekly_caps]``) limit what one source may give a team per week. Organizer
sources (``award``, ``import``) are refused with a clear message when they would pass the
cap; automatic sources (``AUTOMATIC_POINT_SOURCES`` in ``bot.config``: ``ugc``,
``qa_attendance``, ``judging``, ``results``) are trimmed to what the cap still allows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import week_of
from bot.config import AUTOMATIC_POINT_SOURCES
from bot.services.audit import AuditService
from bot.services.names import name_key
from bot.services.points.base import PointsBase, present
from bot.services.points.errors import (
    AlreadyRevoked,
    CannotRevokeReversal,
    EntryNotFound,
    InvalidAmount,
    InvalidReason,
    NotInTeam,
    WeeklyCapReached,
)
from bot.services.points.models import LedgerEntry, TeamPoints
from storage.queries import teams as team_queries
from storage.queries.points import boards as boards_q
from storage.queries.points import ledger as ledger_q
from storage.queries.points import seasons as seasons_q
from storage.queries.points.ledger import EntryRow
from storage.queries.teams import TeamRow

log = logging.getLogger(__name__)

MAX_AMOUNT = 100_000
MAX_REASON = 200
RECENT_ENTRIES = 8


@dataclass(slots=True)
class LedgerService(PointsBase):
    """Writes and reads the append-only ledger (see the module docstring for the rules)."""

    audit: AuditService

    async def season_points(self, team_ids: Sequence[int]) -> dict[int, int]:
        """Season totals (current season) per team id; 0 for teams without entries."""
        async with self.db.read() as conn:
            totals = await boards_q.season_totals(conn, self.season, team_ids)
        return {team_id: totals.get(team_id, 0) for team_id in team_ids}

    async def search_teams(self, text: str, *, limit: int = 25) -> list[tuple[int, str]]:
        """Active teams of the season whose name starts with ``text`` (for autocomplete)."""
        async with self.db.read() as conn:
            return await ledger_q.search_team_names(conn, self.season, name_key(text), limit=limit)

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
            week_points = await boards_q.week_total(conn, row.id, week.key)
            season_points = (await boards_q.season_totals(conn, self.season, [row.id])).get(
                row.id, 0
            )
            rank = None
            if week_points != 0:
                above = await boards_q.teams_above(
                    conn, season=self.season, week_key=week.key, track=row.track, total=week_points
                )
                rank = above + 1
            recent = await ledger_q.recent_entries(conn, row.id, limit=RECENT_ENTRIES)
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

    async def entry(self, entry_id: int) -> LedgerEntry:
        """One ledger entry of this season; raises EntryNotFound."""
        async with self.db.read() as conn:
            row = await ledger_q.get_entry(conn, entry_id)
            if row is None or row.season != self.season:
                raise EntryNotFound(entry=entry_id)
            team = await team_queries.get(conn, row.team_id)
        return _entry(row, team.name if team else "?")

    async def append(
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
        """Append an entry for this week after the cap check (see module docstring), inside
        the caller's transaction; ``team`` is the row the caller locked. Returns None when
        ``trim_to_cap`` left nothing to add."""
        now = self.clock.now()
        week = week_of(now, self.competition.tz, self.competition.week_start_index)
        cap = self.competition.points.weekly_cap(source)
        if cap is not None and amount > 0:
            current = await ledger_q.source_week_total(
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
        entry_id = await ledger_q.append_entry(
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
        return present(await ledger_q.get_entry(conn, entry_id))

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
            locked = present(await self._lock_team(conn, found.id))
            row = present(
                await self.append(
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
        """Add automatic points (``ugc``, ``qa_attendance``, ``judging``) in the caller's
        transaction.

        Idempotent by ``reference`` (e.g. ``contest:12:place:1``): a reference already in
        the ledger adds nothing. Trimmed to the source's weekly cap; returns None when
        nothing was added (duplicate, cap reached, closed season, unknown or disbanded team).
        """
        if source not in AUTOMATIC_POINT_SOURCES:
            raise ValueError(
                f"credit() is for automatic sources {AUTOMATIC_POINT_SOURCES}, not {source!r}"
            )
        if amount <= 0:
            raise ValueError("automatic points must be positive")
        if await seasons_q.closure(conn, self.season) is not None:
            log.info("points not credited: season closed reference=%s", reference)
            return None
        team = await self._lock_team(conn, team_id)
        if team is None or team.season != self.season or team.disbanded_at is not None:
            return None
        if await ledger_q.references_used(
            conn, season=self.season, source=source, references=[reference]
        ):
            return None
        row = await self.append(
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
            original = await ledger_q.get_entry(conn, entry_id)
            if original is None or original.season != self.season:
                raise EntryNotFound(entry=entry_id)
            if original.reverses_id is not None:
                raise CannotRevokeReversal(entry=entry_id)
            team = present(await self._lock_team(conn, original.team_id))
            existing = await ledger_q.reversal_of(conn, entry_id)
            if existing is not None:
                raise AlreadyRevoked(entry=entry_id, reversal=existing.id)
            reversal_id = await ledger_q.append_entry(
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
            row = present(await ledger_q.get_entry(conn, reversal_id))
        return _entry(row, team.name)


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
