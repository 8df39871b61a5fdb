"""Judges' work: their queue, one task with its materials, drafts and submitted score
sheets (editable until the round closes), and the organizers' progress view."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.judging.base import (
    rubric_from_json,
    to_assignment,
    to_judge,
    to_materials,
    to_round,
    to_sheet,
)
from bot.services.judging.errors import (
    AssignmentWithdrawn,
    CommentTooLong,
    MissingCriterion,
    NotAJudge,
    RoundClosed,
    RoundNotOpen,
    ScoreOutOfRange,
    UnknownCriterion,
)
from bot.services.judging.models import (
    EntryProgress,
    JudgeProgress,
    JudgeTask,
    Progress,
    Rubric,
    ScoreSheet,
)
from bot.services.judging.work import UNFINISHED, JudgingWork
from storage.queries import judging as q

MAX_COMMENT = 1000


def check_scores(rubric: Rubric, scores: Mapping[str, int]) -> dict[str, int]:
    """Scores as whole numbers on the rubric's scale, for its criteria only."""
    clean: dict[str, int] = {}
    for key, value in scores.items():
        if key not in rubric.keys:
            raise UnknownCriterion(criterion=str(key)[:50])
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScoreOutOfRange(
                low=rubric.scale_min, high=rubric.scale_max, criterion=key, value=value
            )
        if not rubric.scale_min <= value <= rubric.scale_max:
            raise ScoreOutOfRange(
                low=rubric.scale_min, high=rubric.scale_max, criterion=key, value=value
            )
        clean[key] = value
    return clean


