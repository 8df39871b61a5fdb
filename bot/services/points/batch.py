"""Automatic points for many teams at once: credits, their reversals, and both in one go.

A feature that scores a whole track (the weekly results points, 10,000 teams) writes its
entries here, in the caller's transaction, with the ledger's rules (``LedgerService``):

* a credit's reference is used at most once per season and source; a credit is trimmed
  to the source's weekly cap; a closed season or a disbanded team gets nothing;
* a reversal counts in the week of the entry it reverses; only automatic entries that
  are not reversals and were not reversed yet are reversed.

``replace_credits`` is a re-score: the reversals of the old entries and the new credits
in one batch of writes (one team read, one ledger insert, one move of the weekly totals),
with the cap counting the week's total after the reversals, as if they had been written
first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.calendar import week_of
from bot.config import AUTOMATIC_POINT_SOURCES
from bot.services.points.base import PointsBase
from bot.services.points.ledger import MAX_REASON
from bot.services.points.models import AutoCredit
from storage.queries.points import ledger as ledger_q
from storage.queries.points import seasons as seasons_q
from storage.queries.points.ledger import LockedTeam, NewEntry


@dataclass(frozen=True, slots=True)
class Replaced:
    """What ``replace_credits`` wrote: old entry id → its reversal's id, and the credits'
    reference → (entry id, amount credited)."""

    reversals: dict[int, int]
    credits: dict[str, tuple[int, int]]


@dataclass(slots=True)
class BatchLedgerService(PointsBase):
    """Many automatic entries at once (see the module docstring for the rules)."""

    async def credit_many(
        self, conn: AsyncConnection, *, source: str, credits: Sequence[AutoCredit]
    ) -> dict[str, tuple[int, int]]:
        """``credit`` for many teams at once, in the caller's transaction. Locks the teams
        (in id order). Returns reference → (entry id, amount credited)."""
        return (
            await self.replace_credits(conn, source=source, reverse={}, credits=credits)
        ).credits

    async def reverse_credits(
        self, conn: AsyncConnection, *, reasons: Mapping[int, str]
    ) -> dict[int, int]:
        """Reverse automatic entries (entry id → reason) in the caller's transaction, each
        counted in its entry's week. Entries unknown, not automatic, a reversal or already
        reversed are skipped. Returns entry id → its reversal's id."""
        return (
            await self.replace_credits(conn, source=None, reverse=reasons, credits=())
        ).reversals

    async def replace_credits(
        self,
        conn: AsyncConnection,
        *,
        source: str | None,
        reverse: Mapping[int, str],
        credits: Sequence[AutoCredit],
    ) -> Replaced:
        """Reverse the entries of ``reverse`` (entry id → reason) and credit ``credits``
        under ``source``, in one batch of writes in the caller's transaction."""
        if credits:
            if source not in AUTOMATIC_POINT_SOURCES:
                raise ValueError(f"credit_many() is for automatic sources, not {source!r}")
            if any(c.amount <= 0 for c in credits):
                raise ValueError("automatic points must be positive")
            if await seasons_q.closure(conn, self.season) is not None:
                credits = ()
        originals = await ledger_q.reversible_entries(conn, list(reverse)) if reverse else {}
        undo = [
            entry
            for entry in originals.values()
            if entry.source in AUTOMATIC_POINT_SOURCES
            and entry.reverses_id is None
            and not entry.reversed
        ]
        if not undo and not credits:
            return Replaced({}, {})
        teams = await ledger_q.lock_teams(
            conn, [entry.team_id for entry in undo] + [c.team_id for c in credits]
        )
        now = self.clock.now()
        rows = [
            NewEntry(
                season=entry.season,
                team_id=entry.team_id,
                track=teams[entry.team_id].track,
                user_id=entry.user_id,
                amount=-entry.amount,
                reason=reverse[entry.id][:MAX_REASON],
                source=entry.source,
                reference=None,
                reverses_id=entry.id,
                week_key=entry.week_key,
                at=now,
            )
            for entry in undo
        ]
        if credits and source is not None:
            rows += await self._credit_rows(conn, source, credits, teams, rows)
        ids = await ledger_q.append_entries(conn, rows)
        reversals: dict[int, int] = {}
        credited: dict[str, tuple[int, int]] = {}
        for row, entry_id in zip(rows, ids, strict=True):
            if row.reverses_id is not None:
                reversals[row.reverses_id] = entry_id
            else:
                credited[str(row.reference)] = (entry_id, row.amount)
        return Replaced(reversals, credited)

    async def _credit_rows(
        self,
        conn: AsyncConnection,
        source: str,
        credits: Sequence[AutoCredit],
        teams: Mapping[int, LockedTeam],
        reversals: Sequence[NewEntry],
    ) -> list[NewEntry]:
        """The credits' entries: unused references, active teams of the season, amounts
        trimmed to the cap (counting the week's entries and ``reversals`` in it)."""
        used = await ledger_q.references_used(
            conn, season=self.season, source=source, references=[c.reference for c in credits]
        )
        now = self.clock.now()
        week = week_of(now, self.competition.tz, self.competition.week_start_index)
        cap = self.competition.points.weekly_cap(source)
        current: dict[int, int] = {}
        if cap is not None:
            current = await ledger_q.source_week_totals(
                conn, team_ids=[c.team_id for c in credits], week_key=week.key, source=source
            )
            for reversal in reversals:
                if reversal.source == source and reversal.week_key == week.key:
                    current[reversal.team_id] = current.get(reversal.team_id, 0) + reversal.amount
        rows: list[NewEntry] = []
        for credit in credits:
            team = teams.get(credit.team_id)
            if (
                team is None
                or team.season != self.season
                or team.disbanded
                or credit.reference in used
            ):
                continue
            amount = credit.amount
            if cap is not None:
                amount = min(amount, max(cap - current.get(team.id, 0), 0))
                current[team.id] = current.get(team.id, 0) + amount
            if amount <= 0:
                continue
            used.add(credit.reference)
            rows.append(
                NewEntry(
                    season=self.season,
                    team_id=team.id,
                    track=team.track,
                    amount=amount,
                    reason=credit.reason[:MAX_REASON],
                    source=source,
                    reference=credit.reference,
                    reverses_id=None,
                    week_key=week.key,
                    at=now,
                )
            )
        return rows
