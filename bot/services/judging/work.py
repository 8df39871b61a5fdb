"""Moving work between judges inside a write transaction: giving an entry to a judge, and
refilling the places a withdrawn judge leaves (drop-out, new conflict, hand reassign)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.judging.assignment import AssignEntry, assign
from bot.services.judging.base import JudgingBase
from storage.queries import judging as q

#: Assignment statuses that still count as a judge's work on an entry.
UNFINISHED = ("pending", "draft")


class JudgingWork(JudgingBase):
    """Assignment changes shared by the pool (drop-outs) and the rounds (hand reassign)."""

    __slots__ = ()

    async def _give(
        self, conn: AsyncConnection, round_id: int, submission_id: int, judge_id: int
    ) -> int:
        """Give the entry to the judge (reviving their withdrawn row with its sheet, if
        they had one); returns the assignment id."""
        now = self.clock.now()
        judge = await q.get_judge(conn, judge_id)
        user_id = judge.user_id if judge is not None else None
        for row in await q.round_assignments(conn, round_id):
            if row.submission_id == submission_id and row.judge_id == judge_id:
                sheet = await q.get_sheet(conn, row.id)
                status = "pending"
                if sheet is not None:
                    status = "submitted" if sheet.submitted_at is not None else "draft"
                await q.set_assignment(conn, row.id, status=status, updated_at=now)
                return row.id
        await q.insert_assignments(
            conn,
            [
                {
                    "round_id": round_id,
                    "submission_id": submission_id,
                    "judge_id": judge_id,
                    "judge_user_id": user_id,
                    "status": "pending",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        for row in await q.round_assignments(conn, round_id):
            if row.submission_id == submission_id and row.judge_id == judge_id:
                return row.id
        raise RuntimeError("assignment vanished inside its own transaction")  # pragma: no cover

    async def _refill(
        self,
        conn: AsyncConnection,
        round_row: q.RoundRow,
        withdraw: list[q.AssignmentRow],
        exclude: set[int],
    ) -> int:
        """Withdraw ``withdraw`` and give each of those entries a new judge (not in
        ``exclude``), by the assignment rules for the remaining work. Raises
        NotEnoughJudges (the caller's transaction then changes nothing)."""
        if not withdraw:
            return 0
        now = self.clock.now()
        for row in withdraw:
            await q.set_assignment(conn, row.id, status="withdrawn", updated_at=now)
        rows = await q.round_assignments(conn, round_row.id)
        current = [r for r in rows if r.status != "withdrawn"]
        existing: dict[int, list[int]] = {}
        for r in current:
            existing.setdefault(r.submission_id, []).append(r.judge_id)
        loads = Counter(r.judge_id for r in current)
        entries = {e.submission_id: e for e in await q.round_entries(conn, round_row.id)}
        affected = sorted({r.submission_id for r in withdraw})
        candidates = [c for c in await self._candidates(conn) if c.id not in exclude]
        plan = assign(
            [
                AssignEntry(s, entries[s].team_id, entries[s].team_name)
                for s in affected
                if s in entries
            ],
            candidates,
            round_row.judges_per_entry,
            seed=round_row.seed + len(rows),
            existing={s: existing.get(s, []) for s in affected},
            loads=dict(loads),
        )
        given = 0
        for submission_id, judge_ids in plan.items():
            for judge_id in judge_ids:
                await self._give(conn, round_row.id, submission_id, judge_id)
                given += 1
        return given
