"""Queries on contests, their submissions and their results (no rules here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import (
    contest_results,
    contests,
    entry_moderation,
    submissions,
    teams,
    votes,
)


class DuplicateRow(Exception):
    """An insert broke a unique constraint (another writer got there first)."""


@dataclass(frozen=True, slots=True)
class ContestRow:
    id: int
    season: str
    name: str
    category: str
    submissions_open: dt.datetime
    submissions_close: dt.datetime
    voting_close: dt.datetime
    max_votes: int | None
    gallery_channel_id: int | None
    created_by: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    results_message_id: int | None


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    id: int
    contest_id: int
    team_id: int
    team_name: str
    user_id: int
    title: str
    url: str | None
    attachment_url: str | None
    attachment_name: str | None
    attachment_type: str | None
    attachment_size: int | None
    channel_id: int | None
    message_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    withdrawn_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ResultRow:
    place: int
    submission_id: int
    team_id: int
    votes: int
    points: int


def _contest(m: Any) -> ContestRow:
    return ContestRow(**{f: m[f] for f in ContestRow.__slots__})


def _submission(m: Any) -> SubmissionRow:
    return SubmissionRow(**{f: m[f] for f in SubmissionRow.__slots__})


_SUBMISSION_COLUMNS = [*submissions.c, teams.c.name.label("team_name")]


# -- contests ---------------------------------------------------------------------------
async def create_contest(conn: AsyncConnection, **values: Any) -> ContestRow:
    """Insert a contest; raises DuplicateRow when the season already has that name."""
    try:
        async with conn.begin_nested():
            row = (
                await conn.execute(insert(contests).values(**values).returning(*contests.c))
            ).one()
    except IntegrityError as exc:
        raise DuplicateRow(str(exc.orig)) from exc
    return _contest(row._mapping)


async def get_contest(conn: AsyncConnection, contest_id: int) -> ContestRow | None:
    """A contest by id."""
    row = (await conn.execute(select(contests).where(contests.c.id == contest_id))).first()
    return _contest(row._mapping) if row else None


async def contest_by_name(conn: AsyncConnection, season: str, name: str) -> ContestRow | None:
    """A contest by exact name (case-insensitive) in a season."""
    row = (
        await conn.execute(
            select(contests).where(
                contests.c.season == season, func.lower(contests.c.name) == name.lower()
            )
        )
    ).first()
    return _contest(row._mapping) if row else None


async def search_contests(
    conn: AsyncConnection, season: str, text_: str, *, limit: int
) -> list[ContestRow]:
    """Contests whose name contains ``text_`` (case-insensitive), newest first."""
    query = select(contests).where(contests.c.season == season)
    if text_:
        query = query.where(func.lower(contests.c.name).contains(text_.lower(), autoescape=True))
    rows = await conn.execute(query.order_by(contests.c.id.desc()).limit(limit))
    return [_contest(r._mapping) for r in rows]


async def unclosed_contests(conn: AsyncConnection, season: str) -> list[ContestRow]:
    """Contests not closed yet."""
    rows = await conn.execute(
        select(contests).where(contests.c.season == season, contests.c.closed_at.is_(None))
    )
    return [_contest(r._mapping) for r in rows]


async def mark_closed(conn: AsyncConnection, contest_id: int, at: dt.datetime) -> bool:
    """Set closed_at unless already set; True when this call closed it."""
    result = await conn.execute(
        update(contests)
        .where(contests.c.id == contest_id, contests.c.closed_at.is_(None))
        .values(closed_at=at)
    )
    return result.rowcount == 1


async def set_results_message(conn: AsyncConnection, contest_id: int, message_id: int) -> None:
    """Remember the results post."""
    await conn.execute(
        update(contests).where(contests.c.id == contest_id).values(results_message_id=message_id)
    )


# -- submissions ------------------------------------------------------------------------
async def insert_submission(conn: AsyncConnection, **values: Any) -> int:
    """Insert an entry; raises DuplicateRow when the team already has an active one."""
    try:
        async with conn.begin_nested():
            new_id = (
                await conn.execute(insert(submissions).values(**values).returning(submissions.c.id))
            ).scalar_one()
    except IntegrityError as exc:
        raise DuplicateRow(str(exc.orig)) from exc
    return int(new_id)


async def get_submission(conn: AsyncConnection, submission_id: int) -> SubmissionRow | None:
    """An entry with its team's name."""
    row = (
        await conn.execute(
            select(*_SUBMISSION_COLUMNS)
            .join(teams, teams.c.id == submissions.c.team_id)
            .where(submissions.c.id == submission_id)
        )
    ).first()
    return _submission(row._mapping) if row else None


