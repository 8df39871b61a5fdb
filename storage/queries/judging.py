"""Queries on judges, judging rounds, their entries, assignments, score sheets and results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import (
    contests,
    judges,
    judging_assignments,
    judging_entries,
    judging_results,
    judging_rounds,
    judging_score_sheets,
    submissions,
    teams,
)


class DuplicateRow(Exception):
    """An insert broke a unique constraint."""


@dataclass(frozen=True, slots=True)
class JudgeRow:
    id: int
    season: str
    user_id: int | None
    name: str
    email: str | None
    tags: list[str]
    conflict_team_ids: list[int]
    active: bool


@dataclass(frozen=True, slots=True)
class RoundRow:
    id: int
    contest_id: int
    name: str
    ordinal: int
    rubric: dict[str, Any]
    entry_source: str
    top_n: int | None
    judges_per_entry: int
    deadline: dt.datetime
    judge_weight: float
    community_weight: float
    normalize: bool
    live: bool
    status: str
    seed: int
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    published_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    id: int
    round_id: int
    submission_id: int
    judge_id: int
    status: str


@dataclass(frozen=True, slots=True)
class SheetRow:
    assignment_id: int
    scores: dict[str, int]
    comment: str | None
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A submission as judging reads it (with its team's name and its order in the round)."""

    submission_id: int
    contest_id: int
    team_id: int
    team_name: str
    title: str
    url: str | None
    attachment_url: str | None
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    position: int


@dataclass(frozen=True, slots=True)
class ResultRow:
    submission_id: int
    position: int
    rank: int
    team_id: int
    team_name: str
    judge_score: float | None
    normalized_score: float | None
    vote_share: float
    final: float
    sheets: int
    tie_break: str | None
    points: int


def _fields(cls: Any, m: Any) -> Any:
    return cls(**{f: m[f] for f in cls.__slots__})


def _judge(m: Any) -> JudgeRow:
    return JudgeRow(
        id=m["id"],
        season=m["season"],
        user_id=m["user_id"],
        name=m["name"],
        email=m["email"],
        tags=list(m["tags"] or []),
        conflict_team_ids=[int(t) for t in m["conflict_team_ids"] or []],
        active=bool(m["active"]),
    )


def _sheet(m: Any) -> SheetRow:
    return SheetRow(
        assignment_id=m["assignment_id"],
        scores={str(k): int(v) for k, v in (m["scores"] or {}).items()},
        comment=m["comment"],
        submitted_at=m["submitted_at"],
        updated_at=m["updated_at"],
    )


# -- judges -------------------------------------------------------------------------------
async def insert_judge(conn: AsyncConnection, **values: Any) -> int:
    """Insert a judge; raises DuplicateRow when the season has that member or e-mail."""
    try:
        async with conn.begin_nested():
            result = await conn.execute(insert(judges).values(values).returning(judges.c.id))
            return int(result.scalar_one())
    except IntegrityError:
        raise DuplicateRow() from None


async def get_judge(conn: AsyncConnection, judge_id: int) -> JudgeRow | None:
    row = (await conn.execute(select(judges).where(judges.c.id == judge_id))).first()
    return _judge(row._mapping) if row else None


async def judge_by(
    conn: AsyncConnection, season: str, *, user_id: int | None = None, email: str | None = None
) -> JudgeRow | None:
    """The season's judge with that Discord id or e-mail (case-insensitive), if any."""
    stmt = select(judges).where(judges.c.season == season)
    if user_id is not None:
        stmt = stmt.where(judges.c.user_id == user_id)
    elif email is not None:
        stmt = stmt.where(func.lower(judges.c.email) == email.lower())
    else:
        return None
    row = (await conn.execute(stmt)).first()
    return _judge(row._mapping) if row else None


async def season_judges(
    conn: AsyncConnection, season: str, *, active_only: bool = True
) -> list[JudgeRow]:
    stmt = select(judges).where(judges.c.season == season)
    if active_only:
        stmt = stmt.where(judges.c.active.is_(True))
    rows = await conn.execute(stmt.order_by(judges.c.id))
    return [_judge(r._mapping) for r in rows]


async def update_judge(conn: AsyncConnection, judge_id: int, **values: Any) -> None:
    await conn.execute(update(judges).where(judges.c.id == judge_id).values(values))


# -- rounds -------------------------------------------------------------------------------
async def insert_round(conn: AsyncConnection, **values: Any) -> int:
    """Insert a round; raises DuplicateRow when the contest has that name or ordinal."""
    try:
        async with conn.begin_nested():
            result = await conn.execute(
                insert(judging_rounds).values(values).returning(judging_rounds.c.id)
            )
            return int(result.scalar_one())
    except IntegrityError:
        raise DuplicateRow() from None


