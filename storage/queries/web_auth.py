"""Queries on dashboard login links, sessions and the generated signing secret."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import web_login_tokens, web_secrets, web_sessions


@dataclass(frozen=True, slots=True)
class LoginTokenRow:
    token_hash: str
    user_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    id_hash: str
    user_id: int
    csrf_token: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


async def get_secret(conn: AsyncConnection, name: str) -> str | None:
    """The stored secret called ``name``, or None."""
    value = await conn.scalar(select(web_secrets.c.value).where(web_secrets.c.name == name))
    return str(value) if value is not None else None


async def put_secret_once(conn: AsyncConnection, name: str, value: str, at: dt.datetime) -> None:
    """Store ``value`` under ``name`` unless one is stored already (the first writer wins)."""
    stmt = upsertable_insert(conn, web_secrets).values(name=name, value=value, created_at=at)
    await conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))


async def add_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    user_id: int,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Record a new login link."""
    await conn.execute(
        insert(web_login_tokens).values(
            token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at
        )
    )


async def get_token(conn: AsyncConnection, token_hash: str) -> LoginTokenRow | None:
    """The login link with this hash, or None."""
    row = (
        await conn.execute(
            select(web_login_tokens).where(web_login_tokens.c.token_hash == token_hash)
        )
    ).first()
    return LoginTokenRow(**row._mapping) if row is not None else None


async def use_token(conn: AsyncConnection, token_hash: str, at: dt.datetime) -> bool:
    """Mark the link used if it is unused and unexpired at ``at``; False if it was not."""
    result = await conn.execute(
        update(web_login_tokens)
        .where(
            web_login_tokens.c.token_hash == token_hash,
            web_login_tokens.c.used_at.is_(None),
            web_login_tokens.c.expires_at > at,
        )
        .values(used_at=at)
    )
    return result.rowcount == 1


async def purge_tokens(conn: AsyncConnection, before: dt.datetime) -> int:
    """Delete links that expired before ``before``; returns how many."""
    result = await conn.execute(
        delete(web_login_tokens).where(web_login_tokens.c.expires_at < before)
    )
    return int(result.rowcount or 0)


async def add_session(
    conn: AsyncConnection,
    *,
    id_hash: str,
    user_id: int,
    csrf_token: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    """Record a new session."""
    await conn.execute(
        insert(web_sessions).values(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def live_session(conn: AsyncConnection, id_hash: str, at: dt.datetime) -> SessionRow | None:
    """The session with this hash if it is neither revoked nor expired at ``at``."""
    row = (
        await conn.execute(
            select(web_sessions).where(
                web_sessions.c.id_hash == id_hash,
                web_sessions.c.revoked_at.is_(None),
                web_sessions.c.expires_at > at,
            )
        )
    ).first()
    return SessionRow(**row._mapping) if row is not None else None


async def revoke_session(conn: AsyncConnection, id_hash: str, at: dt.datetime) -> bool:
    """Revoke one live session; False if it was not live."""
    result = await conn.execute(
        update(web_sessions)
        .where(web_sessions.c.id_hash == id_hash, web_sessions.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount == 1


async def revoke_user_sessions(conn: AsyncConnection, user_id: int, at: dt.datetime) -> int:
    """Revoke every live session of a user; returns how many."""
    result = await conn.execute(
        update(web_sessions)
        .where(
            web_sessions.c.user_id == user_id,
            web_sessions.c.revoked_at.is_(None),
            web_sessions.c.expires_at > at,
        )
        .values(revoked_at=at)
    )
    return int(result.rowcount or 0)


async def access_holder_ids(conn: AsyncConnection, at: dt.datetime) -> list[int]:
    """Users with a live session or an unused, unexpired login link at ``at``, ascending."""
    sessions = select(web_sessions.c.user_id).where(
        web_sessions.c.revoked_at.is_(None), web_sessions.c.expires_at > at
    )
    links = select(web_login_tokens.c.user_id).where(
        web_login_tokens.c.used_at.is_(None), web_login_tokens.c.expires_at > at
    )
    rows = await conn.execute(sessions.union(links))
    return sorted(int(user_id) for (user_id,) in rows)


async def holds_access(conn: AsyncConnection, user_id: int, at: dt.datetime) -> bool:
    """True when the user has a live session or an unused, unexpired login link at ``at``."""
    session = await conn.scalar(
        select(web_sessions.c.id_hash)
        .where(
            web_sessions.c.user_id == user_id,
            web_sessions.c.revoked_at.is_(None),
            web_sessions.c.expires_at > at,
        )
        .limit(1)
    )
    if session is not None:
        return True
    link = await conn.scalar(
        select(web_login_tokens.c.token_hash)
        .where(
            web_login_tokens.c.user_id == user_id,
            web_login_tokens.c.used_at.is_(None),
            web_login_tokens.c.expires_at > at,
        )
        .limit(1)
    )
    return link is not None


async def withdraw_user_links(conn: AsyncConnection, user_id: int, at: dt.datetime) -> int:
    """Delete a user's unused, unexpired login links (they then fail as unknown links);
    returns how many."""
    result = await conn.execute(
        delete(web_login_tokens).where(
            web_login_tokens.c.user_id == user_id,
            web_login_tokens.c.used_at.is_(None),
            web_login_tokens.c.expires_at > at,
        )
    )
    return int(result.rowcount or 0)


async def purge_sessions(conn: AsyncConnection, before: dt.datetime) -> int:
    """Delete sessions that expired or were revoked before ``before``."""
    result = await conn.execute(
        delete(web_sessions).where(
            or_(
                web_sessions.c.expires_at < before,
                and_(web_sessions.c.revoked_at.is_not(None), web_sessions.c.revoked_at < before),
            )
        )
    )
    return int(result.rowcount or 0)
