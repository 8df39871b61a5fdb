"""Queries on entry moderation and members' reports of entries (no rules here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.queries.contests.entries import DuplicateRow
from storage.schema import contests, entry_moderation, entry_reports, submissions, teams


@dataclass(frozen=True, slots=True)
class ModerationRow:
    submission_id: int
    state: str
    reason: str
    moderated_by: int
    moderated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EntryFound:
    """An entry as an organizer's search finds it."""

    submission_id: int
    title: str
    team_name: str
    contest_name: str
    state: str | None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """An entry with open reports: how many, and when the newest came."""

    submission_id: int
    contest_id: int
    contest_name: str
    title: str
    team_name: str
    open_reports: int
    latest_at: dt.datetime


def _moderation(m: Any) -> ModerationRow:
    return ModerationRow(**{f: m[f] for f in ModerationRow.__slots__})


# -- moderation state -------------------------------------------------------------------
async def get_state(conn: AsyncConnection, submission_id: int) -> ModerationRow | None:
    """The entry's moderation, or None when it is listed normally."""
    row = (
        await conn.execute(
            select(entry_moderation).where(entry_moderation.c.submission_id == submission_id)
        )
    ).first()
    return _moderation(row._mapping) if row else None


async def lock_entry(conn: AsyncConnection, submission_id: int) -> None:
    """Hold the submission's row until the transaction ends (PostgreSQL ``FOR UPDATE``;
    SQLite has one writer), so two moderations of one entry run one after the other."""
    await conn.execute(
        select(submissions.c.id).where(submissions.c.id == submission_id).with_for_update()
    )


async def set_state(
    conn: AsyncConnection,
    submission_id: int,
    *,
    state: str,
    reason: str,
    by: int,
    at: dt.datetime,
) -> None:
    """Record the entry's moderation, replacing an earlier one; raises DuplicateRow when
    another writer recorded one meanwhile (PostgreSQL)."""
    await conn.execute(
        delete(entry_moderation).where(entry_moderation.c.submission_id == submission_id)
    )
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(entry_moderation).values(
                    submission_id=submission_id,
                    state=state,
                    reason=reason,
                    moderated_by=by,
                    moderated_at=at,
                )
            )
    except IntegrityError as exc:
        raise DuplicateRow(str(exc.orig)) from exc


async def clear_state(conn: AsyncConnection, submission_id: int) -> bool:
    """Forget the entry's moderation; False when it had none."""
    result = await conn.execute(
        delete(entry_moderation).where(entry_moderation.c.submission_id == submission_id)
    )
    return result.rowcount == 1


async def search_entries(
    conn: AsyncConnection, season: str, text_: str, *, limit: int
) -> list[EntryFound]:
    """Entries (not withdrawn) of the season's unclosed contests whose title or team name
    contains ``text_`` (case-insensitive), or whose id is ``text_``; newest first."""
    query = (
        select(
            submissions.c.id,
            submissions.c.title,
            teams.c.name.label("team_name"),
            contests.c.name.label("contest_name"),
            entry_moderation.c.state,
        )
        .join(teams, teams.c.id == submissions.c.team_id)
        .join(contests, contests.c.id == submissions.c.contest_id)
        .outerjoin(entry_moderation, entry_moderation.c.submission_id == submissions.c.id)
        .where(
            contests.c.season == season,
            contests.c.closed_at.is_(None),
            submissions.c.withdrawn_at.is_(None),
        )
    )
    wanted = text_.strip().removeprefix("#").lower()
    if wanted:
        matches = func.lower(submissions.c.title).contains(wanted, autoescape=True) | func.lower(
            teams.c.name
        ).contains(wanted, autoescape=True)
        if wanted.isdigit() and len(wanted) <= 18:
            matches = matches | (submissions.c.id == int(wanted))
        query = query.where(matches)
    rows = await conn.execute(query.order_by(submissions.c.id.desc()).limit(limit))
    return [
        EntryFound(
            submission_id=int(r.id),
            title=r.title,
            team_name=r.team_name,
            contest_name=r.contest_name,
            state=r.state,
        )
        for r in rows
    ]


