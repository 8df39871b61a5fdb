"""Store orders for the fraud tests: rows inserted straight into ``store_orders`` (as an
applied import leaves them) and read back as the rules' ``OrderFacts``."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import insert, select

from bot.services.fraud.rules import OrderFacts
from storage.engine import Database
from storage.schema import results_flags, store_orders

#: A time inside the example season (round 1 runs from 2027-01-11 01:00 UTC).
B = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
#: The clock of the fraud tests: nine days after ``B``.
NOW = dt.datetime(2027, 2, 10, tzinfo=dt.UTC)
_serial = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Ord:
    """An order to insert: the team's index in the test's teams and what differs from an
    unremarkable order (an hour after the one before, its own amount, buyer, parcel)."""

    team: int = 0
    at: dt.datetime | None = None
    order_id: str | None = None
    amount: int | None = None
    currency: str = "USD"
    buyer: str | None = None
    tracking: str | None = None
    status: str = "paid"
    refunded: bool = False


def hourly(n: int, team: int = 0, **changes: Any) -> list[Ord]:
    """``n`` unremarkable orders of one team an hour apart."""
    return [replace(Ord(team=team, at=B + dt.timedelta(hours=i)), **changes) for i in range(n)]


async def add_orders(
    db: Database, team_ids: list[int], orders: list[Ord], *, season: str = "2026"
) -> list[OrderFacts]:
    """Insert the orders; returns them as the rules read them (with their row ids)."""
    facts = []
    async with db.write() as conn:
        for order in orders:
            n = next(_serial)
            values: dict[str, Any] = {
                "season": season,
                "team_id": team_ids[order.team],
                "order_id": order.order_id or f"ORD-{n}",
                "ordered_at": order.at or B + dt.timedelta(hours=n),
                "amount_minor": order.amount if order.amount is not None else 1000 + 7 * n,
                "currency": order.currency,
                "amount_base_minor": order.amount if order.amount is not None else 1000 + 7 * n,
                "buyer_hash": order.buyer or f"buyer-{n:08d}",
                "tracking_number": order.tracking or f"TRK{n:09d}",
                "status": order.status,
                "refunded": order.refunded,
                "created_at": NOW,
                "updated_at": NOW,
            }
            row_id = (
                await conn.execute(
                    insert(store_orders).values(**values).returning(store_orders.c.id)
                )
            ).scalar_one()
            facts.append(
                OrderFacts(
                    id=row_id,
                    team_id=values["team_id"],
                    order_id=values["order_id"],
                    ordered_at=values["ordered_at"],
                    amount_minor=values["amount_minor"],
                    currency=values["currency"],
                    buyer_hash=values["buyer_hash"],
                    tracking_number=values["tracking_number"],
                    status=values["status"],
                    refunded=values["refunded"],
                )
            )
    return facts


async def flags(db: Database) -> list[dict[str, Any]]:
    """Every flag row, oldest first."""
    async with db.read() as conn:
        rows = await conn.execute(select(results_flags).order_by(results_flags.c.id))
        return [dict(r) for r in rows.mappings()]


async def reviews(db: Database) -> dict[int, str]:
    """Each order row's review."""
    async with db.read() as conn:
        rows = await conn.execute(select(store_orders.c.id, store_orders.c.review))
        return {row_id: review for row_id, review in rows}
