"""Privacy seed: a store-results import Alice made for her team (issue 17)."""

from __future__ import annotations

from sqlalchemy import insert

from bot.services.registry import Services
from storage.schema import results_imports
from tests.privacy_seeds.context import ALICE, SeedContext


async def seed_results(services: Services, ctx: SeedContext) -> None:
    """An applied import of Alice's team's store export, made by Alice."""
    async with services.db.write() as conn:
        await conn.execute(
            insert(results_imports).values(
                season=ctx.team.season,
                kind="orders",
                platform="generic",
                team_id=ctx.team.id,
                filename="orders.csv",
                sha256="0" * 64,
                status="applied",
                refused=[],
                created_by=ALICE,
                created_at=ctx.now,
                applied_at=ctx.now,
            )
        )
