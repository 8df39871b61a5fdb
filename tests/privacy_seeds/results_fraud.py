"""Privacy seed: a fraud flag on Alice's team that Alice decided (issue 17)."""

from __future__ import annotations

from sqlalchemy import insert

from bot.services.registry import Services
from storage.schema import results_flags
from tests.privacy_seeds.context import ALICE, SeedContext


async def seed_results_fraud(services: Services, ctx: SeedContext) -> None:
    """A refund-rate flag on Alice's team, cleared by Alice."""
    async with services.db.write() as conn:
        await conn.execute(
            insert(results_flags).values(
                season=ctx.team.season,
                rule="refund_rate",
                subject=f"team:{ctx.team.id}",
                team_id=ctx.team.id,
                order_row_id=None,
                evidence={"orders": 20, "refunded": 7},
                status="cleared",
                created_at=ctx.now,
                updated_at=ctx.now,
                decided_by=ALICE,
                decided_at=ctx.now,
            )
        )
