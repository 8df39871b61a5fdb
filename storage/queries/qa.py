"""Queries for Q&A sessions, RSVPs, questions, upvotes and attendance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries import jobs as job_queries
from storage.queries.jobs import JobRow
from storage.schema import (
    qa_attendance,
    qa_questions,
    qa_rsvps,
    qa_sessions,
    qa_votes,
    scheduled_jobs,
    team_members,
    teams,
)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A qa_sessions row."""

    id: int
    season: str
    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    host_id: int
    audience: list[str]
    status: str
    discord_event_id: int | None
    queue_channel_id: int | None
    queue_message_id: int | None
    created_by: int
    #: a session for a list of teams (None: for the cohorts of ``audience``)
    audience_teams: list[int] | None = None
    #: learning-resource links attached to its reminders
    resources: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """A qa_questions row with its upvote count."""

    id: int
    session_id: int
    asker_id: int
    text: str
    status: str
    channel_id: int | None
    message_id: int | None
    created_at: dt.datetime
    votes: int


def _session(row: Any) -> SessionRow:
    return SessionRow(
        id=row.id,
        season=row.season,
        title=row.title,
        kind=row.kind,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        host_id=row.host_id,
        audience=list(row.audience or []),
        status=row.status,
        discord_event_id=row.discord_event_id,
        queue_channel_id=row.queue_channel_id,
        queue_message_id=row.queue_message_id,
        created_by=row.created_by,
        audience_teams=None if row.audience_teams is None else [int(t) for t in row.audience_teams],
        resources=list(row.resources or []),
    )


async def create_session(conn: AsyncConnection, **values: Any) -> int:
    """Insert a session; returns its id."""
    result = await conn.execute(insert(qa_sessions).values(values).returning(qa_sessions.c.id))
    return int(result.scalar_one())


