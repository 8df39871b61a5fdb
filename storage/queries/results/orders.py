"""Queries on imported store orders (``store_orders``): aggregates of counted orders, and
the batched writes of an import (new rows, corrections with their history)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final, Literal

from sqlalchemy import and_, bindparam, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.queries import results_revisions as revisions_q
from storage.queries.results import team_filter
from storage.schema import store_order_history, store_orders, teams

#: The reviews under which an order counts toward metrics and scoring: no fraud flag
#: (``ok``) or flags cleared by an organizer (``cleared``). ``flagged`` and ``confirmed``
#: orders never count. Every aggregate of orders uses this.
COUNTED_REVIEWS: Final[tuple[str, ...]] = ("ok", "cleared")
#: Order statuses of orders that did not happen (besides ``refunded`` rows).
CANCELLED_STATUSES: Final[tuple[str, ...]] = ("cancelled", "canceled")

#: The columns an import writes, compared to decide whether a row is a correction.
ORDER_VALUES: Final[tuple[str, ...]] = (
    "ordered_at",
    "amount_minor",
    "currency",
    "amount_base_minor",
    "country",
    "category",
    "channel",
    "buyer_hash",
    "tracking_number",
    "status",
    "refunded",
)

Group = Literal["country", "category", "channel"]


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """A team's (or a group's) counted orders: how many, their base-currency sum in minor
    units and their distinct buyers."""

    orders: int
    sales_base_minor: int
    buyers: int


def _counted(season: str, start: dt.datetime | None, end: dt.datetime | None) -> list[Any]:
    conditions: list[Any] = [
        store_orders.c.season == season,
        store_orders.c.review.in_(COUNTED_REVIEWS),
        store_orders.c.refunded.is_(False),
        store_orders.c.status.not_in(CANCELLED_STATUSES),
    ]
    if start is not None:
        conditions.append(store_orders.c.ordered_at >= start)
    if end is not None:
        conditions.append(store_orders.c.ordered_at < end)
    return conditions


async def team_totals(
    conn: AsyncConnection,
    *,
    season: str,
    team_ids: Sequence[int] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    buyers: bool = True,
) -> dict[int, OrderTotals]:
    """Counted orders per team with any in ``[start, end)`` (UTC instants; None: open).

    ``buyers=False`` leaves the distinct buyers out (0): counting them sorts every team's
    buyer hashes and reads each order's row, which the metrics without buyers do not need.
    """
    teams = team_filter(store_orders.c.team_id, team_ids)
    columns: list[Any] = [
        store_orders.c.team_id,
        func.count(),
        func.coalesce(func.sum(store_orders.c.amount_base_minor), 0),
    ]
    if buyers:
        columns.append(func.count(store_orders.c.buyer_hash.distinct()))
    rows = await conn.execute(
        select(*columns)
        .where(and_(*_counted(season, start, end), *teams.conditions))
        .group_by(store_orders.c.team_id)
    )
    return {
        int(r[0]): OrderTotals(int(r[1]), int(r[2]), int(r[3]) if buyers else 0)
        for r in rows
        if teams.wants(int(r[0]))
    }


async def group_totals(
    conn: AsyncConnection,
    *,
    season: str,
    by: Group,
    team_ids: Sequence[int] | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> dict[int, dict[str | None, OrderTotals]]:
    """Counted orders per team and value of ``by`` (None: the export left it empty)."""
    column = store_orders.c[by]
    teams = team_filter(store_orders.c.team_id, team_ids)
    rows = await conn.execute(
        select(
            store_orders.c.team_id,
            column,
            func.count(),
            func.coalesce(func.sum(store_orders.c.amount_base_minor), 0),
            func.count(store_orders.c.buyer_hash.distinct()),
        )
        .where(and_(*_counted(season, start, end), *teams.conditions))
        .group_by(store_orders.c.team_id, column)
    )
    result: dict[int, dict[str | None, OrderTotals]] = {}
    for r in rows:
        if not teams.wants(int(r[0])):
            continue
        result.setdefault(int(r[0]), {})[r[1]] = OrderTotals(int(r[2]), int(r[3]), int(r[4]))
    return result


#: SQLite's page cache (KiB) for an import's transaction, instead of its default 2 MiB:
#: once the order indexes outgrow the cache, nearly every row inserted into the buyer
#: index (random keys) misses, re-reads a page, and the full cache spills dirty pages
#: into the WAL mid-transaction over and over. Pages are only taken as they are used.
IMPORT_CACHE_KIB: Final = 128 * 1024


@asynccontextmanager
async def import_tuning(conn: AsyncConnection) -> AsyncIterator[None]:
    """For an import's transaction: on PostgreSQL, look stored orders up by index; on
    SQLite, a bigger page cache (the connection's own size restored afterwards).

    An import inserts rows in batches and looks each next batch's order ids up in the
    same transaction; PostgreSQL's statistics still describe the table as it was (often
    empty), so it picks sequential scans that grow with every batch (a 100,000-row import
    took minutes); ``SET LOCAL`` ends with the transaction. SQLite plans by the index
    anyway."""
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = int((await conn.exec_driver_sql("PRAGMA cache_size")).scalar_one())
    await conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        # Also after a failed import (the transaction then rolls back; a pragma still
        # runs on the connection).
        with suppress(Exception):
            await conn.exec_driver_sql(f"PRAGMA cache_size = {previous}")


async def teams_with_orders(
    conn: AsyncConnection, season: str, team_ids: Iterable[int]
) -> set[int]:
    """Which of ``team_ids`` have any stored order in ``season``: one index probe per team
    (``EXISTS`` on the season/team index), in chunks."""
    wanted = sorted(set(team_ids))
    found: set[int] = set()
    has_orders = exists().where(
        store_orders.c.season == season, store_orders.c.team_id == teams.c.id
    )
    for offset in range(0, len(wanted), 900):
        rows = await conn.execute(
            select(teams.c.id).where(teams.c.id.in_(wanted[offset : offset + 900]), has_orders)
        )
        found.update(int(row[0]) for row in rows)
    return found


async def existing(
    conn: AsyncConnection, season: str, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], dict[str, Any]]:
    """The stored rows (id and ``ORDER_VALUES``) of the given (team id, order id) pairs of
    ``season``, looked up by order id (one index probe each) in chunks."""
    pairs = set(keys)
    if not pairs:
        return {}
    columns = [store_orders.c.id, store_orders.c.team_id, store_orders.c.order_id]
    columns += [store_orders.c[name] for name in ORDER_VALUES]
    order_ids = sorted({order for _, order in pairs})
    found: dict[tuple[int, str], dict[str, Any]] = {}
    # Chunks keep the bound parameters under SQLite's and asyncpg's limits.
    for offset in range(0, len(order_ids), 900):
        rows = await conn.execute(
            select(*columns).where(
                store_orders.c.season == season,
                store_orders.c.order_id.in_(order_ids[offset : offset + 900]),
            )
        )
        for row in rows:
            key = (int(row.team_id), str(row.order_id))
            if key in pairs:
                found[key] = dict(row._mapping)
    return found


#: The columns of a new order row taken from each checked row, in the order
#: ``insert_orders`` binds them; the import's own values (``STAMP_COLUMNS``) follow.
ROW_COLUMNS: Final[tuple[str, ...]] = (
    "season",
    "team_id",
    "order_id",
    "ordered_at",
    "amount_minor",
    "currency",
    "amount_base_minor",
    "country",
    "category",
    "channel",
    "buyer_hash",
    "tracking_number",
    "status",
    "refunded",
    "source_line",
)
STAMP_COLUMNS: Final[tuple[str, ...]] = ("review", "import_id", "created_at", "updated_at")
INSERT_COLUMNS: Final[tuple[str, ...]] = ROW_COLUMNS + STAMP_COLUMNS


async def insert_orders(
    conn: AsyncConnection,
    rows: Sequence[dict[str, Any]],
    *,
    import_id: int,
    now: dt.datetime,
    review: str = "ok",
) -> None:
    """Insert new order rows (dicts with every ``ROW_COLUMNS`` key, aware datetimes) of
    import ``import_id`` at ``now``, in one driver-level executemany: an import writes up
    to millions of rows, and binding them as plain tuples skips SQLAlchemy's per-row
    parameter processing (and a copy of each row to add the import's own values)."""
    if not rows:
        return
    for season in {row["season"] for row in rows}:
        teams = {int(row["team_id"]) for row in rows if row["season"] == season}
        await revisions_q.bump(conn, season, teams)
    paramstyle = conn.dialect.paramstyle
    stamps = {"review": review, "import_id": import_id, "created_at": now, "updated_at": now}
    if paramstyle not in ("qmark", "numeric_dollar"):  # pragma: no cover - other drivers
        await conn.execute(insert(store_orders), [{**row, **stamps} for row in rows])
        return
    sqlite = conn.dialect.name == "sqlite"
    ordered_at = ROW_COLUMNS.index("ordered_at")

    def naive(value: dt.datetime) -> Any:
        # SQLAlchemy's SQLite dialect stores "YYYY-MM-DD HH:MM:SS.ffffff" (naive UTC), and
        # range queries compare those strings: the same format here.
        utc = (value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)).replace(tzinfo=None)
        return utc.isoformat(" ", "microseconds") if sqlite else utc

    # The import's own values are one for the whole batch: converted once.
    tail = tuple(naive(v) if isinstance(v, dt.datetime) else v for v in stamps.values())
    take = itemgetter(*ROW_COLUMNS)
    bound: list[tuple[Any, ...]] = []
    for row in rows:
        values = take(row)
        bound.append(
            (*values[:ordered_at], naive(values[ordered_at]), *values[ordered_at + 1 :], *tail)
        )
    count = len(INSERT_COLUMNS)
    marks = ", ".join("?" * count if paramstyle == "qmark" else (f"${i + 1}" for i in range(count)))
    sql = f"INSERT INTO store_orders ({', '.join(INSERT_COLUMNS)}) VALUES ({marks})"  # noqa: S608 - fixed names
    await conn.exec_driver_sql(sql, bound)


async def correct_orders(
    conn: AsyncConnection,
    rows: Sequence[dict[str, Any]],
    history: Sequence[dict[str, Any]],
    *,
    season: str,
    team_ids: Iterable[int],
) -> None:
    """Replace the values of corrected rows of ``season`` (each dict has ``row_id`` and
    the new values; the rows are orders of ``team_ids``) and keep what they replaced in
    ``store_order_history``, both in one batch each."""
    if not rows:
        return
    await revisions_q.bump(conn, season, team_ids)
    values: dict[str, Any] = {
        name: bindparam(name) for name in (*ORDER_VALUES, "import_id", "source_line")
    }
    values["updated_at"] = bindparam("updated_at")
    await conn.execute(
        update(store_orders).where(store_orders.c.id == bindparam("row_id")).values(values),
        list(rows),
    )
    await conn.execute(insert(store_order_history), list(history))
