"""Queries on store results: imports, order rows and per-day aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement

#: Up to this many team ids are bound into an aggregate query (``team_id IN (...)``).
#: Above it (the weekly scoring asks for every team of the season) the query reads the
#: period's rows of the whole season and keeps the named teams in Python: compiling and
#: binding 10,000 ids cost more than the other teams' rows of the period.
BOUND_TEAMS: Final = 500


@dataclass(frozen=True, slots=True)
class TeamFilter:
    """How an aggregate query keeps the named teams: SQL conditions to add, and the ids
    to keep from its rows (None: every row is wanted)."""

    conditions: tuple[ColumnElement[bool], ...]
    keep: frozenset[int] | None

    def wants(self, team_id: int) -> bool:
        """Whether a row of ``team_id`` belongs to the answer."""
        return self.keep is None or team_id in self.keep


def team_filter(column: Any, team_ids: Sequence[int] | None) -> TeamFilter:
    """The teams of ``team_ids`` (None: all) as an ``IN`` condition on ``column`` when
    they are few, else as ids kept from the rows (see ``BOUND_TEAMS``)."""
    if team_ids is None:
        return TeamFilter((), None)
    ids = frozenset(team_ids)
    if len(ids) <= BOUND_TEAMS:
        return TeamFilter((column.in_(sorted(ids)),), None)
    return TeamFilter((), ids)
