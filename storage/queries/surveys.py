"""Queries on NPS surveys and their answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import nps_responses, nps_surveys


@dataclass(frozen=True, slots=True)
class SurveyRow:
    id: int
    question: str
    channel_id: int | None
    message_id: int | None
    created_by: int
    created_at: dt.datetime


async def create(
    conn: AsyncConnection,
    *,
    question: str,
    channel_id: int | None,
    created_by: int,
    now: dt.datetime,
) -> SurveyRow:
    """Insert a survey; returns it."""
    result = await conn.execute(
        insert(nps_surveys)
        .values(question=question, channel_id=channel_id, created_by=created_by, created_at=now)
        .returning(*nps_surveys.c)
    )
    return SurveyRow(**result.one()._mapping)


async def set_message(
    conn: AsyncConnection, survey_id: int, *, channel_id: int, message_id: int
) -> None:
    """Remember where the survey was posted."""
    await conn.execute(
        update(nps_surveys)
        .where(nps_surveys.c.id == survey_id)
        .values(channel_id=channel_id, message_id=message_id)
    )


async def get(conn: AsyncConnection, survey_id: int) -> SurveyRow | None:
    """One survey by id."""
    row = (await conn.execute(select(nps_surveys).where(nps_surveys.c.id == survey_id))).first()
    return None if row is None else SurveyRow(**row._mapping)


async def latest(conn: AsyncConnection) -> SurveyRow | None:
    """The newest survey."""
    stmt = select(nps_surveys).order_by(nps_surveys.c.id.desc()).limit(1)
    row = (await conn.execute(stmt)).first()
    return None if row is None else SurveyRow(**row._mapping)


async def recent(conn: AsyncConnection, *, limit: int = 25) -> list[SurveyRow]:
    """The newest surveys first."""
    stmt = select(nps_surveys).order_by(nps_surveys.c.id.desc()).limit(limit)
    return [SurveyRow(**row._mapping) for row in await conn.execute(stmt)]


async def answer_of(conn: AsyncConnection, survey_id: int, user_id: int) -> int | None:
    """The member's current score for the survey, if any."""
    stmt = select(nps_responses.c.score).where(
        nps_responses.c.survey_id == survey_id, nps_responses.c.user_id == user_id
    )
    value = (await conn.execute(stmt)).scalar_one_or_none()
    return None if value is None else int(value)


async def put_answer(
    conn: AsyncConnection, *, survey_id: int, user_id: int, score: int, now: dt.datetime
) -> None:
    """Insert the member's answer or replace their earlier one (one row per member)."""
    stmt = upsertable_insert(conn, nps_responses).values(
        survey_id=survey_id, user_id=user_id, score=score, answered_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[nps_responses.c.survey_id, nps_responses.c.user_id],
        set_={"score": stmt.excluded.score, "answered_at": stmt.excluded.answered_at},
    )
    await conn.execute(stmt)


async def score_counts(conn: AsyncConnection, survey_id: int) -> dict[int, int]:
    """How many members answered each score (only scores someone chose)."""
    stmt = (
        select(nps_responses.c.score, func.count().label("n"))
        .where(nps_responses.c.survey_id == survey_id)
        .group_by(nps_responses.c.score)
    )
    return {int(row.score): int(row.n) for row in await conn.execute(stmt)}


async def delete_unanswered(conn: AsyncConnection, survey_id: int) -> None:
    """Delete the survey if nobody answered it."""
    answered = select(nps_responses.c.user_id).where(nps_responses.c.survey_id == survey_id)
    await conn.execute(delete(nps_surveys).where(nps_surveys.c.id == survey_id, ~answered.exists()))
