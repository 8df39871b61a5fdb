"""Queries of the fraud checks on store orders: the rules' set-based reads and the
``results_flags`` rows (no rules decided here: thresholds come in as parameters)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dialect import upsertable_insert
from storage.queries import results_revisions as revisions_q
from storage.schema import results_flags, store_orders, teams

#: Ids per ``IN`` list when writing many rows.
_CHUNK = 1000
o = store_orders
f = results_flags


@dataclass(frozen=True, slots=True)
class OrderHit:
    """An order a rule matched: its row id, team and the rule's grouping key."""

    id: int
    team_id: int
    key: str
    ordered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RunHit:
    """An order in a run (burst or same amount): its run's size, first and last times."""

    id: int
    team_id: int
    size: int
    first: dt.datetime
    last: dt.datetime
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class FlagRow:
    id: int
    season: str
    rule: str
    subject: str
    team_id: int
    order_row_id: int | None
    evidence: dict[str, Any]
    status: str
    created_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FlagListed:
    """A flag as the queue lists it: with its team's name and the store's order id."""

    flag: FlagRow
    team_name: str
    order_id: str | None


def _flag(row: Any) -> FlagRow:
    return FlagRow(**{name: row[name] for name in FlagRow.__slots__})


def _teams(query: Select[Any], team_ids: Collection[int] | None) -> Select[Any]:
    return query if team_ids is None else query.where(o.c.team_id.in_(list(team_ids)))