async def next_ordinal(conn: AsyncConnection, contest_id: int) -> int:
    value = await conn.scalar(
        select(func.max(judging_rounds.c.ordinal)).where(judging_rounds.c.contest_id == contest_id)
    )
    return int(value or 0) + 1


async def get_round(conn: AsyncConnection, round_id: int) -> tuple[RoundRow, str] | None:
    """A round and its contest's season."""
    row = (
        await conn.execute(
            select(judging_rounds, contests.c.season)
            .join(contests, contests.c.id == judging_rounds.c.contest_id)
            .where(judging_rounds.c.id == round_id)
        )
    ).first()
    return (_fields(RoundRow, row._mapping), str(row.season)) if row else None


async def season_rounds(
    conn: AsyncConnection, season: str, contest_id: int | None = None
) -> list[RoundRow]:
    stmt = (
        select(judging_rounds)
        .join(contests, contests.c.id == judging_rounds.c.contest_id)
        .where(contests.c.season == season)
    )
    if contest_id is not None:
        stmt = stmt.where(judging_rounds.c.contest_id == contest_id)
    rows = await conn.execute(stmt.order_by(judging_rounds.c.contest_id, judging_rounds.c.ordinal))
    return [_fields(RoundRow, r._mapping) for r in rows]


async def round_by_ordinal(conn: AsyncConnection, contest_id: int, ordinal: int) -> RoundRow | None:
    row = (
        await conn.execute(
            select(judging_rounds).where(
                judging_rounds.c.contest_id == contest_id, judging_rounds.c.ordinal == ordinal
            )
        )
    ).first()
    return _fields(RoundRow, row._mapping) if row else None


async def set_round_status(
    conn: AsyncConnection, round_id: int, *, expected: str, status: str, **values: Any
) -> bool:
    """Move a round from ``expected`` to ``status`` (with other columns); False when it was
    not in ``expected`` (another writer moved it first)."""
    result = await conn.execute(
        update(judging_rounds)
        .where(judging_rounds.c.id == round_id, judging_rounds.c.status == expected)
        .values(status=status, **values)
    )
    return bool(result.rowcount)


async def open_rounds(conn: AsyncConnection) -> list[RoundRow]:
    rows = await conn.execute(select(judging_rounds).where(judging_rounds.c.status == "open"))
    return [_fields(RoundRow, r._mapping) for r in rows]


# -- entries ------------------------------------------------------------------------------
_ENTRY_COLUMNS = [
    submissions.c.id.label("submission_id"),
    submissions.c.contest_id,
    submissions.c.team_id,
    teams.c.name.label("team_name"),
    submissions.c.title,
    submissions.c.url,
    submissions.c.attachment_url,
    submissions.c.created_at,
    submissions.c.withdrawn_at,
]


async def contest_entries(conn: AsyncConnection, contest_id: int) -> list[EntryRow]:
    """A contest's submissions not withdrawn, oldest first (``position`` in that order)."""
    rows = await conn.execute(
        select(*_ENTRY_COLUMNS)
        .join(teams, teams.c.id == submissions.c.team_id)
        .where(submissions.c.contest_id == contest_id, submissions.c.withdrawn_at.is_(None))
        .order_by(submissions.c.created_at, submissions.c.id)
    )
    return [EntryRow(**r._mapping, position=i) for i, r in enumerate(rows)]


async def add_round_entries(
    conn: AsyncConnection, round_id: int, submission_ids: Sequence[int]
) -> None:
    if submission_ids:
        await conn.execute(
            insert(judging_entries),
            [
                {"round_id": round_id, "submission_id": s, "position": i}
                for i, s in enumerate(submission_ids)
            ],
        )


async def round_entries(
    conn: AsyncConnection, round_id: int, submission_ids: Sequence[int] | None = None
) -> list[EntryRow]:
    """The entries a round judges (only ``submission_ids`` when given), in round order."""
    stmt = (
        select(*_ENTRY_COLUMNS, judging_entries.c.position)
        .select_from(judging_entries)
        .join(submissions, submissions.c.id == judging_entries.c.submission_id)
        .join(teams, teams.c.id == submissions.c.team_id)
        .where(judging_entries.c.round_id == round_id)
    )
    if submission_ids is not None:
        stmt = stmt.where(judging_entries.c.submission_id.in_(list(submission_ids)))
    rows = await conn.execute(stmt.order_by(judging_entries.c.position))
    return [EntryRow(**r._mapping) for r in rows]


# -- assignments and sheets ----------------------------------------------------------------
async def insert_assignments(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(judging_assignments), rows)


_ASSIGNMENT_COLUMNS = [
    judging_assignments.c.id,
    judging_assignments.c.round_id,
    judging_assignments.c.submission_id,
    judging_assignments.c.judge_id,
    judging_assignments.c.status,
]


