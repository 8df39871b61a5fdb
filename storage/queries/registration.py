"""Queries on profiles, consents, and eligibility codes, proofs and grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.schema import (
    eligibility_codes,
    eligibility_grants,
    eligibility_proofs,
    members,
    profile_consents,
    profiles,
)

# -- profiles ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileRow:
    user_id: int
    answers: dict[str, str]
    created_at: dt.datetime
    updated_at: dt.datetime
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class ConsentRow:
    id: int
    user_id: int
    version: str
    locale: str
    text: str
    accepted_at: dt.datetime


async def profile(conn: AsyncConnection, user_id: int) -> ProfileRow | None:
    """The member's profile, or None."""
    row = (await conn.execute(select(profiles).where(profiles.c.user_id == user_id))).first()
    return ProfileRow(**row._mapping) if row else None


async def save_profile(
    conn: AsyncConnection, *, user_id: int, answers: dict[str, str], now: dt.datetime
) -> None:
    """Insert or replace the member's answers."""
    stmt = upsertable_insert(conn, profiles).values(
        user_id=user_id, answers=answers, created_at=now, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[profiles.c.user_id],
        set_={"answers": stmt.excluded.answers, "updated_at": stmt.excluded.updated_at},
    )
    await conn.execute(stmt)


async def all_profiles(conn: AsyncConnection) -> list[ProfileRow]:
    """Every profile with the member's display name, oldest first."""
    stmt = (
        select(*profiles.c, members.c.display_name)
        .select_from(profiles.outerjoin(members, members.c.user_id == profiles.c.user_id))
        .order_by(profiles.c.created_at, profiles.c.user_id)
    )
    return [ProfileRow(**row._mapping) for row in (await conn.execute(stmt)).all()]


async def latest_consent(conn: AsyncConnection, user_id: int) -> ConsentRow | None:
    """The member's most recent consent, or None."""
    row = (
        await conn.execute(
            select(profile_consents)
            .where(profile_consents.c.user_id == user_id)
            .order_by(profile_consents.c.accepted_at.desc(), profile_consents.c.id.desc())
            .limit(1)
        )
    ).first()
    return ConsentRow(**row._mapping) if row else None


async def latest_consents(conn: AsyncConnection) -> dict[int, ConsentRow]:
    """Each member's most recent consent, by member."""
    rows = (
        await conn.execute(
            select(profile_consents).order_by(profile_consents.c.accepted_at, profile_consents.c.id)
        )
    ).all()
    return {row.user_id: ConsentRow(**row._mapping) for row in rows}


async def add_consent(
    conn: AsyncConnection,
    *,
    user_id: int,
    version: str,
    locale: str,
    text: str,
    now: dt.datetime,
) -> None:
    """Record that the member accepted ``text`` (version ``version``) now."""
    await conn.execute(
        insert(profile_consents).values(
            user_id=user_id, version=version, locale=locale, text=text, accepted_at=now
        )
    )


# -- e-mail codes --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeRow:
    id: int
    user_id: int
    track: str
    email: str
    code_hash: str
    salt: str
    attempts: int
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


async def codes_since(conn: AsyncConnection, user_id: int, since: dt.datetime) -> int:
    """How many codes the member was sent since ``since``."""
    stmt = select(func.count()).where(
        eligibility_codes.c.user_id == user_id, eligibility_codes.c.created_at >= since
    )
    return int((await conn.execute(stmt)).scalar_one())


async def last_code_at(conn: AsyncConnection, user_id: int) -> dt.datetime | None:
    """When the member's newest code was made, or None."""
    stmt = select(func.max(eligibility_codes.c.created_at)).where(
        eligibility_codes.c.user_id == user_id
    )
    value = (await conn.execute(stmt)).scalar_one()
    return _aware(value)