def _seconds_after(conn: AsyncConnection, later: Any, earlier: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def cancelled(statuses: Sequence[str]) -> ColumnElement[bool]:
    """An order refunded or in one of ``statuses`` (cancelled, …)."""
    return or_(o.c.refunded == true(), o.c.status.in_(list(statuses)))


# -- rules: season-wide groups ------------------------------------------------------------
async def shared_order_ids(conn: AsyncConnection, season: str) -> list[OrderHit]:
    """Orders whose store order id appears under two or more teams of the season."""
    shared = (
        select(o.c.order_id)
        .where(o.c.season == season)
        .group_by(o.c.order_id)
        .having(func.count(func.distinct(o.c.team_id)) >= 2)
    )
    return await _hits(conn, season, o.c.order_id, shared)


async def repeated_buyers(
    conn: AsyncConnection, season: str, *, min_orders: int, min_teams: int
) -> list[OrderHit]:
    """Orders of buyers (hash) with at least ``min_orders`` orders or ``min_teams`` teams
    (0 turns that half off)."""
    wanted = [
        func.count() >= min_orders if min_orders else false(),
        func.count(func.distinct(o.c.team_id)) >= min_teams if min_teams else false(),
    ]
    buyers = (
        select(o.c.buyer_hash)
        .where(o.c.season == season, o.c.buyer_hash.is_not(None), o.c.buyer_hash != "")
        .group_by(o.c.buyer_hash)
        .having(or_(*wanted))
    )
    return await _hits(conn, season, o.c.buyer_hash, buyers)


async def reused_tracking(conn: AsyncConnection, season: str) -> list[OrderHit]:
    """Orders whose tracking number is on two or more orders of the season."""
    numbers = (
        select(o.c.tracking_number)
        .where(o.c.season == season, o.c.tracking_number.is_not(None), o.c.tracking_number != "")
        .group_by(o.c.tracking_number)
        .having(func.count() >= 2)
    )
    return await _hits(conn, season, o.c.tracking_number, numbers)


async def _hits(
    conn: AsyncConnection, season: str, column: Any, keys: Select[Any]
) -> list[OrderHit]:
    query = select(o.c.id, o.c.team_id, column.label("key"), o.c.ordered_at).where(
        o.c.season == season, column.in_(keys)
    )
    rows = (await conn.execute(query)).all()
    return [OrderHit(r.id, r.team_id, r.key, r.ordered_at) for r in rows]


# -- rules: per team ----------------------------------------------------------------------
async def runs(
    conn: AsyncConnection,
    season: str,
    team_ids: Collection[int] | None,
    *,
    burst_size: int,
    gap_seconds: float,
    same_size: int,
) -> tuple[list[RunHit], list[RunHit]]:
    """Orders in runs of one team's orders in a row (by time, then row id): bursts of at
    least ``burst_size`` orders each within ``gap_seconds`` of the one before, and runs of
    at least ``same_size`` orders with the same amount and currency (0: not wanted).

    One windowed pass over the season's orders keeps the candidates (an order close in
    time to, or of the same amount as, its neighbour); runs are numbered and sized over
    those few rows only. An order that is no candidate never sits inside a run, so it only
    starts and ends a run of its own, which the size filter drops."""
    order = (o.c.ordered_at, o.c.id)
    lagged = _teams(
        select(
            o.c.id,
            o.c.team_id,
            o.c.ordered_at,
            o.c.amount_minor,
            o.c.currency,
            func.lag(o.c.ordered_at).over(partition_by=o.c.team_id, order_by=order).label("p_at"),
            func.lead(o.c.ordered_at).over(partition_by=o.c.team_id, order_by=order).label("n_at"),
            func.lag(o.c.amount_minor)
            .over(partition_by=o.c.team_id, order_by=order)
            .label("p_amount"),
            func.lead(o.c.amount_minor)
            .over(partition_by=o.c.team_id, order_by=order)
            .label("n_amount"),
            func.lag(o.c.currency).over(partition_by=o.c.team_id, order_by=order).label("p_cur"),
            func.lead(o.c.currency).over(partition_by=o.c.team_id, order_by=order).label("n_cur"),
        ).where(o.c.season == season),
        team_ids,
    ).subquery("lagged")
    lg = lagged.c
    quick_prev = _seconds_after(conn, lg.ordered_at, lg.p_at) <= gap_seconds
    quick_next = _seconds_after(conn, lg.n_at, lg.ordered_at) <= gap_seconds
    same_prev = and_(lg.amount_minor == lg.p_amount, lg.currency == lg.p_cur)
    same_next = and_(lg.amount_minor == lg.n_amount, lg.currency == lg.n_cur)
    by_time = (lg.ordered_at, lg.id)
    candidates = (
        select(
            lg.id,
            lg.team_id,
            lg.ordered_at,
            lg.amount_minor,
            lg.currency,
            case((or_(quick_prev, quick_next), 1), else_=0).label("in_burst"),
            case((or_(same_prev, same_next), 1), else_=0).label("in_same"),
            func.sum(case((quick_prev, 0), else_=1))
            .over(partition_by=lg.team_id, order_by=by_time, rows=(None, 0))
            .label("burst_run"),
            func.sum(case((same_prev, 0), else_=1))
            .over(partition_by=lg.team_id, order_by=by_time, rows=(None, 0))
            .label("same_run"),
        )
        .where(or_(quick_prev, quick_next, same_prev, same_next))
        .subquery("candidates")
    )
    cd = candidates.c
    burst_of = (cd.team_id, cd.burst_run)
    same_of = (cd.team_id, cd.same_run)
    sized = select(
        cd.id,
        cd.team_id,
        cd.amount_minor,
        cd.currency,
        cd.in_burst,
        cd.in_same,
        func.count().over(partition_by=burst_of).label("burst_size"),
        func.min(cd.ordered_at).over(partition_by=burst_of).label("burst_first"),
        func.max(cd.ordered_at).over(partition_by=burst_of).label("burst_last"),
        func.count().over(partition_by=same_of).label("same_size"),
        func.min(cd.ordered_at).over(partition_by=same_of).label("same_first"),
    ).subquery("sized")
    sz = sized.c
    never = 1 << 40
    query = select(sized).where(
        or_(
            and_(sz.in_burst == 1, sz.burst_size >= (burst_size or never)),
            and_(sz.in_same == 1, sz.same_size >= (same_size or never)),
        )
    )
    rows = (await conn.execute(query)).all()
    column_type = o.c.ordered_at.type
    bursts, sames = [], []
    for r in rows:
        if r.in_burst and burst_size and r.burst_size >= burst_size:
            first, last = _when(column_type, r.burst_first), _when(column_type, r.burst_last)
            bursts.append(
                RunHit(r.id, r.team_id, r.burst_size, first, last, r.amount_minor, r.currency)
            )
        if r.in_same and same_size and r.same_size >= same_size:
            first = _when(column_type, r.same_first)
            sames.append(
                RunHit(r.id, r.team_id, r.same_size, first, first, r.amount_minor, r.currency)
            )
    return bursts, sames


def _when(column_type: Any, value: Any) -> dt.datetime:
    # MIN/MAX over a subquery lose the column type on SQLite (text comes back).
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    result: dt.datetime = column_type.process_result_value(value, None)
    return result


async def refund_counts(
    conn: AsyncConnection,
    season: str,
    team_ids: Collection[int] | None,
    *,
    statuses: Sequence[str],
    min_orders: int,
) -> list[tuple[int, int, int]]:
    """(team id, orders, refunded or cancelled orders) of teams with ``min_orders`` orders."""
    query = _teams(
        select(
            o.c.team_id,
            func.count().label("orders"),
            func.sum(case((cancelled(statuses), 1), else_=0)).label("refunded"),
        ).where(o.c.season == season),
        team_ids,
    )
    query = query.group_by(o.c.team_id).having(func.count() >= min_orders)
    rows = (await conn.execute(query)).all()
    return [(r.team_id, r.orders, int(r.refunded or 0)) for r in rows]


async def orders_where(
    conn: AsyncConnection,
    season: str,
    team_ids: Collection[int] | None,
    *conditions: ColumnElement[bool],
) -> list[tuple[int, int, str, dt.datetime]]:
    """(row id, team id, status, ordered_at) of the season's orders meeting ``conditions``."""
    query = _teams(
        select(o.c.id, o.c.team_id, o.c.status, o.c.ordered_at).where(
            o.c.season == season, *conditions
        ),
        team_ids,
    )
    return [(r.id, r.team_id, r.status, r.ordered_at) for r in (await conn.execute(query)).all()]


def stalled(statuses: Sequence[str], cutoff: dt.datetime) -> list[ColumnElement[bool]]:
    """Conditions: in one of ``statuses``, not refunded, placed at or before ``cutoff``."""
    return [o.c.status.in_(list(statuses)), o.c.refunded == false(), o.c.ordered_at <= cutoff]


def placed_before(start: dt.datetime) -> list[ColumnElement[bool]]:
    """Condition: placed before ``start``."""
    return [o.c.ordered_at < start]


# -- flags ----------------------------------------------------------------------------------
async def flags_in_scope(
    conn: AsyncConnection, season: str, rules: Sequence[str], team_ids: Collection[int] | None
) -> list[FlagRow]:
    """The season's flags of ``rules`` (of ``team_ids`` only, when given)."""
    query = select(f).where(f.c.season == season, f.c.rule.in_(list(rules)))
    if team_ids is not None:
        query = query.where(f.c.team_id.in_(list(team_ids)))
    return [_flag(r) for r in (await conn.execute(query)).mappings()]


async def insert_flags(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new flags (``season, rule, subject, team_id, order_row_id, evidence,
    status, created_at, updated_at``); a flag a concurrent scan inserted first is kept."""
    statement = upsertable_insert(conn, f).on_conflict_do_nothing(
        index_elements=["season", "rule", "subject"]
    )
    for start in range(0, len(rows), _CHUNK):
        await conn.execute(statement, list(rows[start : start + _CHUNK]))


async def update_flag(conn: AsyncConnection, flag_id: int, **values: Any) -> None:
    """Change one flag's columns."""
    await conn.execute(update(f).where(f.c.id == flag_id).values(**values))


async def set_status(
    conn: AsyncConnection, flag_ids: Sequence[int], status: str, **values: Any
) -> None:
    """Set many flags' status (and other columns)."""
    for start in range(0, len(flag_ids), _CHUNK):
        chunk = list(flag_ids[start : start + _CHUNK])
        await conn.execute(update(f).where(f.c.id.in_(chunk)).values(status=status, **values))


async def sync_reviews(conn: AsyncConnection, order_row_ids: Iterable[int], *, season: str) -> None:
    """Set each order's ``review`` from its flags: confirmed when one is confirmed, else
    flagged when one is open, else cleared when one is cleared, else ok."""

    def has(status: str) -> Any:
        return exists().where(f.c.order_row_id == o.c.id, f.c.status == status)

    review = case(
        (has("confirmed"), literal("confirmed")),
        (has("open"), literal("flagged")),
        (has("cleared"), literal("cleared")),
        else_=literal("ok"),
    )
    ids = sorted(set(order_row_ids))
    if ids:
        # A review decides whether an order counts: the season's scores may change.
        teams: set[int] = set()
        for start in range(0, len(ids), _CHUNK):
            rows = await conn.execute(
                select(o.c.team_id).where(o.c.id.in_(ids[start : start + _CHUNK])).distinct()
            )
            teams.update(int(team) for (team,) in rows)
        await revisions_q.bump(conn, season, teams)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        await conn.execute(update(o).where(o.c.id.in_(chunk)).values(review=review))


async def get_flag(conn: AsyncConnection, flag_id: int) -> FlagRow | None:
    """One flag, or None."""
    row = (await conn.execute(select(f).where(f.c.id == flag_id))).mappings().first()
    return None if row is None else _flag(row)


def _filtered(
    query: Select[Any], season: str, status: str, rule: str | None, team_id: int | None
) -> Select[Any]:
    query = query.where(f.c.season == season, f.c.status == status)
    if rule is not None:
        query = query.where(f.c.rule == rule)
    if team_id is not None:
        query = query.where(f.c.team_id == team_id)
    return query


async def count_flags(
    conn: AsyncConnection, season: str, *, status: str, rule: str | None, team_id: int | None
) -> int:
    """How many flags match."""
    query = _filtered(select(func.count()).select_from(f), season, status, rule, team_id)
    return int((await conn.execute(query)).scalar_one())


async def list_flags(
    conn: AsyncConnection,
    season: str,
    *,
    status: str,
    rule: str | None,
    team_id: int | None,
    offset: int,
    limit: int,
) -> list[FlagListed]:
    """Matching flags, oldest first, with their team's name and the store order id."""
    query = (
        select(f, teams.c.name.label("team_name"), o.c.order_id.label("store_order_id"))
        .join_from(f, teams, teams.c.id == f.c.team_id)
        .outerjoin(o, o.c.id == f.c.order_row_id)
    )
    query = _filtered(query, season, status, rule, team_id)
    query = query.order_by(f.c.id).offset(offset).limit(limit)
    rows = (await conn.execute(query)).mappings().all()
    return [FlagListed(_flag(r), r["team_name"], r["store_order_id"]) for r in rows]


async def matching_ids(
    conn: AsyncConnection, season: str, *, status: str, rule: str | None, team_id: int | None
) -> list[tuple[int, int | None]]:
    """(flag id, order row id) of every matching flag."""
    query = _filtered(select(f.c.id, f.c.order_row_id), season, status, rule, team_id)
    return [(r.id, r.order_row_id) for r in (await conn.execute(query)).all()]


async def open_counts(conn: AsyncConnection, season: str) -> dict[str, int]:
    """Open flags per rule."""
    query = (
        select(f.c.rule, func.count())
        .where(f.c.season == season, f.c.status == "open")
        .group_by(f.c.rule)
    )
    return {rule: int(n) for rule, n in (await conn.execute(query)).all()}


async def teams_with_open_flags(
    conn: AsyncConnection, season: str, *, like: str, limit: int
) -> list[tuple[int, str, int]]:
    """(team id, name, open flags) of teams with open flags whose name contains ``like``."""
    query = (
        select(f.c.team_id, teams.c.name, func.count())
        .join_from(f, teams, teams.c.id == f.c.team_id)
        .where(f.c.season == season, f.c.status == "open")
        .group_by(f.c.team_id, teams.c.name)
        .order_by(teams.c.name)
        .limit(limit)
    )
    if like:
        query = query.where(teams.c.name_key.contains(like.casefold(), autoescape=True))
    return [(r[0], r[1], int(r[2])) for r in (await conn.execute(query)).all()]