async def round_assignments(conn: AsyncConnection, round_id: int) -> list[AssignmentRow]:
    rows = await conn.execute(
        select(*_ASSIGNMENT_COLUMNS)
        .where(judging_assignments.c.round_id == round_id)
        .order_by(judging_assignments.c.id)
    )
    return [AssignmentRow(*r) for r in rows]


async def submitted_scores(
    conn: AsyncConnection, round_id: int
) -> list[tuple[int, int, dict[str, int]]]:
    """(judge id, submission id, scores) of the round's submitted sheets on current
    (submitted, not withdrawn) assignments, in assignment order."""
    rows = await conn.execute(
        select(
            judging_assignments.c.judge_id,
            judging_assignments.c.submission_id,
            judging_score_sheets.c.scores,
        )
        .join(
            judging_score_sheets,
            judging_score_sheets.c.assignment_id == judging_assignments.c.id,
        )
        .where(
            judging_assignments.c.round_id == round_id,
            judging_assignments.c.status == "submitted",
            judging_score_sheets.c.submitted_at.is_not(None),
        )
        .order_by(judging_assignments.c.id)
    )
    return [(int(j), int(s), {str(k): int(v) for k, v in scores.items()}) for j, s, scores in rows]


async def judge_assignments(
    conn: AsyncConnection, judge_id: int, round_id: int | None = None
) -> list[AssignmentRow]:
    stmt = select(*_ASSIGNMENT_COLUMNS).where(
        judging_assignments.c.judge_id == judge_id, judging_assignments.c.status != "withdrawn"
    )
    if round_id is not None:
        stmt = stmt.where(judging_assignments.c.round_id == round_id)
    rows = await conn.execute(stmt.order_by(judging_assignments.c.id))
    return [AssignmentRow(*r) for r in rows]


async def get_assignment(conn: AsyncConnection, assignment_id: int) -> AssignmentRow | None:
    row = (
        await conn.execute(
            select(*_ASSIGNMENT_COLUMNS).where(judging_assignments.c.id == assignment_id)
        )
    ).first()
    return AssignmentRow(*row) if row else None


async def set_assignment(conn: AsyncConnection, assignment_id: int, **values: Any) -> None:
    await conn.execute(
        update(judging_assignments).where(judging_assignments.c.id == assignment_id).values(values)
    )


async def get_sheet(conn: AsyncConnection, assignment_id: int) -> SheetRow | None:
    row = (
        await conn.execute(
            select(judging_score_sheets).where(
                judging_score_sheets.c.assignment_id == assignment_id
            )
        )
    ).first()
    return _sheet(row._mapping) if row else None


async def sheets_of(conn: AsyncConnection, assignment_ids: Sequence[int]) -> dict[int, SheetRow]:
    """The sheets of some assignments, by assignment id (assignments without one absent)."""
    if not assignment_ids:
        return {}
    rows = await conn.execute(
        select(judging_score_sheets).where(
            judging_score_sheets.c.assignment_id.in_(list(assignment_ids))
        )
    )
    return {int(r.assignment_id): _sheet(r._mapping) for r in rows}


async def put_sheet(conn: AsyncConnection, assignment_id: int, **values: Any) -> None:
    """Insert or replace an assignment's sheet (an upsert: two writers cannot both insert)."""
    stmt = upsertable_insert(conn, judging_score_sheets).values(
        assignment_id=assignment_id, **values
    )
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[judging_score_sheets.c.assignment_id],
            set_={k: stmt.excluded[k] for k in values},
        )
    )


async def round_sheets(conn: AsyncConnection, round_id: int) -> dict[int, SheetRow]:
    """Sheets of a round's assignments (withdrawn ones too), by assignment id."""
    rows = await conn.execute(
        select(judging_score_sheets)
        .join(
            judging_assignments,
            judging_assignments.c.id == judging_score_sheets.c.assignment_id,
        )
        .where(judging_assignments.c.round_id == round_id)
    )
    return {int(r.assignment_id): _sheet(r._mapping) for r in rows}


# -- results ------------------------------------------------------------------------------
async def insert_results(conn: AsyncConnection, round_id: int, rows: list[ResultRow]) -> None:
    if rows:
        await conn.execute(
            insert(judging_results),
            [
                {"round_id": round_id, **{f: getattr(r, f) for f in ResultRow.__slots__}}
                for r in rows
            ],
        )


async def round_results(conn: AsyncConnection, round_id: int) -> list[ResultRow]:
    rows = await conn.execute(
        select(judging_results)
        .where(judging_results.c.round_id == round_id)
        .order_by(judging_results.c.position)
    )
    return [_fields(ResultRow, r._mapping) for r in rows]
