"""Driver-level batch writes: one executemany of plain tuples, without per-row SQLAlchemy work.

SQLAlchemy's Core executemany builds a parameter dict and runs every column's type
processors per row (and with RETURNING, batches the rows into multi-VALUES statements it
then matches back): for the weekly results run, 10,000 ledger credits and 10,000 stored
scores spent most of their time there, not in the database. Here a statement is compiled
once per dialect (with the dialect's own placeholders and casts), the few columns that
need converting (aware datetimes, JSON) are converted with the columns' own bind
processors, and the rows go to the driver's ``executemany`` as tuples: the same values in
the same format as SQLAlchemy would bind them, on SQLite and PostgreSQL alike.

Rows inserted this way return nothing; ``allocate_ids`` gives the ids first where the
caller needs them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any]
_UNSET = object()


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    #: For each placeholder of ``sql``, the index of its value in the caller's tuple.
    order: tuple[int, ...]
    #: (placeholder index, converter) for the placeholders whose values need converting.
    convert: tuple[tuple[int, Processor], ...]

    def bind(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        order = self.order
        identity = order == tuple(range(len(order)))
        # A batch often repeats one value in a column (the time of the run, say): the
        # last conversion of each column is reused for the very same object.
        last: list[list[Any]] = [[index, process, _UNSET, None] for index, process in self.convert]
        bound: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row) if identity else [row[i] for i in order]
            for memo in last:
                value = values[memo[0]]
                if value is not memo[2]:
                    memo[2], memo[3] = value, memo[1](value)
                values[memo[0]] = memo[3]
            bound.append(tuple(values))
        return bound


_PREPARED: dict[tuple[str, str, str], _Prepared] = {}


def _prepare(
    dialect: Dialect, key: str, build: Callable[[], ClauseElement], names: Sequence[str]
) -> _Prepared:
    cache_key = (key, dialect.name, dialect.driver)
    prepared = _PREPARED.get(cache_key)
    if prepared is not None:
        return prepared
    compiled: Any = build().compile(dialect=dialect, column_keys=list(names))
    positions = compiled.positiontup
    if positions is None:  # pragma: no cover - every dialect we run is positional
        raise RuntimeError(f"{dialect.name} compiles {key!r} with named parameters")
    where = {name: index for index, name in enumerate(names)}
    missing = [name for name in positions if name not in where]
    if missing:
        raise ValueError(f"{key}: no value given for {missing}")
    convert = []
    for index, name in enumerate(positions):
        bind_type = compiled.binds[name].type
        process = bind_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            convert.append((index, process))
    prepared = _Prepared(
        sql=compiled.string,
        order=tuple(where[name] for name in positions),
        convert=tuple(convert),
    )
    _PREPARED[cache_key] = prepared
    return prepared


async def execute_many(
    conn: AsyncConnection,
    *,
    key: str,
    build: Callable[[], ClauseElement],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Run the statement ``build()`` once per row of ``rows`` (tuples of the values of
    ``names``, the statement's parameter names: column names for an INSERT), as one
    driver-level executemany. ``key`` names the statement for the per-dialect cache, so
    ``build`` runs once per process and database kind: it must build the same statement
    every time."""
    if not rows:
        return
    prepared = _prepare(conn.dialect, key, build, names)
    await conn.exec_driver_sql(prepared.sql, prepared.bind(rows))


async def allocate_ids(conn: AsyncConnection, table: Table, count: int) -> list[int]:
    """``count`` new ids of ``table``'s integer primary key ``id``, for rows the caller
    inserts in this transaction: the sequence's next values on PostgreSQL; on SQLite the
    ids after the largest one, as SQLite itself would pick them (safe there because the
    transaction is the database's only writer until it ends)."""
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return [int(value) for (value,) in rows]
    top = await conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    first = int(top or 0) + 1
    return list(range(first, first + count))
