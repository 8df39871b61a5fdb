"""Queries on judge portal sign-in links and judge sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import judge_login_tokens, judge_sessions


@dataclass(frozen=True, slots=True)
class JudgeTokenRow:
    token_hash: str
    judge_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class JudgeSessionRow:
    id_hash: str
    judge_id: int
    csrf_token: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


async def add_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    judge_id: int,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Record a new judge sign-in link."""
    await conn.execute(
        insert(judge_login_tokens).values(
            token_hash=token_hash, judge_id=judge_id, created_at=created_at, expires_at=expires_at
        )
    )


async def get_token(conn: AsyncConnection, token_hash: str) -> JudgeTokenRow | None:
    """The judge sign-in link with this hash, or None."""
    row = (
        await conn.execute(
            select(judge_login_tokens).where(judge_login_tokens.c.token_hash == token_hash)
        )
    ).first()
    return JudgeTokenRow(**row._mapping) if row is not None else None


async def use_token(conn: AsyncConnection, token_hash: str, at: dt.datetime) -> bool:
    """Mark the link used if it is unused and unexpired at ``at``; False if it was not."""
    result = await conn.execute(
        update(judge_login_tokens)
        .where(
            judge_login_tokens.c.token_hash == token_hash,
            judge_login_tokens.c.used_at.is_(None),
            judge_login_tokens.c.expires_at > at,
        )
        .values(used_at=at)
    )
    return result.rowcount == 1


async def add_session(
    conn: AsyncConnection,
    *,
    id_hash: str,
    judge_id: int,
    csrf_token: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Record a new judge session."""
    await conn.execute(
        insert(judge_sessions).values(
            id_hash=id_hash,
            judge_id=judge_id,
            csrf_token=csrf_token,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def live_session(
    conn: AsyncConnection, id_hash: str, at: dt.datetime
) -> JudgeSessionRow | None:
    """The judge session with this hash if it is neither revoked nor expired at ``at``."""
    row = (
        await conn.execute(
            select(judge_sessions).where(
                judge_sessions.c.id_hash == id_hash,
                judge_sessions.c.revoked_at.is_(None),
                judge_sessions.c.expires_at > at,
            )
        )
    ).first()
    return JudgeSessionRow(**row._mapping) if row is not None else None


async def revoke_session(conn: AsyncConnection, id_hash: str, at: dt.datetime) -> bool:
    """Revoke one live judge session; False if it was not live."""
    result = await conn.execute(
        update(judge_sessions)
        .where(judge_sessions.c.id_hash == id_hash, judge_sessions.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount == 1


async def revoke_judge_sessions(conn: AsyncConnection, judge_id: int, at: dt.datetime) -> int:
    """Revoke every live session of a judge; returns how many."""
    result = await conn.execute(
        update(judge_sessions)
        .where(
            judge_sessions.c.judge_id == judge_id,
            judge_sessions.c.revoked_at.is_(None),
            judge_sessions.c.expires_at > at,
        )
        .values(revoked_at=at)
    )
    return int(result.rowcount or 0)


async def withdraw_judge_links(conn: AsyncConnection, judge_id: int, at: dt.datetime) -> int:
    """Delete a judge's unused, unexpired sign-in links; returns how many."""
    result = await conn.execute(
        delete(judge_login_tokens).where(
            judge_login_tokens.c.judge_id == judge_id,
            judge_login_tokens.c.used_at.is_(None),
            judge_login_tokens.c.expires_at > at,
        )
    )
    return int(result.rowcount or 0)