async def submission_shown(
    conn: AsyncConnection, submission_id: int
) -> tuple[SubmissionRow, str, int, str | None] | None:
    """An entry with its team's name, its contest's name, its counted (not voided) votes and
    its moderation state (``hidden``, ``disqualified`` or None), in one statement (a gallery
    post is re-rendered from this)."""
    counted = (
        select(func.count())
        .select_from(votes)
        .where(votes.c.submission_id == submissions.c.id, votes.c.voided_at.is_(None))
        .scalar_subquery()
    )
    row = (
        await conn.execute(
            select(
                *_SUBMISSION_COLUMNS,
                contests.c.name.label("contest_name"),
                counted.label("counted_votes"),
                entry_moderation.c.state.label("moderation"),
            )
            .join(teams, teams.c.id == submissions.c.team_id)
            .join(contests, contests.c.id == submissions.c.contest_id)
            .outerjoin(entry_moderation, entry_moderation.c.submission_id == submissions.c.id)
            .where(submissions.c.id == submission_id)
        )
    ).first()
    if row is None:
        return None
    m = row._mapping
    return _submission(m), str(m["contest_name"]), int(m["counted_votes"] or 0), m["moderation"]


async def active_submissions(conn: AsyncConnection, contest_id: int) -> list[SubmissionRow]:
    """A contest's entries that are not withdrawn, oldest first."""
    rows = await conn.execute(
        select(*_SUBMISSION_COLUMNS)
        .join(teams, teams.c.id == submissions.c.team_id)
        .where(submissions.c.contest_id == contest_id, submissions.c.withdrawn_at.is_(None))
        .order_by(submissions.c.created_at, submissions.c.id)
    )
    return [_submission(r._mapping) for r in rows]


async def unmoderated_submissions(conn: AsyncConnection, contest_id: int) -> list[SubmissionRow]:
    """A contest's entries that are neither withdrawn nor hidden or disqualified, oldest
    first."""
    rows = await conn.execute(
        select(*_SUBMISSION_COLUMNS)
        .join(teams, teams.c.id == submissions.c.team_id)
        .outerjoin(entry_moderation, entry_moderation.c.submission_id == submissions.c.id)
        .where(
            submissions.c.contest_id == contest_id,
            submissions.c.withdrawn_at.is_(None),
            entry_moderation.c.submission_id.is_(None),
        )
        .order_by(submissions.c.created_at, submissions.c.id)
    )
    return [_submission(r._mapping) for r in rows]


async def team_submissions(
    conn: AsyncConnection, contest_id: int, team_id: int
) -> list[SubmissionRow]:
    """The team's active entries in a contest."""
    return [s for s in await active_submissions(conn, contest_id) if s.team_id == team_id]


async def update_submission(conn: AsyncConnection, submission_id: int, **values: Any) -> None:
    """Change an entry's fields."""
    await conn.execute(
        update(submissions).where(submissions.c.id == submission_id).values(**values)
    )


# -- results ----------------------------------------------------------------------------
async def insert_result(conn: AsyncConnection, contest_id: int, result: ResultRow) -> None:
    """Record a place (the primary key keeps each place once)."""
    await conn.execute(
        insert(contest_results).values(
            contest_id=contest_id,
            place=result.place,
            submission_id=result.submission_id,
            team_id=result.team_id,
            votes=result.votes,
            points=result.points,
        )
    )


async def results(conn: AsyncConnection, contest_id: int) -> list[ResultRow]:
    """A closed contest's places, first place first."""
    rows = await conn.execute(
        select(contest_results)
        .where(contest_results.c.contest_id == contest_id)
        .order_by(contest_results.c.place)
    )
    return [
        ResultRow(
            place=r.place,
            submission_id=r.submission_id,
            team_id=r.team_id,
            votes=r.votes,
            points=r.points,
        )
        for r in rows
    ]
