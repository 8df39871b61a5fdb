"""Queries on the WhatsApp outbox: idempotent enqueueing for an audience of subscribers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import members, outbox, subscribers, team_members, teams


def audience_subscribers(
    *,
    season: str,
    cohort: str | None = None,
    track: str | None = None,
    user_ids: Sequence[int] | None = None,
) -> Select[tuple[int, str]]:
    """SELECT (subscriber id, language) of subscribers who may be messaged, in an audience.

    Opted-out numbers and numbers no longer tied to a member are never included. With
    ``cohort`` only members of that cohort; with ``track`` only members of a team of that
    track this season; with ``user_ids`` only those members' numbers; with none of them,
    every subscriber.
    """
    stmt = select(subscribers.c.id, subscribers.c.language).where(
        subscribers.c.opted_out_at.is_(None), subscribers.c.user_id.is_not(None)
    )
    if cohort is not None:
        stmt = stmt.join(members, members.c.user_id == subscribers.c.user_id).where(
            members.c.cohort_key == cohort
        )
    if user_ids is not None:
        stmt = stmt.where(subscribers.c.user_id.in_(list(user_ids)))
    if track is not None:
        stmt = (
            stmt.join(
                team_members,
                and_(
                    team_members.c.user_id == subscribers.c.user_id,
                    team_members.c.season == season,
                ),
            )
            .join(teams, teams.c.id == team_members.c.team_id)
            .where(teams.c.track == track, teams.c.disbanded_at.is_(None))
        )
    return stmt


async def enqueue(
    conn: AsyncConnection,
    *,
    occurrence_key: str,
    kind: str,
    texts: Mapping[str, str],
    variables: Mapping[str, Mapping[str, Any]],
    audience: Select[tuple[int, str]],
    now: dt.datetime,
) -> int:
    """Queue one row per subscriber of ``audience`` for this occurrence; returns rows added.

    ``texts`` and ``variables`` are per language (``en``, ``zh_CN``); a subscriber whose
    language has no text gets English. Rows that already exist for the occurrence are left
    alone (INSERT … ON CONFLICT DO NOTHING), so enqueueing twice sends once.
    """
    added = 0
    for language, text in texts.items():
        if language != "en" and not text:
            continue
        chosen = audience.subquery()
        condition: ColumnElement[bool]
        if language == "en":
            others = [lang for lang, value in texts.items() if lang != "en" and value]
            condition = chosen.c.language.not_in(others)
        else:
            condition = chosen.c.language == language
        # The WHERE clause also keeps SQLite's parser from reading ON CONFLICT as a join.
        rows = select(
            literal(occurrence_key),
            chosen.c.id,
            literal(kind),
            literal(language),
            literal(text),
            literal(
                dict(variables.get(language) or variables.get("en") or {}),
                outbox.c.variables.type,
            ),
            literal("queued"),
            literal(0),
            literal(now, outbox.c.next_attempt_at.type),
            literal(now, outbox.c.created_at.type),
            literal(now, outbox.c.updated_at.type),
        ).where(condition)
        stmt = (
            upsertable_insert(conn, outbox)
            .from_select(
                [
                    "occurrence_key",
                    "subscriber_id",
                    "kind",
                    "language",
                    "body",
                    "variables",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "created_at",
                    "updated_at",
                ],
                rows,
            )
            .on_conflict_do_nothing(index_elements=["occurrence_key", "subscriber_id"])
        )
        result = await conn.execute(stmt)
        added += max(result.rowcount or 0, 0)
    return added


async def enqueue_verification(
    conn: AsyncConnection,
    *,
    verification_id: int,
    language: str,
    body: str,
    variables: Mapping[str, Any],
    now: dt.datetime,
) -> int:
    """Queue the verification code of pending link ``verification_id``; returns the row id.

    The row names no subscriber: the relay sends it to the pending link's number, and
    cancels it once that link is gone (verified, replaced or expired).
    """
    result = await conn.execute(
        insert(outbox)
        .values(
            occurrence_key=f"verification:{verification_id}",
            subscriber_id=None,
            verification_id=verification_id,
            kind="verification",
            language=language,
            body=body,
            variables=dict(variables),
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        .returning(outbox.c.id)
    )
    return int(result.scalar_one())
