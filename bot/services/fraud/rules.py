"""The fraud rules on store orders as pure Python specifications (no I/O).

The scan runs each rule as set-based SQL (``storage/queries/results_fraud.py``); these
functions say the same rules over a list of orders, in plain code, so the tests can hold
both to one meaning. Each rule returns ``Finding``s whose ``evidence`` is exactly what the
SQL path produces for the same data (JSON-ready: text, integers, lists).

Orders "in a row" are one team's orders by (time, row id). Evidence holds no clock-moving
value (no "days since"), so a re-scan of unchanged data gives equal evidence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

#: Rule keys (stored in ``results_flags.rule``; the cogs and pages show localized names).
ORDER_ID_SHARED: Final = "order_id_shared"
BUYER_REPEAT: Final = "buyer_repeat"
BURST: Final = "burst"
SAME_AMOUNT: Final = "same_amount"
REFUND_RATE: Final = "refund_rate"
TRACKING_REUSED: Final = "tracking_reused"
TRACKING_STALLED: Final = "tracking_stalled"
BEFORE_START: Final = "before_start"

#: Rules judged per team (a scan after an import runs them for the import's teams only).
TEAM_RULES: Final = (BURST, SAME_AMOUNT, REFUND_RATE, TRACKING_STALLED, BEFORE_START)
#: Rules that compare teams (always run over the whole season).
SEASON_RULES: Final = (ORDER_ID_SHARED, BUYER_REPEAT, TRACKING_REUSED)
RULES: Final = SEASON_RULES + TEAM_RULES
#: Team-level rules: their flag names the team, not an order (no order's review changes).
TEAM_LEVEL: Final = frozenset({REFUND_RATE})

#: Statuses that mean the order was cancelled or refunded (besides ``refunded``).
CANCELLED_STATUSES: Final = ("cancelled", "canceled", "refunded")


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the rules read of one ``store_orders`` row (aware UTC ``ordered_at``)."""

    id: int
    team_id: int
    order_id: str
    ordered_at: dt.datetime
    amount_minor: int
    currency: str
    buyer_hash: str | None = None
    tracking_number: str | None = None
    status: str = "paid"
    refunded: bool = False


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The rules' thresholds, resolved (``[results.fraud]`` plus the season start)."""

    buyer_orders: int = 5
    buyer_teams: int = 2
    burst_size: int = 5
    burst_gap: dt.timedelta = dt.timedelta(seconds=30)
    same_amount_run: int = 4
    refund_rate: float = 0.3
    refund_min_orders: int = 20
    tracking_reuse: bool = True
    stalled_statuses: tuple[str, ...] = ("created",)
    stalled_after: dt.timedelta = dt.timedelta(days=7)
    season_start: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's finding on an order (``order_row_id``) or on a team (None)."""

    rule: str
    team_id: int
    order_row_id: int | None
    evidence: dict[str, Any] = field(hash=False, compare=True)

    @property
    def subject(self) -> str:
        """``order:<row id>`` or ``team:<team id>`` (unique per rule and season)."""
        if self.order_row_id is None:
            return f"team:{self.team_id}"
        return f"order:{self.order_row_id}"