async def get_session(
    conn: AsyncConnection, session_id: int, *, lock: bool = False
) -> SessionRow | None:
    """One session (``lock``: FOR UPDATE on PostgreSQL)."""
    stmt = select(qa_sessions).where(qa_sessions.c.id == session_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return _session(row) if row is not None else None


async def update_session(conn: AsyncConnection, session_id: int, **values: Any) -> None:
    """Set columns of one session."""
    await conn.execute(update(qa_sessions).where(qa_sessions.c.id == session_id).values(values))


async def sessions_ending_after(
    conn: AsyncConnection, season: str, after: dt.datetime, *, limit: int = 25
) -> list[SessionRow]:
    """Scheduled (not cancelled) sessions of the season that end after ``after``, soonest
    first."""
    rows = await conn.execute(
        select(qa_sessions)
        .where(
            qa_sessions.c.season == season,
            qa_sessions.c.status == "scheduled",
            qa_sessions.c.ends_at > after,
        )
        .order_by(qa_sessions.c.starts_at, qa_sessions.c.id)
        .limit(limit)
    )
    return [_session(row) for row in rows]


async def rsvp_exists(conn: AsyncConnection, session_id: int, user_id: int) -> bool:
    """True when the member RSVP'd to the session."""
    row = (
        await conn.execute(
            select(qa_rsvps.c.user_id).where(
                qa_rsvps.c.session_id == session_id, qa_rsvps.c.user_id == user_id
            )
        )
    ).first()
    return row is not None


async def add_rsvp(conn: AsyncConnection, session_id: int, user_id: int, now: dt.datetime) -> None:
    """Record an RSVP (idempotent)."""
    await conn.execute(
        upsertable_insert(conn, qa_rsvps)
        .values(session_id=session_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["session_id", "user_id"])
    )


async def remove_rsvp(conn: AsyncConnection, session_id: int, user_id: int) -> None:
    """Withdraw an RSVP."""
    await conn.execute(
        delete(qa_rsvps).where(qa_rsvps.c.session_id == session_id, qa_rsvps.c.user_id == user_id)
    )


async def rsvp_user_ids(conn: AsyncConnection, session_id: int) -> list[int]:
    """Members who RSVP'd, in the order they did."""
    rows = await conn.execute(
        select(qa_rsvps.c.user_id)
        .where(qa_rsvps.c.session_id == session_id)
        .order_by(qa_rsvps.c.created_at, qa_rsvps.c.user_id)
    )
    return [int(r.user_id) for r in rows]


async def rsvped_sessions(conn: AsyncConnection, user_id: int, session_ids: list[int]) -> set[int]:
    """Which of ``session_ids`` the member RSVP'd to."""
    if not session_ids:
        return set()
    rows = await conn.execute(
        select(qa_rsvps.c.session_id).where(
            qa_rsvps.c.user_id == user_id, qa_rsvps.c.session_id.in_(session_ids)
        )
    )
    return {int(r.session_id) for r in rows}


def _questions_with_votes() -> Any:
    votes = (
        select(qa_votes.c.question_id, func.count().label("votes"))
        .group_by(qa_votes.c.question_id)
        .subquery()
    )
    return select(qa_questions, func.coalesce(votes.c.votes, 0).label("votes")).outerjoin(
        votes, votes.c.question_id == qa_questions.c.id
    )


def _question(row: Any) -> QuestionRow:
    return QuestionRow(
        id=row.id,
        session_id=row.session_id,
        asker_id=row.asker_id,
        text=row.text,
        status=row.status,
        channel_id=row.channel_id,
        message_id=row.message_id,
        created_at=row.created_at,
        votes=int(row.votes),
    )


async def open_question_of(
    conn: AsyncConnection, session_id: int, asker_id: int
) -> QuestionRow | None:
    """The member's open question in the session, if any."""
    row = (
        await conn.execute(
            _questions_with_votes().where(
                qa_questions.c.session_id == session_id,
                qa_questions.c.asker_id == asker_id,
                qa_questions.c.status == "open",
            )
        )
    ).first()
    return _question(row) if row is not None else None


async def add_question(conn: AsyncConnection, **values: Any) -> int:
    """Insert a question; returns its id (the partial unique index refuses a second open
    question of the same member in the same session)."""
    result = await conn.execute(insert(qa_questions).values(values).returning(qa_questions.c.id))
    return int(result.scalar_one())


async def get_question(conn: AsyncConnection, question_id: int) -> QuestionRow | None:
    """One question with its upvote count."""
    row = (
        await conn.execute(_questions_with_votes().where(qa_questions.c.id == question_id))
    ).first()
    return _question(row) if row is not None else None


async def update_question(conn: AsyncConnection, question_id: int, **values: Any) -> None:
    """Set columns of one question."""
    await conn.execute(update(qa_questions).where(qa_questions.c.id == question_id).values(values))


async def open_questions(
    conn: AsyncConnection, session_id: int, *, limit: int | None = None
) -> list[QuestionRow]:
    """The session's open questions, most upvoted first, then oldest first."""
    stmt = (
        _questions_with_votes()
        .where(qa_questions.c.session_id == session_id, qa_questions.c.status == "open")
        .order_by(
            func.coalesce(
                select(func.count())
                .where(qa_votes.c.question_id == qa_questions.c.id)
                .scalar_subquery(),
                0,
            ).desc(),
            qa_questions.c.created_at,
            qa_questions.c.id,
        )
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_question(row) for row in await conn.execute(stmt)]


async def count_questions(conn: AsyncConnection, session_id: int) -> dict[str, int]:
    """Questions of a session per status."""
    rows = await conn.execute(
        select(qa_questions.c.status, func.count())
        .where(qa_questions.c.session_id == session_id)
        .group_by(qa_questions.c.status)
    )
    return {status: int(n) for status, n in rows}


async def open_questions_for(
    conn: AsyncConnection, session_ids: list[int], *, limit: int = 25
) -> list[QuestionRow]:
    """Open questions of the given sessions, newest first (for autocomplete)."""
    if not session_ids:
        return []
    rows = await conn.execute(
        _questions_with_votes()
        .where(qa_questions.c.session_id.in_(session_ids), qa_questions.c.status == "open")
        .order_by(qa_questions.c.id.desc())
        .limit(limit)
    )
    return [_question(row) for row in rows]


async def has_vote(conn: AsyncConnection, question_id: int, voter_id: int) -> bool:
    """True when the member upvoted the question."""
    row = (
        await conn.execute(
            select(qa_votes.c.voter_id).where(
                qa_votes.c.question_id == question_id, qa_votes.c.voter_id == voter_id
            )
        )
    ).first()
    return row is not None


async def add_vote(
    conn: AsyncConnection, question_id: int, voter_id: int, now: dt.datetime
) -> None:
    """Record an upvote (idempotent: the primary key allows one per member)."""
    await conn.execute(
        upsertable_insert(conn, qa_votes)
        .values(question_id=question_id, voter_id=voter_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["question_id", "voter_id"])
    )


async def remove_vote(conn: AsyncConnection, question_id: int, voter_id: int) -> None:
    """Withdraw an upvote."""
    await conn.execute(
        delete(qa_votes).where(
            qa_votes.c.question_id == question_id, qa_votes.c.voter_id == voter_id
        )
    )


async def add_attendance(
    conn: AsyncConnection,
    *,
    session_id: int,
    user_id: int,
    team_id: int | None,
    points: int,
    now: dt.datetime,
) -> bool:
    """Record a check-in; False when the member had already checked in."""
    result = await conn.execute(
        upsertable_insert(conn, qa_attendance)
        .values(
            session_id=session_id,
            user_id=user_id,
            team_id=team_id,
            points=points,
            checked_in_at=now,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "user_id"])
    )
    return (result.rowcount or 0) == 1


