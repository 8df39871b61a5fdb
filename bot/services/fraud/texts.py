"""What a flag says to organizers: each rule's name and its reason sentence filled from the
flag's evidence (message ids marked ``N_``; the cog and the dashboard translate them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.i18n import N_
from bot.services.fraud import rules as R

RULE_NAMES: dict[str, str] = {
    R.ORDER_ID_SHARED: N_("Same order id under two teams"),
    R.BUYER_REPEAT: N_("One buyer, many orders or teams"),
    R.BURST: N_("Burst of orders seconds apart"),
    R.SAME_AMOUNT: N_("Identical amounts in a row"),
    R.REFUND_RATE: N_("Refund or cancel rate"),
    R.TRACKING_REUSED: N_("Tracking number reused"),
    R.TRACKING_STALLED: N_("Parcel never moved"),
    R.BEFORE_START: N_("Order before the season start"),
}

_REASONS: dict[str, str] = {
    R.ORDER_ID_SHARED: N_("Order id {order_id} is listed by {count} teams."),
    R.BUYER_REPEAT: N_("One buyer ({buyer}…) placed {orders} orders with {teams} teams."),
    R.BURST: N_("{run} orders in a row, each within seconds of the one before, {first} to {last}."),
    R.SAME_AMOUNT: N_("{run} orders in a row of exactly {amount} {currency}, from {first}."),
    R.REFUND_RATE: N_("{refunded} of {orders} orders refunded or cancelled ({rate}%)."),
    R.TRACKING_REUSED: N_("Tracking number {tracking} is on {orders} orders of {teams} teams."),
    R.TRACKING_STALLED: N_("Still “{status}” since {when}: the parcel never moved."),
    R.BEFORE_START: N_("Placed {when}, before the season started ({start})."),
}


def _when(text: Any) -> str:
    try:
        moment = dt.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return str(text)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def reason(rule: str, evidence: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The reason's message id and its parameters, from a flag's evidence."""
    e = evidence
    params: dict[str, Any]
    if rule == R.ORDER_ID_SHARED:
        params = {"order_id": e.get("order_id", ""), "count": len(e.get("teams", []))}
    elif rule == R.BUYER_REPEAT:
        params = {"buyer": e.get("buyer", ""), "orders": e.get("orders"), "teams": e.get("teams")}
    elif rule == R.BURST:
        params = {"run": e.get("run"), "first": _when(e.get("first")), "last": _when(e.get("last"))}
    elif rule == R.SAME_AMOUNT:
        amount = int(e.get("amount_minor", 0))
        params = {
            "run": e.get("run"),
            "amount": f"{amount / 100:.2f}",
            "currency": e.get("currency", ""),
            "first": _when(e.get("first")),
        }
    elif rule == R.REFUND_RATE:
        orders, refunded = int(e.get("orders", 0)), int(e.get("refunded", 0))
        rate = round(100 * refunded / orders) if orders else 0
        params = {"refunded": refunded, "orders": orders, "rate": rate}
    elif rule == R.TRACKING_REUSED:
        params = {
            "tracking": e.get("tracking", ""),
            "orders": e.get("orders"),
            "teams": len(e.get("teams", [])),
        }
    elif rule == R.TRACKING_STALLED:
        params = {"status": e.get("status", ""), "when": _when(e.get("ordered_at"))}
    else:
        params = {"when": _when(e.get("ordered_at")), "start": _when(e.get("season_start"))}
    return _REASONS.get(rule, _REASONS[R.BEFORE_START]), params
