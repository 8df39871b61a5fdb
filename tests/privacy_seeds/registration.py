"""Privacy seed: registration profiles, consents and eligibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert

from bot.services.registry import Services
from storage.schema import (
    eligibility_codes,
    eligibility_grants,
    eligibility_proofs,
    profile_consents,
    profiles,
)
from tests.privacy_seeds.context import ALICE, BOB, SeedContext


async def seed_registration(services: Services, ctx: SeedContext) -> None:
    """Alice's profile, consent, e-mail code, proof and grant; Bob's proof she decided."""
    now = ctx.now
    async with services.db.write() as conn:
        await _rows(conn, now)


async def _rows(conn: Any, now: dt.datetime) -> None:
    await conn.execute(
        insert(profiles).values(
            user_id=ALICE, answers={"full_name": "Alice A"}, created_at=now, updated_at=now
        )
    )
    await conn.execute(
        insert(profile_consents).values(
            user_id=ALICE, version="1", locale="en", text="I agree", accepted_at=now
        )
    )
    await conn.execute(
        insert(eligibility_codes).values(
            user_id=ALICE,
            track="student",
            email="alice@uni.edu",
            code_hash="h" * 64,
            salt="s" * 32,
            attempts=0,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=15),
        )
    )
    for user_id, decided_by in ((ALICE, None), (BOB, ALICE)):
        await conn.execute(
            insert(eligibility_proofs).values(
                user_id=user_id,
                track="student",
                filename="card.png",
                url="https://cdn.example/card.png",
                content_type="image/png",
                size=10,
                status="pending" if decided_by is None else "approved",
                submitted_at=now,
                decided_by=decided_by,
                decided_at=now if decided_by else None,
            )
        )
    await conn.execute(
        insert(eligibility_grants).values(
            user_id=ALICE, track="student", method="email", email="alice@uni.edu", granted_at=now
        )
    )