async def set_attendance_points(
    conn: AsyncConnection, session_id: int, user_id: int, points: int
) -> None:
    """Record how many points a check-in earned."""
    await conn.execute(
        update(qa_attendance)
        .where(qa_attendance.c.session_id == session_id, qa_attendance.c.user_id == user_id)
        .values(points=points)
    )


async def attendance_count(conn: AsyncConnection, session_id: int) -> int:
    """How many members checked in."""
    result = await conn.execute(
        select(func.count()).where(qa_attendance.c.session_id == session_id)
    )
    return int(result.scalar_one())


async def put_job(
    conn: AsyncConnection,
    *,
    kind: str,
    key: str,
    run_at: dt.datetime,
    payload: dict[str, Any],
    now: dt.datetime,
) -> JobRow:
    """Create or move a pending job inside the caller's transaction; a job that was
    cancelled (its reminder time had passed before an edit moved the session later) is
    made pending again. A job that ran (done, running, failed, missed) is left alone, so a
    reminder that went out is never sent again."""
    await conn.execute(
        update(scheduled_jobs)
        .where(scheduled_jobs.c.key == key, scheduled_jobs.c.status == job_queries.CANCELLED)
        .values(status=job_queries.PENDING, finished_at=None)
    )
    return await job_queries.upsert_pending(
        conn, kind=kind, key=key, run_at=run_at, payload=payload, now=now
    )


async def jobs_with_prefix(conn: AsyncConnection, prefix: str) -> list[JobRow]:
    """Scheduled jobs whose key starts with ``prefix`` (a session's notices)."""
    rows = await conn.execute(
        select(scheduled_jobs)
        .where(scheduled_jobs.c.key.startswith(prefix, autoescape=True))
        .order_by(scheduled_jobs.c.run_at, scheduled_jobs.c.id)
    )
    return [JobRow(**r._mapping) for r in rows]


async def next_session_for_cohort(
    conn: AsyncConnection,
    season: str,
    cohort: str | None,
    after: dt.datetime,
    team_id: int | None = None,
) -> SessionRow | None:
    """The next scheduled session starting after ``after`` whose audience includes
    ``cohort`` (or is every cohort), or, for a session for a team list, ``team_id``."""
    rows = await conn.execute(
        select(qa_sessions)
        .where(
            and_(
                qa_sessions.c.season == season,
                qa_sessions.c.status == "scheduled",
                qa_sessions.c.starts_at > after,
            )
        )
        .order_by(qa_sessions.c.starts_at, qa_sessions.c.id)
        .limit(200)
    )
    for row in rows:
        session = _session(row)
        if session.audience_teams is not None:
            if team_id is not None and team_id in session.audience_teams:
                return session
            continue
        if not session.audience or (cohort is not None and cohort in session.audience):
            return session
    return None


async def members_of_teams(conn: AsyncConnection, team_ids: list[int]) -> list[int]:
    """The members of the teams ``team_ids`` that are not disbanded, by user id."""
    if not team_ids:
        return []
    rows = await conn.execute(
        select(team_members.c.user_id)
        .join(teams, teams.c.id == team_members.c.team_id)
        .where(team_members.c.team_id.in_(team_ids), teams.c.disbanded_at.is_(None))
        .order_by(team_members.c.user_id)
    )
    return [int(r.user_id) for r in rows]
