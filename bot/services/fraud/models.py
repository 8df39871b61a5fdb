"""What the fraud service returns: scan totals, queue pages, decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

#: Flag statuses (``results_flags.status``).
OPEN: Final = "open"
CLEARED: Final = "cleared"
CONFIRMED: Final = "confirmed"
WITHDRAWN: Final = "withdrawn"
#: What an organizer may decide.
DECISIONS: Final = (CLEARED, CONFIRMED)


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One scan's effect: flags raised, reopened by new evidence, withdrawn because their
    rule no longer matches, and the season's open flags afterwards."""

    new: int
    reopened: int
    withdrawn: int
    open_total: int


@dataclass(frozen=True, slots=True)
class Flag:
    """A flag as the queue shows it."""

    id: int
    rule: str
    team_id: int
    team_name: str
    order_id: str | None
    evidence: dict[str, Any]
    status: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FlagPage:
    """One page (1-based) of the queue, and the filters that made it."""

    flags: list[Flag]
    page: int
    pages: int
    total: int
    rule: str | None
    team_id: int | None


@dataclass(frozen=True, slots=True)
class Decision:
    """An organizer's decision on ``count`` flags (their ids, at most the first 50)."""

    decision: str
    count: int
    flag_ids: list[int]
