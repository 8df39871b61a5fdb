"""The metrics engine over stored data: every base and derived metric per team over a
period, and order metrics broken down by country, category or channel."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from bot.services.results.base import ResultsBase
from bot.services.results.metrics import derive, derive_in_place, minor_digits
from storage.queries import results_revisions as revisions_q
from storage.queries.results import daily as daily_q
from storage.queries.results import orders as orders_q
from storage.queries.results.orders import OrderTotals

_T = TypeVar("_T")

Breakdown = Literal["country", "category", "channel"]

#: The ``OrderTotals`` field behind each order metric.
ORDER_FIELDS = {"orders": "orders", "sales": "sales_base_minor", "buyers": "buyers"}


@dataclass(slots=True)
class ResultsMetrics(ResultsBase):
    """The metrics engine over stored orders and daily aggregates."""

    def _instants(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``[start, end]`` local days as UTC instants ``[from, until)``."""
        tz = self.timezone

        def midnight(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)

        return (
            midnight(start) if start is not None else None,
            midnight(end + dt.timedelta(days=1)) if end is not None else None,
        )

    def _order_picks(self) -> list[tuple[str, str, float]]:
        """Per order metric of the config: its key, the ``OrderTotals`` field behind it and
        the divisor to major units (the currency's minor digits for sales, the same
        division as ``minor_to_major``, bit for bit; 1 for counts)."""
        minor = float(10 ** minor_digits(self.config.base_currency))
        return [
            (m.key, ORDER_FIELDS[m.key], minor if m.key == "sales" else 1.0)
            for m in self.config.metrics
            if m.source == "orders"
        ]

    def _order_values(self, totals: OrderTotals | None) -> dict[str, float]:
        totals = totals or OrderTotals(0, 0, 0)
        return {
            key: float(getattr(totals, field)) / divisor
            for key, field, divisor in self._order_picks()
        }

    async def inputs_revision(self) -> str:
        """The season's input revision: every write of orders, daily values or an
        order's review moves it, in the same transaction (``storage.queries.
        results_revisions``)."""
        async with self.db.read() as conn:
            return f"r{await revisions_q.current(conn, self.season)}"

    async def changed_teams(self, *, since: str) -> frozenset[int] | None:
        """The teams whose inputs were written after the ``inputs_revision`` token
        ``since`` (None: any team may have changed)."""
        if not since.startswith("r") or not since[1:].isdigit():
            return None
        async with self.db.read() as conn:
            return await revisions_q.teams_changed_since(conn, self.season, int(since[1:]))

    async def team_metrics(
        self,
        *,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[int, dict[str, float | None]]:
        """Every base and derived metric per team over the local days ``[start, end]``
        (None: unbounded), in config order. Money is in the base currency's major units.

        Order metrics count orders whose review is ok or cleared and that were neither
        cancelled nor refunded; daily aggregates of the same key add to them (a team that
        imports totals instead of orders). Teams without data are included when named in
        ``team_ids``, with zeros. A derived metric dividing by zero is None.
        """
        config = self.config
        daily_sum = [m.key for m in config.metrics if m.aggregate == "sum"]
        daily_last = [
            m.key for m in config.metrics if m.aggregate == "last" and m.source == "daily"
        ]
        from_utc, until_utc = self._instants(start, end)
        buyers = any(m.key == "buyers" for m in config.metrics if m.source == "orders")

        async def read(query: Callable[..., Awaitable[_T]], **options: object) -> _T:
            async with self.db.read() as conn:
                return await query(conn, season=self.season, team_ids=team_ids, **options)

        # Three reads on three connections at once: the database works on them in its
        # own threads (SQLite) or server (PostgreSQL) side by side (for 10,000 teams a
        # week, ~280 ms one after the other).
        orders, sums, lasts = await asyncio.gather(
            read(orders_q.team_totals, start=from_utc, end=until_utc, buyers=buyers),
            read(daily_q.sums, metrics=daily_sum, start=start, end=end),
            read(daily_q.last_values, metrics=daily_last, start=start, end=end),
        )
        teams = set(team_ids) if team_ids is not None else set(orders) | set(sums) | set(lasts)
        # What ``_order_values`` gives, worked out once for all teams (10,000 a week).
        zeros: dict[str, float | None] = dict.fromkeys((m.key for m in config.metrics), 0.0)
        picks = self._order_picks()
        result: dict[int, dict[str, float | None]] = {}
        for team_id in sorted(teams):
            base = zeros.copy()
            totals = orders.get(team_id)
            if totals is not None:
                for key, field, divisor in picks:
                    base[key] = float(getattr(totals, field)) / divisor
            for key, value in sums.get(team_id, {}).items():
                base[key] = (base[key] or 0.0) + value
            for key, value in lasts.get(team_id, {}).items():
                base[key] = value
            result[team_id] = derive_in_place(base, config.derived)
        return result

    async def breakdown(
        self,
        *,
        by: Breakdown,
        team_ids: Sequence[int] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[int, dict[str, dict[str, float | None]]]:
        """Per team, per value of ``by`` (``""`` when the export left it empty), the
        order-based metrics over ``[start, end]`` and the derived metrics that need only
        them (the others, e.g. conversion needing visitors, are None: daily aggregates have
        no country, category or channel)."""
        from_utc, until_utc = self._instants(start, end)
        async with self.db.read() as conn:
            groups = await orders_q.group_totals(
                conn, season=self.season, by=by, team_ids=team_ids, start=from_utc, end=until_utc
            )
        order_keys = [m.key for m in self.config.metrics if m.source == "orders"]
        result: dict[int, dict[str, dict[str, float | None]]] = {}
        for team_id, per_group in sorted(groups.items()):
            result[team_id] = {}
            for group, totals in per_group.items():
                base: dict[str, float | None] = {m.key: None for m in self.config.metrics}
                values = self._order_values(totals)
                for key in order_keys:
                    base[key] = values[key]
                result[team_id][group or ""] = derive(base, self.config.derived)
        return result