# -- reports ----------------------------------------------------------------------------
async def insert_report(
    conn: AsyncConnection,
    *,
    submission_id: int,
    contest_id: int,
    user_id: int,
    text_: str | None,
    at: dt.datetime,
) -> int:
    """Record a report; raises DuplicateRow when the member reported the entry before."""
    try:
        async with conn.begin_nested():
            new_id = (
                await conn.execute(
                    insert(entry_reports)
                    .values(
                        submission_id=submission_id,
                        contest_id=contest_id,
                        user_id=user_id,
                        text=text_,
                        created_at=at,
                    )
                    .returning(entry_reports.c.id)
                )
            ).scalar_one()
    except IntegrityError as exc:
        raise DuplicateRow(str(exc.orig)) from exc
    return int(new_id)


async def has_report(conn: AsyncConnection, submission_id: int, user_id: int) -> bool:
    """True when the member has reported the entry (resolved reports count too)."""
    found = await conn.scalar(
        select(entry_reports.c.id).where(
            entry_reports.c.submission_id == submission_id, entry_reports.c.user_id == user_id
        )
    )
    return found is not None


async def open_count(conn: AsyncConnection, submission_id: int) -> int:
    """The entry's reports no organizer has resolved yet."""
    return int(
        await conn.scalar(
            select(func.count())
            .select_from(entry_reports)
            .where(
                entry_reports.c.submission_id == submission_id,
                entry_reports.c.resolved_at.is_(None),
            )
        )
        or 0
    )


async def resolve_reports(
    conn: AsyncConnection, submission_id: int, *, at: dt.datetime, by: int
) -> int:
    """Mark the entry's open reports resolved; returns how many."""
    result = await conn.execute(
        update(entry_reports)
        .where(
            entry_reports.c.submission_id == submission_id,
            entry_reports.c.resolved_at.is_(None),
        )
        .values(resolved_at=at, resolved_by=by)
    )
    return int(result.rowcount or 0)


async def queue(
    conn: AsyncConnection, season: str, *, contest_id: int | None, limit: int
) -> list[QueueRow]:
    """Entries (not withdrawn, not moderated) of the season's contests with open reports:
    most reports first, then the newest report first."""
    count = func.count(entry_reports.c.id)
    latest = func.max(entry_reports.c.created_at)
    query = (
        select(
            submissions.c.id,
            submissions.c.contest_id,
            contests.c.name.label("contest_name"),
            submissions.c.title,
            teams.c.name.label("team_name"),
            count.label("open_reports"),
            latest.label("latest_at"),
        )
        .select_from(entry_reports)
        .join(submissions, submissions.c.id == entry_reports.c.submission_id)
        .join(teams, teams.c.id == submissions.c.team_id)
        .join(contests, contests.c.id == submissions.c.contest_id)
        .outerjoin(entry_moderation, entry_moderation.c.submission_id == submissions.c.id)
        .where(
            contests.c.season == season,
            entry_reports.c.resolved_at.is_(None),
            submissions.c.withdrawn_at.is_(None),
            entry_moderation.c.submission_id.is_(None),
        )
        .group_by(
            submissions.c.id,
            submissions.c.contest_id,
            contests.c.name,
            submissions.c.title,
            teams.c.name,
        )
        .order_by(count.desc(), latest.desc(), submissions.c.id)
        .limit(limit)
    )
    if contest_id is not None:
        query = query.where(submissions.c.contest_id == contest_id)
    rows = await conn.execute(query)
    return [
        QueueRow(
            submission_id=int(r.id),
            contest_id=int(r.contest_id),
            contest_name=r.contest_name,
            title=r.title,
            team_name=r.team_name,
            open_reports=int(r.open_reports),
            latest_at=r.latest_at,
        )
        for r in rows
    ]


async def latest_texts(
    conn: AsyncConnection, submission_ids: Sequence[int], *, per_entry: int
) -> dict[int, list[str]]:
    """The newest non-empty reasons of the entries' open reports, newest first."""
    if not submission_ids:
        return {}
    rows = await conn.execute(
        select(entry_reports.c.submission_id, entry_reports.c.text)
        .where(
            entry_reports.c.submission_id.in_(list(submission_ids)),
            entry_reports.c.resolved_at.is_(None),
            entry_reports.c.text.is_not(None),
        )
        .order_by(entry_reports.c.created_at.desc(), entry_reports.c.id.desc())
    )
    found: dict[int, list[str]] = {}
    for submission_id, text_ in rows:
        texts = found.setdefault(int(submission_id), [])
        if len(texts) < per_entry:
            texts.append(str(text_))
    return found