def _aware(value: Any) -> dt.datetime | None:
    """A MAX() over a UTC column comes back without the column's type: make it aware UTC."""
    if value is None:
        return None
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def insert_code(
    conn: AsyncConnection,
    *,
    user_id: int,
    track: str,
    email: str,
    code_hash: str,
    salt: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> int:
    """Void the member's open codes and store a new one; returns its id."""
    await conn.execute(
        update(eligibility_codes)
        .where(eligibility_codes.c.user_id == user_id, eligibility_codes.c.used_at.is_(None))
        .values(used_at=now)
    )
    result = await conn.execute(
        insert(eligibility_codes)
        .values(
            user_id=user_id,
            track=track,
            email=email,
            code_hash=code_hash,
            salt=salt,
            attempts=0,
            created_at=now,
            expires_at=expires_at,
        )
        .returning(eligibility_codes.c.id)
    )
    return int(result.scalar_one())


async def open_code(conn: AsyncConnection, user_id: int) -> CodeRow | None:
    """The member's newest code not yet used, or None."""
    row = (
        await conn.execute(
            select(eligibility_codes)
            .where(eligibility_codes.c.user_id == user_id, eligibility_codes.c.used_at.is_(None))
            .order_by(eligibility_codes.c.id.desc())
            .limit(1)
        )
    ).first()
    return CodeRow(**row._mapping) if row else None


async def count_attempt(conn: AsyncConnection, code_id: int) -> None:
    """One more wrong attempt at the code."""
    await conn.execute(
        update(eligibility_codes)
        .where(eligibility_codes.c.id == code_id)
        .values(attempts=eligibility_codes.c.attempts + 1)
    )


async def close_code(conn: AsyncConnection, code_id: int, now: dt.datetime) -> None:
    """Mark the code used (confirmed, expired, or out of attempts)."""
    await conn.execute(
        update(eligibility_codes).where(eligibility_codes.c.id == code_id).values(used_at=now)
    )


# -- grants --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantRow:
    user_id: int
    track: str
    method: str
    email: str | None
    proof_id: int | None
    granted_at: dt.datetime


async def grant(
    conn: AsyncConnection,
    *,
    user_id: int,
    track: str,
    method: str,
    email: str | None,
    proof_id: int | None,
    now: dt.datetime,
) -> None:
    """Make the member eligible for the track (a second grant replaces the first)."""
    stmt = upsertable_insert(conn, eligibility_grants).values(
        user_id=user_id, track=track, method=method, email=email, proof_id=proof_id, granted_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[eligibility_grants.c.user_id, eligibility_grants.c.track],
        set_={
            "method": stmt.excluded.method,
            "email": stmt.excluded.email,
            "proof_id": stmt.excluded.proof_id,
            "granted_at": stmt.excluded.granted_at,
        },
    )
    await conn.execute(stmt)


async def grants_of(conn: AsyncConnection, user_id: int) -> list[GrantRow]:
    """The member's grants, by track."""
    rows = (
        await conn.execute(
            select(eligibility_grants)
            .where(eligibility_grants.c.user_id == user_id)
            .order_by(eligibility_grants.c.track)
        )
    ).all()
    return [GrantRow(**row._mapping) for row in rows]


async def all_grants(conn: AsyncConnection) -> list[GrantRow]:
    """Every grant."""
    rows = (await conn.execute(select(eligibility_grants))).all()
    return [GrantRow(**row._mapping) for row in rows]


async def eligible_among(conn: AsyncConnection, track: str, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` are eligible for ``track``."""
    ids = list(user_ids)
    if not ids:
        return set()
    stmt = select(eligibility_grants.c.user_id).where(
        and_(eligibility_grants.c.track == track, eligibility_grants.c.user_id.in_(ids))
    )
    return {int(row[0]) for row in (await conn.execute(stmt)).all()}


# -- proofs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProofRow:
    id: int
    user_id: int
    track: str
    filename: str
    url: str
    content_type: str | None
    size: int
    status: str
    reason: str | None
    submitted_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None


async def insert_proof(
    conn: AsyncConnection,
    *,
    user_id: int,
    track: str,
    filename: str,
    url: str,
    content_type: str | None,
    size: int,
    now: dt.datetime,
) -> int:
    """Queue a proof for approval; returns its id."""
    result = await conn.execute(
        insert(eligibility_proofs)
        .values(
            user_id=user_id,
            track=track,
            filename=filename,
            url=url,
            content_type=content_type,
            size=size,
            status="pending",
            submitted_at=now,
        )
        .returning(eligibility_proofs.c.id)
    )
    return int(result.scalar_one())


async def proof(conn: AsyncConnection, proof_id: int) -> ProofRow | None:
    """A proof by id, or None."""
    row = (
        await conn.execute(select(eligibility_proofs).where(eligibility_proofs.c.id == proof_id))
    ).first()
    return ProofRow(**row._mapping) if row else None


async def pending_proof(conn: AsyncConnection, user_id: int, track: str) -> ProofRow | None:
    """The member's proof for ``track`` still waiting for a decision, or None."""
    row = (
        await conn.execute(
            select(eligibility_proofs).where(
                eligibility_proofs.c.user_id == user_id,
                eligibility_proofs.c.track == track,
                eligibility_proofs.c.status == "pending",
            )
        )
    ).first()
    return ProofRow(**row._mapping) if row else None


async def pending_proofs(conn: AsyncConnection, limit: int) -> tuple[list[ProofRow], int]:
    """The oldest ``limit`` pending proofs, and how many are pending in all."""
    where = eligibility_proofs.c.status == "pending"
    rows = (
        await conn.execute(
            select(eligibility_proofs)
            .where(where)
            .order_by(eligibility_proofs.c.submitted_at, eligibility_proofs.c.id)
            .limit(limit)
        )
    ).all()
    total = (await conn.execute(select(func.count()).where(where))).scalar_one()
    return [ProofRow(**row._mapping) for row in rows], int(total)


async def decide_proof(
    conn: AsyncConnection,
    proof_id: int,
    *,
    status: str,
    reason: str | None,
    decided_by: int,
    now: dt.datetime,
) -> bool:
    """Approve or reject a pending proof; False when it was decided already."""
    result = await conn.execute(
        update(eligibility_proofs)
        .where(eligibility_proofs.c.id == proof_id, eligibility_proofs.c.status == "pending")
        .values(status=status, reason=reason, decided_by=decided_by, decided_at=now)
    )
    return bool(result.rowcount)
