"""What every part of the judging service shares: its collaborators, reading rounds,
judges and entries, and turning rows into the package's values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import Clock
from bot.config import CompetitionConfig, JudgingSection
from bot.scheduler import Scheduler
from bot.services.audit import AuditService
from bot.services.contests.errors import ContestNotFound
from bot.services.judging.assignment import AssignJudge
from bot.services.judging.errors import UnknownJudge, UnknownRound
from bot.services.judging.models import (
    Assignment,
    Criterion,
    EntryMaterials,
    Judge,
    Round,
    Rubric,
    ScoreSheet,
)
from bot.services.outbox import OutboxService
from bot.services.points import PointsService
from storage.engine import Database
from storage.queries import judging as q
from storage.queries import teams as team_queries
from storage.queries.contests import entries as contest_queries
from storage.queries.contests.entries import ContestRow


def rubric_to_json(rubric: Rubric) -> dict[str, Any]:
    """A rubric as stored in ``judging_rounds.rubric``."""
    return {
        "criteria": [
            {"key": c.key, "name": c.name, "name_zh": c.name_zh, "weight": c.weight}
            for c in rubric.criteria
        ],
        "scale_min": rubric.scale_min,
        "scale_max": rubric.scale_max,
    }


def rubric_from_json(data: dict[str, Any]) -> Rubric:
    """A stored rubric."""
    return Rubric(
        criteria=tuple(
            Criterion(str(c["key"]), str(c["name"]), str(c["name_zh"]), float(c["weight"]))
            for c in data["criteria"]
        ),
        scale_min=int(data["scale_min"]),
        scale_max=int(data["scale_max"]),
    )


def rubric_of(section: JudgingSection) -> Rubric:
    """The configured rubric (``[judging]`` criteria and scale)."""
    return Rubric(
        criteria=tuple(
            Criterion(c.key, c.name, c.name_zh or c.name, c.weight) for c in section.criteria
        ),
        scale_min=section.scale_min,
        scale_max=section.scale_max,
    )


def to_round(row: q.RoundRow) -> Round:
    """A stored round."""
    return Round(
        id=row.id,
        contest_id=row.contest_id,
        name=row.name,
        ordinal=row.ordinal,
        rubric=rubric_from_json(row.rubric),
        entry_source=row.entry_source,  # type: ignore[arg-type]
        top_n=row.top_n,
        judges_per_entry=row.judges_per_entry,
        deadline=row.deadline,
        judge_weight=row.judge_weight,
        community_weight=row.community_weight,
        normalize=row.normalize,
        status=row.status,  # type: ignore[arg-type]
        live=row.live,
    )


def to_judge(row: q.JudgeRow) -> Judge:
    """A stored judge."""
    return Judge(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        email=row.email,
        tags=tuple(row.tags),
        conflict_team_ids=tuple(row.conflict_team_ids),
        active=row.active,
    )


def to_assignment(row: q.AssignmentRow) -> Assignment:
    """A stored assignment."""
    return Assignment(row.id, row.round_id, row.submission_id, row.judge_id, row.status)  # type: ignore[arg-type]


def to_sheet(row: q.SheetRow) -> ScoreSheet:
    """A stored score sheet."""
    return ScoreSheet(row.assignment_id, row.scores, row.comment, row.submitted_at, row.updated_at)


def to_materials(row: q.EntryRow) -> EntryMaterials:
    """An entry with what a judge looks at: its submission's link and attachment."""
    return EntryMaterials(
        entry_id=row.submission_id,
        team_id=row.team_id,
        team_name=row.team_name,
        title=row.title,
        description="",
        links=(row.url,) if row.url else (),
        attachments=(row.attachment_url,) if row.attachment_url else (),
    )


@dataclass(slots=True)
class JudgingBase:
    """The collaborators of every judging part (``JudgingService`` puts the parts together)."""

    db: Database
    clock: Clock
    competition: CompetitionConfig
    audit: AuditService
    points: PointsService
    outbox: OutboxService
    scheduler: Scheduler

    @property
    def season(self) -> str:
        """The current season's label."""
        return self.competition.competition.season

    @property
    def config(self) -> JudgingSection:
        """The ``[judging]`` table."""
        return self.competition.judging

    async def _contest(self, conn: AsyncConnection, contest: str | int) -> ContestRow:
        text = str(contest).strip()
        row = None
        if text.removeprefix("#").isdigit():
            row = await contest_queries.get_contest(conn, int(text.removeprefix("#")))
            if row is not None and row.season != self.season:
                row = None
        if row is None:
            row = await contest_queries.contest_by_name(conn, self.season, text)
        if row is None:
            raise ContestNotFound(contest=text[:100])
        return row

    async def _round(self, conn: AsyncConnection, round_id: int) -> q.RoundRow:
        found = await q.get_round(conn, round_id)
        if found is None or found[1] != self.season:
            raise UnknownRound(id=round_id)
        return found[0]

    async def _judge(self, conn: AsyncConnection, judge_id: int) -> q.JudgeRow:
        row = await q.get_judge(conn, judge_id)
        if row is None or row.season != self.season:
            raise UnknownJudge(id=judge_id)
        return row

    async def _listed_ids(self, conn: AsyncConnection, contest_id: int) -> set[int]:
        """The contest's entries that count, by the contests' one listing rule: not
        withdrawn, not hidden, not disqualified."""
        return {s.id for s in await contest_queries.unmoderated_submissions(conn, contest_id)}

    async def _eligible_entries(self, conn: AsyncConnection, contest_id: int) -> list[q.EntryRow]:
        """The contest's entries judging may take (``_listed_ids``), oldest first."""
        listed = await self._listed_ids(conn, contest_id)
        entries = [
            e for e in await q.contest_entries(conn, contest_id) if e.submission_id in listed
        ]
        return [replace(e, position=i) for i, e in enumerate(entries)]

    async def _candidates(self, conn: AsyncConnection) -> list[AssignJudge]:
        """The active judges as assignment sees them: tags and the teams they may not judge
        (declared conflicts and, for a Discord judge, the team they are a member of)."""
        memberships = await team_queries.season_memberships(conn, self.season)
        result = []
        for row in await q.season_judges(conn, self.season):
            conflicts = set(row.conflict_team_ids)
            if row.user_id is not None and row.user_id in memberships:
                conflicts.add(memberships[row.user_id])
            result.append(AssignJudge(row.id, frozenset(row.tags), frozenset(conflicts)))
        return result

    async def _conflicts_of(self, conn: AsyncConnection, row: q.JudgeRow) -> set[int]:
        """The team ids one judge may not judge."""
        conflicts = set(row.conflict_team_ids)
        if row.user_id is not None:
            team = await team_queries.team_of(conn, self.season, row.user_id)
            if team is not None:
                conflicts.add(team.id)
        return conflicts
