"""Judging rounds: creating, opening (choosing the entries and assigning judges), hand
reassigning and closing. Every organizer action is audited."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.judging.assignment import AssignEntry, assign
from bot.services.judging.base import rubric_of, rubric_to_json, to_assignment, to_round
from bot.services.judging.errors import (
    AlreadyAssigned,
    AssignmentWithdrawn,
    InvalidRound,
    JudgeConflict,
    NoEntries,
    PreviousRoundNotClosed,
    RoundNameTaken,
    RoundNotDraft,
    RoundNotOpen,
    UnknownAssignment,
    UnknownJudge,
)
from bot.services.judging.models import ENTRY_SOURCES, Assignment, Round
from bot.services.judging.reminders import JudgingReminders
from bot.services.judging.results import JudgingResults
from storage.queries import judging as q
from storage.queries.contests import votes as vote_queries


class JudgingRounds(JudgingResults, JudgingReminders):
    """Creates, opens, reassigns and closes rounds."""

    __slots__ = ()

    async def create_round(
        self,
        *,
        actor_id: int,
        contest: str | int,
        name: str,
        entry_source: str = "all",
        top_n: int | None = None,
        judges_per_entry: int | None = None,
        deadline: dt.datetime,
        judge_weight: float | None = None,
        community_weight: float | None = None,
        normalize: bool | None = None,
        live: bool = False,
    ) -> Round:
        """A draft round of a contest with the configured rubric; None settings take the
        ``[judging]`` defaults. Audited."""
        cfg = self.config
        clean_name = " ".join(name.split())
        k = cfg.judges_per_entry if judges_per_entry is None else judges_per_entry
        jw = cfg.judge_weight if judge_weight is None else judge_weight
        cw = cfg.community_weight if community_weight is None else community_weight
        if not 1 <= len(clean_name) <= 100:
            raise InvalidRound(detail="name: 1-100 characters")
        if entry_source not in ENTRY_SOURCES:
            raise InvalidRound(detail="entries: all, previous_round or votes")
        if entry_source != "all" and (top_n is None or not 1 <= top_n <= 1000):
            raise InvalidRound(detail="top N: 1-1000")
        if not 1 <= k <= 20:
            raise InvalidRound(detail="judges per entry: 1-20")
        if not (0 <= jw <= 1 and 0 <= cw <= 1 and jw + cw > 0):
            raise InvalidRound(detail="weights: 0-1 each, not both 0")
        if deadline.tzinfo is None or deadline <= self.clock.now():
            raise InvalidRound(detail="the deadline must be in the future")
        now = self.clock.now()
        async with self.db.write() as conn:
            contest_row = await self._contest(conn, contest)
            ordinal = await q.next_ordinal(conn, contest_row.id)
            if entry_source == "previous_round" and ordinal == 1:
                raise InvalidRound(detail="the contest has no previous round")
            try:
                round_id = await q.insert_round(
                    conn,
                    contest_id=contest_row.id,
                    name=clean_name,
                    ordinal=ordinal,
                    rubric=rubric_to_json(rubric_of(cfg)),
                    entry_source=entry_source,
                    top_n=top_n if entry_source != "all" else None,
                    judges_per_entry=k,
                    deadline=deadline.astimezone(dt.UTC),
                    judge_weight=float(jw),
                    community_weight=float(cw),
                    normalize=cfg.normalize if normalize is None else normalize,
                    live=live,
                    status="draft",
                    seed=secrets.randbits(31),
                    created_by=actor_id,
                    created_at=now,
                )
            except q.DuplicateRow:
                raise RoundNameTaken(name=clean_name) from None
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.round.create",
                target=f"judging_round:{round_id}",
                details={
                    "contest": contest_row.id,
                    "name": clean_name,
                    "entries": entry_source,
                    "top_n": top_n,
                    "judges_per_entry": k,
                    "deadline": deadline.isoformat(),
                    "weights": [jw, cw],
                },
            )
            return to_round(await self._round(conn, round_id))

    async def rounds(self, contest: str | int | None = None) -> list[Round]:
        """The season's rounds (of one contest when given), by contest and order."""
        async with self.db.read() as conn:
            contest_id = (await self._contest(conn, contest)).id if contest is not None else None
            return [to_round(r) for r in await q.season_rounds(conn, self.season, contest_id)]

    async def round(self, round_id: int) -> Round:
        """One round (UnknownRound if not this season's)."""
        async with self.db.read() as conn:
            return to_round(await self._round(conn, round_id))

    async def _select_entries(self, conn: AsyncConnection, row: q.RoundRow) -> list[q.EntryRow]:
        eligible = await self._eligible_entries(conn, row.contest_id)
        if row.entry_source == "all" or row.top_n is None:
            return eligible
        if row.entry_source == "votes":
            counts = await vote_queries.counts(conn, row.contest_id)
            ranked = sorted(eligible, key=lambda e: (-counts.get(e.submission_id, 0), e.position))
            return sorted(ranked[: row.top_n], key=lambda e: e.position)
        previous = await q.round_by_ordinal(conn, row.contest_id, row.ordinal - 1)
        if previous is None or previous.status not in ("closed", "published"):
            raise PreviousRoundNotClosed()
        by_id = {e.submission_id: e for e in eligible}
        before = (await self._results(conn, previous)).results
        chosen = [by_id[r.entry_id] for r in before if r.entry_id in by_id][: row.top_n]
        return sorted(chosen, key=lambda e: e.position)

    async def open_round(self, *, actor_id: int, round_id: int) -> Round:
        """Choose the round's entries and give each ``judges_per_entry`` judges by the
        assignment rules (NotEnoughJudges refuses and changes nothing); schedules the
        reminders. Audited."""
        now = self.clock.now()
        async with self.db.write() as conn:
            row = await self._round(conn, round_id)
            if row.status != "draft":
                raise RoundNotDraft(id=round_id)
            entries = await self._select_entries(conn, row)
            if not entries:
                raise NoEntries()
            candidates = await self._candidates(conn)
            plan = assign(
                [AssignEntry(e.submission_id, e.team_id, e.team_name) for e in entries],
                candidates,
                row.judges_per_entry,
                seed=row.seed,
            )
            users = {j.id: j.user_id for j in await q.season_judges(conn, self.season)}
            if not await q.set_round_status(
                conn, round_id, expected="draft", status="open", opened_at=now
            ):  # another writer opened it since the read above (PostgreSQL)
                raise RoundNotDraft(id=round_id)
            await q.add_round_entries(conn, round_id, [e.submission_id for e in entries])
            await q.insert_assignments(
                conn,
                [
                    {
                        "round_id": round_id,
                        "submission_id": submission_id,
                        "judge_id": judge_id,
                        "judge_user_id": users.get(judge_id),
                        "status": "pending",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for submission_id, judge_ids in plan.items()
                    for judge_id in judge_ids
                ],
            )
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.round.open",
                target=f"judging_round:{round_id}",
                details={
                    "entries": [e.submission_id for e in entries],
                    "assignments": sum(len(v) for v in plan.values()),
                },
            )
            opened = await self._round(conn, round_id)
        await self._schedule_reminders(round_id, now, row.deadline)
        return to_round(opened)

    async def reassign(self, *, actor_id: int, assignment_id: int, judge_id: int) -> Assignment:
        """Give an assignment's entry to another judge by hand (open rounds; the new judge
        must be active, free of conflict with the team and not already on the entry); the
        old assignment is withdrawn. Audited."""
        async with self.db.write() as conn:
            current = await q.get_assignment(conn, assignment_id)
            if current is None:
                raise UnknownAssignment(id=assignment_id)
            row = await self._round(conn, current.round_id)
            if row.status != "open":
                raise RoundNotOpen(id=row.id)
            if current.status == "withdrawn":
                raise AssignmentWithdrawn(id=assignment_id)
            judge = await self._judge(conn, judge_id)
            if not judge.active:
                raise UnknownJudge(id=judge_id)
            entries = {e.submission_id: e for e in await q.round_entries(conn, row.id)}
            entry = entries[current.submission_id]
            if entry.team_id in await self._conflicts_of(conn, judge):
                raise JudgeConflict(judge=judge_id, team=entry.team_name)
            for other in await q.round_assignments(conn, row.id):
                if (
                    other.submission_id == entry.submission_id
                    and other.judge_id == judge_id
                    and other.status != "withdrawn"
                ):
                    raise AlreadyAssigned(judge=judge_id)
            now = self.clock.now()
            await q.set_assignment(conn, assignment_id, status="withdrawn", updated_at=now)
            new_id = await self._give(conn, row.id, entry.submission_id, judge_id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.reassign",
                target=f"judging_round:{row.id}",
                details={
                    "entry": entry.submission_id,
                    "from_judge": current.judge_id,
                    "to_judge": judge_id,
                    "assignment": new_id,
                },
            )
            created = await q.get_assignment(conn, new_id)
        if created is None:  # pragma: no cover - read in the writing transaction
            raise UnknownAssignment(id=new_id)
        return to_assignment(created)

    async def close_round(self, *, actor_id: int, round_id: int) -> Round:
        """Close an open round: scores are final from now on. Audited."""
        async with self.db.write() as conn:
            row = await self._round(conn, round_id)
            if not await q.set_round_status(
                conn, round_id, expected="open", status="closed", closed_at=self.clock.now()
            ):
                raise RoundNotOpen(id=round_id)
            await self.audit.record(
                conn,
                actor_id=actor_id,
                action="judging.round.close",
                target=f"judging_round:{round_id}",
                details={"name": row.name},
            )
            closed = await self._round(conn, round_id)
        await self._cancel_reminders(round_id)
        return to_round(closed)
