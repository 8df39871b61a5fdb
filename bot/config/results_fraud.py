"""``[results.fraud]``: the thresholds of the fraud checks on store results (issue 17)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Final

from pydantic import Field

from bot.config.fields import _Duration, _Model


class FraudSection(_Model):
    """Thresholds of the fraud rules; a rule whose threshold is 0 (or empty) is off.

    ``season_start``: orders placed before this day (competition timezone) are flagged;
    when unset, the start of the first ``round`` phase of ``[calendar]`` is used, and with
    neither the rule is off.
    """

    buyer_orders: Annotated[int, Field(ge=0, le=10_000)] = 5
    """Orders of one buyer (hash) in the season from which they are all flagged."""
    buyer_teams: Annotated[int, Field(ge=0, le=1_000)] = 2
    """Teams one buyer (hash) ordered from, from which the buyer's orders are flagged."""
    burst_size: Annotated[int, Field(ge=0, le=10_000)] = 5
    """Orders of one team in a row, each within ``burst_gap`` of the one before."""
    burst_gap: _Duration = timedelta(seconds=30)
    same_amount_run: Annotated[int, Field(ge=0, le=10_000)] = 4
    """Orders of one team in a row (by time) with the very same amount and currency."""
    refund_rate: Annotated[float, Field(ge=0, le=1)] = 0.3
    """A team whose refunded or cancelled share of orders is above this is flagged."""
    refund_min_orders: Annotated[int, Field(ge=1, le=1_000_000)] = 20
    """Orders a team needs before its refund rate is judged."""
    tracking_reuse: bool = True
    """Flag orders sharing one tracking number (within or across teams)."""
    stalled_statuses: tuple[Annotated[str, Field(min_length=1, max_length=20)], ...] = ("created",)
    """Statuses that mean "never moved" (matched lower-cased); empty: the rule is off."""
    stalled_after: _Duration = timedelta(days=7)
    """How long an order may sit in a stalled status before it is flagged."""
    season_start: date | None = None


#: Fix texts of ``[results.fraud]``'s keys (``podium check-config`` shows them).
FRAUD_FIXES: Final[dict[str, str]] = {
    "results.fraud": "make [results.fraud] a table (see competition.example.toml).",
    "results.fraud.buyer_orders": "use a whole number of orders from 0 (off) to 10000 (e.g. 5).",
    "results.fraud.buyer_teams": "use a whole number of teams from 0 (off) to 1000 (e.g. 2).",
    "results.fraud.burst_size": "use a whole number of orders from 0 (off) to 10000 (e.g. 5).",
    "results.fraud.burst_gap": 'use a duration in quotes such as "30s" (units d, h, m, s).',
    "results.fraud.same_amount_run": "use a whole number of orders from 0 (off) to 10000 (e.g. 4).",
    "results.fraud.refund_rate": "use a share from 0 to 1 (e.g. 0.3 for 30%).",
    "results.fraud.refund_min_orders": "use a whole number of orders from 1 to 1000000 (e.g. 20).",
    "results.fraud.tracking_reuse": "use true or false.",
    "results.fraud.stalled_statuses": 'list order statuses, e.g. ["created"]; [] turns it off.',
    "results.fraud.stalled_after": 'use a duration in quotes such as "7d" (units d, h, m, s).',
    "results.fraud.season_start": "use a date such as 2027-01-11 (no quotes), or leave it out.",
}
