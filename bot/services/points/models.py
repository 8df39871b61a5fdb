"""What the points services return: ledger entries, boards, team points, imports, closes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.calendar import Week
from storage.queries.points.seasons import AlumnusRow


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger entry (points are integers; ``at`` is aware UTC)."""

    id: int
    team_id: int
    team_name: str
    user_id: int | None
    amount: int
    reason: str
    source: str
    reference: str | None
    reverses_id: int | None
    week_key: str
    actor_id: int | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """A team's place on a board: ``rank`` by standard competition ranking (1, 2, 2, 4)."""

    rank: int
    team_id: int
    name: str
    points: int
    reached_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Board:
    """A week's (or, with ``week`` None, the season's final) board of one track."""

    season: str
    week_key: str
    week: Week | None
    track: str
    cohort: str | None
    rows: tuple[Standing, ...]
    mine: Standing | None
    my_team: str | None


@dataclass(frozen=True, slots=True)
class TeamPoints:
    """What ``/points show`` shows: this week, the season, the newest entries."""

    team_id: int
    name: str
    track: str
    week: Week
    week_points: int
    week_rank: int | None
    season_points: int
    recent: tuple[LedgerEntry, ...]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one CSV line cannot be imported: ``message`` is a msgid with ``params``."""

    line: int
    message: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """A checked file: what confirming it would add, and which lines were refused."""

    id: int
    file_name: str
    file_hash: str
    status: str
    rows: int
    total: int
    teams: int
    skipped: int
    problems: tuple[RowProblem, ...]
    already_imported: int | None
    entries: int


@dataclass(frozen=True, slots=True)
class SeasonClose:
    """The close of a season: final boards per track and the alumni to give the role to."""

    season: str
    closed_at: dt.datetime
    newly_closed: bool
    boards: tuple[Board, ...]
    alumni: tuple[AlumnusRow, ...]


@dataclass(frozen=True, slots=True)
class AutoCredit:
    """One automatic credit of ``LedgerService.credit_many``: idempotent by ``reference``."""

    team_id: int
    amount: int
    reason: str
    reference: str
