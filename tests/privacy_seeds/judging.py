"""Privacy seed: a judge, a round, an assignment and a score sheet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from bot.services.registry import Services
from storage.schema import judges, judging_assignments, judging_rounds, judging_score_sheets
from tests.privacy_seeds.context import ALICE, ALICE_NAME, SeedContext


async def seed_judging(services: Services, ctx: SeedContext) -> None:
    """Alice judges Carol's entry in a round she created: her judge record, assignment
    and score sheet (issue 16)."""
    now, contest, entry = ctx.now, ctx.contest, ctx.entry
    async with services.db.write() as conn:
        judge = (
            await conn.execute(
                insert(judges)
                .values(
                    season="2026",
                    user_id=ALICE,
                    name=ALICE_NAME,
                    email="alice@example.com",
                    tags=["retail"],
                    conflict_team_ids=[],
                    active=True,
                    created_by=ALICE,
                    created_at=now,
                    updated_at=now,
                )
                .returning(judges.c.id)
            )
        ).scalar_one()
        round_id = (
            await conn.execute(
                insert(judging_rounds)
                .values(
                    contest_id=contest,
                    name="Final",
                    ordinal=1,
                    rubric={"criteria": [], "scale_min": 1, "scale_max": 10},
                    entry_source="all",
                    judges_per_entry=1,
                    deadline=now + dt.timedelta(days=3),
                    judge_weight=1.0,
                    community_weight=0.0,
                    normalize=False,
                    live=False,
                    status="open",
                    seed=1,
                    created_by=ALICE,
                    created_at=now,
                )
                .returning(judging_rounds.c.id)
            )
        ).scalar_one()
        assignment = (
            await conn.execute(
                insert(judging_assignments)
                .values(
                    round_id=round_id,
                    submission_id=entry,
                    judge_id=judge,
                    judge_user_id=ALICE,
                    status="submitted",
                    created_at=now,
                    updated_at=now,
                )
                .returning(judging_assignments.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(judging_score_sheets).values(
                assignment_id=assignment,
                judge_user_id=ALICE,
                scores={"feasibility": 7},
                comment="Solid plan",
                submitted_at=now,
                updated_at=now,
            )
        )
