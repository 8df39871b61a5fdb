"""Privacy seed: Alice reported her team's stage, and a change she decided as an organizer
is in its history (issue 17 progress milestones)."""

from __future__ import annotations

from sqlalchemy import insert

from bot.services.progress import Evidence
from bot.services.registry import Services
from storage.schema import progress_events
from tests.privacy_seeds.context import ALICE, SeedContext


async def seed_progress(services: Services, ctx: SeedContext) -> None:
    """A stage Alice reported with a link, and a change she decided (no audit entry, so
    the seed's audit log stays as the other tests expect)."""
    await services.progress.report(
        user_id=ALICE,
        stage="product_selected",
        evidence=Evidence(link="https://example.com/alice-product"),
    )
    async with services.db.write() as conn:
        await conn.execute(
            insert(progress_events).values(
                season=ctx.team.season,
                team_id=ctx.team.id,
                stage="store_live",
                previous_stage="product_selected",
                previous_since=ctx.now,
                source="organizer",
                decided_by=ALICE,
                created_at=ctx.now,
            )
        )