class JudgingSheets(JudgingWork):
    """Queues, tasks, score sheets and progress."""

    __slots__ = ()

    async def _tasks(
        self, conn: AsyncConnection, assignments: list[q.AssignmentRow], *, open_only: bool
    ) -> list[JudgeTask]:
        """Tasks of assignments (of rounds this season; open ones only when asked), with a
        few queries per round whatever the number of assignments."""
        by_round: dict[int, list[q.AssignmentRow]] = {}
        for a in assignments:
            by_round.setdefault(a.round_id, []).append(a)
        sheets = await q.sheets_of(conn, [a.id for a in assignments])
        tasks = []
        for round_id, mine in by_round.items():
            found = await q.get_round(conn, round_id)
            if found is None or found[1] != self.season:
                continue
            if open_only and found[0].status != "open":
                continue
            round_ = to_round(found[0])
            entries = {
                e.submission_id: e
                for e in await q.round_entries(conn, round_id, [a.submission_id for a in mine])
            }
            for a in mine:
                sheet = sheets.get(a.id)
                tasks.append(
                    JudgeTask(
                        to_assignment(a),
                        round_,
                        to_materials(entries[a.submission_id]),
                        to_sheet(sheet) if sheet is not None else None,
                    )
                )
        return tasks

    async def queue(self, judge_id: int, round_id: int | None = None) -> list[JudgeTask]:
        """The judge's work in open rounds: unfinished first (earliest deadline first),
        then submitted sheets they may still edit."""
        async with self.db.read() as conn:
            await self._judge(conn, judge_id)
            assignments = await q.judge_assignments(conn, judge_id, round_id)
            tasks = await self._tasks(conn, assignments, open_only=True)
        tasks.sort(
            key=lambda t: (
                t.assignment.status not in UNFINISHED,
                t.round.deadline,
                t.assignment.id,
            )
        )
        return tasks

    async def next_task(self, judge_id: int) -> JudgeTask | None:
        """The judge's next unfinished task, or None when all are submitted."""
        for task in await self.queue(judge_id):
            if task.assignment.status in UNFINISHED:
                return task
        return None

    async def _own(
        self, conn: AsyncConnection, judge_id: int, assignment_id: int
    ) -> q.AssignmentRow:
        a = await q.get_assignment(conn, assignment_id)
        if a is None or a.judge_id != judge_id:
            raise NotAJudge()
        if a.status == "withdrawn":
            raise AssignmentWithdrawn(id=assignment_id)
        return a

    async def task(self, judge_id: int, assignment_id: int) -> JudgeTask:
        """One of the judge's assignments with its materials and sheet (NotAJudge if it is
        not theirs)."""
        async with self.db.read() as conn:
            own = await self._own(conn, judge_id, assignment_id)
            found = await self._tasks(conn, [own], open_only=False)
        if not found:  # a round of another season
            raise NotAJudge()
        return found[0]

    async def _write_sheet(
        self,
        *,
        judge_id: int,
        assignment_id: int,
        scores: Mapping[str, int],
        comment: str | None,
        submit: bool,
    ) -> ScoreSheet:
        text = comment.strip() if comment else None
        if text is not None and len(text) > MAX_COMMENT:
            raise CommentTooLong(max=MAX_COMMENT, length=len(text))
        now = self.clock.now()
        async with self.db.write() as conn:
            a = await self._own(conn, judge_id, assignment_id)
            row = await self._round(conn, a.round_id)
            if row.status in ("closed", "published"):
                raise RoundClosed(id=row.id)
            if row.status != "open":
                raise RoundNotOpen(id=row.id)
            rubric = rubric_from_json(row.rubric)
            given = check_scores(rubric, scores)
            existing = await q.get_sheet(conn, assignment_id)
            merged = {**(existing.scores if existing is not None else {}), **given}
            keep_comment = existing.comment if existing is not None else None
            final_comment = text if comment is not None else keep_comment
            submitted_at = existing.submitted_at if existing is not None else None
            missing = [c.key for c in rubric.criteria if c.key not in merged]
            if submit:
                if missing:
                    raise MissingCriterion(criteria=", ".join(missing))
                submitted_at = now
            status = "submitted" if submitted_at is not None else "draft"
            judge = await self._judge(conn, judge_id)
            await q.put_sheet(
                conn,
                assignment_id,
                judge_user_id=judge.user_id,
                scores=merged,
                comment=final_comment or None,
                submitted_at=submitted_at,
                updated_at=now,
            )
            await q.set_assignment(conn, assignment_id, status=status, updated_at=now)
            sheet = await q.get_sheet(conn, assignment_id)
        if sheet is None:  # pragma: no cover - read in the writing transaction
            raise NotAJudge()
        return to_sheet(sheet)

    async def save_draft(
        self,
        *,
        judge_id: int,
        assignment_id: int,
        scores: Mapping[str, int],
        comment: str | None,
    ) -> ScoreSheet:
        """Keep the scores given so far (merged into the sheet; partial allowed) and the
        comment (None leaves it as it was). A submitted sheet stays submitted."""
        return await self._write_sheet(
            judge_id=judge_id,
            assignment_id=assignment_id,
            scores=scores,
            comment=comment,
            submit=False,
        )

    async def submit(
        self,
        *,
        judge_id: int,
        assignment_id: int,
        scores: Mapping[str, int],
        comment: str | None,
    ) -> ScoreSheet:
        """Submit the sheet: with the draft's scores, every criterion must be scored on the
        scale. Editable (submit again) until the round closes."""
        return await self._write_sheet(
            judge_id=judge_id,
            assignment_id=assignment_id,
            scores=scores,
            comment=comment,
            submit=True,
        )

    async def progress(self, round_id: int) -> Progress:
        """Assigned and submitted sheets per judge and per entry of a round."""
        async with self.db.read() as conn:
            row = await self._round(conn, round_id)
            entries = await q.round_entries(conn, round_id)
            per_judge: dict[int, list[int]] = {}
            per_entry: dict[int, list[int]] = {e.submission_id: [0, 0] for e in entries}
            for a in await q.round_assignments(conn, round_id):
                if a.status == "withdrawn":
                    continue
                done = a.status == "submitted"
                for counter in (
                    per_judge.setdefault(a.judge_id, [0, 0]),
                    per_entry.setdefault(a.submission_id, [0, 0]),
                ):
                    counter[0] += 1
                    counter[1] += done
            judges = []
            for judge_id, (assigned, submitted) in sorted(per_judge.items()):
                judge = to_judge(await self._judge(conn, judge_id))
                judges.append(JudgeProgress(judge, assigned, submitted))
        return Progress(
            to_round(row),
            tuple(judges),
            tuple(
                EntryProgress(e.submission_id, e.team_name, *per_entry[e.submission_id])
                for e in entries
            ),
        )
