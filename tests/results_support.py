"""Test helpers for results scoring: a metrics engine whose numbers a test sets, and the
scoring service built on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, update

from bot.services.registry import Services
from bot.services.results.scoring_base import Dimension, TeamMetrics
from bot.services.results.scoring_service import ResultsScoringService
from storage.engine import Database
from storage.queries import results_revisions as revisions_q
from storage.schema import store_daily, store_orders


class SetMetrics:
    """The metrics engine's interface over numbers the test sets (``weeks`` by first day;
    ``season`` for the whole season); records the spans it was asked for."""

    def __init__(self) -> None:
        self.weeks: dict[dt.date, TeamMetrics] = {}
        self.season: TeamMetrics = {}
        self.groups: dict[int, dict[str, dict[str, float | None]]] = {}
        self.asked: list[tuple[dt.date | None, dt.date | None]] = []

    async def team_metrics(
        self,
        *,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> TeamMetrics:
        self.asked.append((start, end))
        source = self.season if start is None else self.weeks.get(start, {})
        ids = source.keys() if team_ids is None else team_ids
        return {team_id: dict(source.get(team_id, {})) for team_id in ids}

    async def inputs_revision(self) -> str:
        # Tests change the numbers in place: the token is their content.
        return repr((sorted(self.weeks.items()), sorted(self.season.items())))

    async def changed_teams(self, *, since: str) -> frozenset[int] | None:
        return None  # the numbers change in place: any team may have changed

    async def breakdown(
        self,
        *,
        by: Dimension,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[int, dict[str, dict[str, float | None]]]:
        ids = self.groups.keys() if team_ids is None else team_ids
        return {team_id: self.groups.get(team_id, {}) for team_id in ids}


def scoring_service(services: Services, metrics: SetMetrics) -> ResultsScoringService:
    """The scoring service of ``services``' database and clock, reading ``metrics``."""
    return ResultsScoringService(
        services.db,
        services.clock,
        services.competition,
        metrics,
        services.audit,
        services.points,
    )


async def add_orders(
    db: Database,
    team_id: int,
    at: dt.datetime,
    *amounts_minor: int,
    season: str = "2026",
    prefix: str = "o",
    **fields: Any,
) -> list[str]:
    """Store orders of a team in the base currency (USD minor units), as an applied import
    leaves them; ``fields`` (country, category, channel, review, …) apply to each. Returns
    their order ids."""
    ids = [f"{prefix}{team_id}-{index}" for index in range(len(amounts_minor))]
    async with db.write() as conn:
        await conn.execute(
            insert(store_orders),
            [
                {
                    "season": season,
                    "team_id": team_id,
                    "order_id": order_id,
                    "ordered_at": at,
                    "amount_minor": amount,
                    "currency": "USD",
                    "amount_base_minor": amount,
                    "status": "paid",
                    "refunded": False,
                    "review": "ok",
                    "created_at": at,
                    "updated_at": at,
                    **fields,
                }
                for order_id, amount in zip(ids, amounts_minor, strict=True)
            ],
        )
        await revisions_q.bump(conn, season, [team_id])  # as every write of inputs does
    return ids


async def add_daily(
    db: Database, team_id: int, day: dt.date, *, season: str = "2026", **metrics: float
) -> None:
    """Store a team's per-day aggregates (visitors, ad_spend, …) for ``day``."""
    now = dt.datetime.combine(day, dt.time(12), dt.UTC)
    async with db.write() as conn:
        await conn.execute(
            insert(store_daily),
            [
                {
                    "season": season,
                    "team_id": team_id,
                    "day": day,
                    "metric": key,
                    "value": value,
                    "updated_at": now,
                }
                for key, value in metrics.items()
            ],
        )
        await revisions_q.bump(conn, season, [team_id])


async def set_review(db: Database, team_id: int, order_id: str, review: str) -> None:
    """An organizer's fraud decision on one order, as the fraud checks record it."""
    async with db.write() as conn:
        await conn.execute(
            update(store_orders)
            .where(store_orders.c.team_id == team_id, store_orders.c.order_id == order_id)
            .values(review=review)
        )
        await revisions_q.bump(conn, "2026", [team_id])