def iso(moment: dt.datetime) -> str:
    """A UTC instant as evidence text, to the second (``2027-01-11T09:00:00Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cancelled(order: OrderFacts) -> bool:
    return order.refunded or order.status in CANCELLED_STATUSES


def _by_team(orders: Iterable[OrderFacts]) -> dict[int, list[OrderFacts]]:
    teams: dict[int, list[OrderFacts]] = defaultdict(list)
    for order in orders:
        teams[order.team_id].append(order)
    for rows in teams.values():
        rows.sort(key=lambda o: (o.ordered_at, o.id))
    return teams


def order_id_shared(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """The same store order id under two or more teams: every such order."""
    groups: dict[str, list[OrderFacts]] = defaultdict(list)
    for order in orders:
        groups[order.order_id].append(order)
    found = []
    for order_id, rows in groups.items():
        team_ids = sorted({o.team_id for o in rows})
        if len(team_ids) >= 2:
            evidence = {"order_id": order_id, "teams": team_ids}
            found += [Finding(ORDER_ID_SHARED, o.team_id, o.id, evidence) for o in rows]
    return found


def buyer_repeat(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """One buyer hash behind at least ``buyer_orders`` orders or ``buyer_teams`` teams."""
    groups: dict[str, list[OrderFacts]] = defaultdict(list)
    for order in orders:
        if order.buyer_hash:
            groups[order.buyer_hash].append(order)
    found = []
    for buyer, rows in groups.items():
        teams = len({o.team_id for o in rows})
        if (t.buyer_orders and len(rows) >= t.buyer_orders) or (
            t.buyer_teams and teams >= t.buyer_teams
        ):
            evidence = {"buyer": buyer[:12], "orders": len(rows), "teams": teams}
            found += [Finding(BUYER_REPEAT, o.team_id, o.id, evidence) for o in rows]
    return found


def _runs(
    orders: Sequence[OrderFacts], joins: Callable[[OrderFacts, OrderFacts], bool]
) -> list[list[OrderFacts]]:
    runs: list[list[OrderFacts]] = []
    for order in orders:
        if runs and joins(runs[-1][-1], order):
            runs[-1].append(order)
        else:
            runs.append([order])
    return runs


def burst(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """At least ``burst_size`` orders of one team in a row, each at most ``burst_gap``
    after the one before: every order of the run."""
    if not t.burst_size:
        return []
    found = []
    for rows in _by_team(orders).values():
        for run in _runs(rows, lambda a, b: b.ordered_at - a.ordered_at <= t.burst_gap):
            if len(run) >= t.burst_size:
                evidence = {
                    "run": len(run),
                    "first": iso(run[0].ordered_at),
                    "last": iso(run[-1].ordered_at),
                }
                found += [Finding(BURST, o.team_id, o.id, evidence) for o in run]
    return found


def same_amount(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """At least ``same_amount_run`` orders of one team in a row with the very same amount
    and currency: every order of the run."""
    if not t.same_amount_run:
        return []
    found = []
    for rows in _by_team(orders).values():
        same = _runs(
            rows, lambda a, b: (a.amount_minor, a.currency) == (b.amount_minor, b.currency)
        )
        for run in same:
            if len(run) >= t.same_amount_run:
                evidence = {
                    "run": len(run),
                    "amount_minor": run[0].amount_minor,
                    "currency": run[0].currency,
                    "first": iso(run[0].ordered_at),
                }
                found += [Finding(SAME_AMOUNT, o.team_id, o.id, evidence) for o in run]
    return found


def refund_rate(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """A team with at least ``refund_min_orders`` orders whose refunded or cancelled share
    is above ``refund_rate``: one team flag."""
    found = []
    for team_id, rows in sorted(_by_team(orders).items()):
        refunded = sum(1 for o in rows if _cancelled(o))
        if len(rows) >= t.refund_min_orders and refunded > t.refund_rate * len(rows):
            evidence = {"orders": len(rows), "refunded": refunded}
            found.append(Finding(REFUND_RATE, team_id, None, evidence))
    return found


def tracking_reused(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """One tracking number on two or more orders (any teams): every such order."""
    if not t.tracking_reuse:
        return []
    groups: dict[str, list[OrderFacts]] = defaultdict(list)
    for order in orders:
        if order.tracking_number:
            groups[order.tracking_number].append(order)
    found = []
    for number, rows in groups.items():
        if len(rows) >= 2:
            evidence = {
                "tracking": number,
                "orders": len(rows),
                "teams": sorted({o.team_id for o in rows}),
            }
            found += [Finding(TRACKING_REUSED, o.team_id, o.id, evidence) for o in rows]
    return found


def tracking_stalled(
    orders: Sequence[OrderFacts], t: Thresholds, now: dt.datetime
) -> list[Finding]:
    """An order (not refunded) still in a stalled status ``stalled_after`` after it was
    placed: the parcel never moved."""
    cutoff = now - t.stalled_after
    return [
        Finding(
            TRACKING_STALLED, o.team_id, o.id, {"status": o.status, "ordered_at": iso(o.ordered_at)}
        )
        for o in orders
        if o.status in t.stalled_statuses and not o.refunded and o.ordered_at <= cutoff
    ]


def before_start(orders: Sequence[OrderFacts], t: Thresholds) -> list[Finding]:
    """An order placed before the season started."""
    start = t.season_start
    if start is None:
        return []
    return [
        Finding(
            BEFORE_START,
            o.team_id,
            o.id,
            {"ordered_at": iso(o.ordered_at), "season_start": iso(start)},
        )
        for o in orders
        if o.ordered_at < start
    ]


def spec(orders: Sequence[OrderFacts], t: Thresholds, now: dt.datetime) -> list[Finding]:
    """Every rule's findings over ``orders`` (one season), in ``RULES`` order."""
    return [
        *order_id_shared(orders, t),
        *buyer_repeat(orders, t),
        *tracking_reused(orders, t),
        *burst(orders, t),
        *same_amount(orders, t),
        *refund_rate(orders, t),
        *tracking_stalled(orders, t, now),
        *before_start(orders, t),
    ]
