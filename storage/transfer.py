"""Copies every table of one Podium database into another (`podium migrate-data`).

The table list comes from the schema's metadata (``storage.schema.metadata``) in foreign-key
order, so a table added later is copied without a change here. The source is read in one
read transaction (REPEATABLE READ on PostgreSQL: one snapshot even if something writes);
the target gets every row in one transaction, in batches, then its sequences are set past
each table's highest id and the row counts and sequences are checked before the commit,
so a failed or mismatched copy leaves no rows behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database
from storage.schema import metadata

#: Rows read and inserted per round trip.
DEFAULT_BATCH = 1_000

#: Called after each batch with the table's name and the number of rows just copied.
Progress = Callable[[str, int], None]


class TargetNotEmpty(Exception):
    """The target already holds Podium rows; nothing was written."""

    def __init__(self, tables: dict[str, int]) -> None:
        super().__init__(", ".join(f"{name} ({count})" for name, count in tables.items()))
        self.tables = tables


class CopyMismatch(Exception):
    """After the copy a table's count or a sequence was wrong; the copy was rolled back."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table's rows in the source and, after the copy, in the target."""

    name: str
    source_rows: int
    target_rows: int


@dataclass(frozen=True, slots=True)
class SequenceCheck:
    """A PostgreSQL sequence after the copy: the next id it gives is above the table's ids."""

    table: str
    max_id: int
    next_id: int


@dataclass(frozen=True, slots=True)
class TransferReport:
    """What was copied and checked."""

    tables: list[TableCopy]
    sequences: list[SequenceCheck]

    @property
    def rows(self) -> int:
        """Rows copied in all."""
        return sum(table.target_rows for table in self.tables)


def tables_in_order() -> list[Table]:
    """Every Podium table, each after the tables its foreign keys point at."""
    return list(metadata.sorted_tables)


async def existing_rows(target: Database) -> dict[str, int]:
    """The Podium tables of ``target`` that hold rows, with their counts (migrated but empty
    tables, and tables that do not exist yet, are left out)."""
    async with target.read() as conn:
        present = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        counts: dict[str, int] = {}
        for table in tables_in_order():
            if table.name not in present:
                continue
            count = await _count(conn, table)
            if count:
                counts[table.name] = count
    return counts


async def source_counts(source: Database) -> dict[str, int]:
    """Every Podium table's row count in ``source`` (the progress bar's total)."""
    async with source.read() as conn:
        return {table.name: await _count(conn, table) for table in tables_in_order()}


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def copy_all(
    source: Database,
    target: Database,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> TransferReport:
    """Copy every table of ``source`` into the (migrated, empty) ``target``.

    Raises:
        CopyMismatch: when a count or a sequence is wrong after the copy (rolled back).
        sqlalchemy.exc.DBAPIError: when the target refuses a row (rolled back).
    """
    tables = tables_in_order()
    async with source.reader.connect() as raw_source:
        reading = raw_source
        if not source.is_sqlite:
            reading = await raw_source.execution_options(isolation_level="REPEATABLE READ")
        async with reading.begin(), target.write() as writing:
            copies: list[TableCopy] = []
            for table in tables:
                expected = await _count(reading, table)
                await _copy_table(reading, writing, table, batch_size, progress)
                copies.append(TableCopy(table.name, expected, await _count(writing, table)))
            sequences = await _reset_sequences(writing, tables)
            problems = [
                f"{c.name}: {c.source_rows} rows in the source, {c.target_rows} in the target"
                for c in copies
                if c.source_rows != c.target_rows
            ] + [
                f"{s.table}: the next id would be {s.next_id}, not above {s.max_id}"
                for s in sequences
                if s.next_id <= s.max_id
            ]
            if problems:
                raise CopyMismatch(problems)
    return TransferReport(tables=copies, sequences=sequences)


async def _copy_table(
    reading: AsyncConnection,
    writing: AsyncConnection,
    table: Table,
    batch_size: int,
    progress: Progress | None,
) -> None:
    query = select(table).order_by(*table.primary_key.columns)
    result = await reading.stream(query.execution_options(yield_per=batch_size))
    async for batch in result.partitions(batch_size):
        await writing.execute(insert(table), [dict(row._mapping) for row in batch])
        if progress is not None:
            progress(table.name, len(batch))


async def _reset_sequences(writing: AsyncConnection, tables: list[Table]) -> list[SequenceCheck]:
    """On PostgreSQL, set each table's id sequence to its highest id, so the next row gets a
    fresh id; SQLite needs nothing (a rowid key continues from the highest id)."""
    if writing.dialect.name != "postgresql":
        return []
    checks: list[SequenceCheck] = []
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = (
            await writing.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
        ).scalar_one()
        if sequence is None:
            continue
        highest = (await writing.execute(select(func.max(column)))).scalar_one()
        # setval(seq, n, true): the next nextval() gives n + 1; (1, false) gives 1.
        await writing.execute(
            text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
            {"sequence": sequence, "value": highest or 1, "called": highest is not None},
        )
        last = (
            await writing.execute(
                text("SELECT pg_sequence_last_value(CAST(:sequence AS regclass))"),
                {"sequence": sequence},
            )
        ).scalar_one()
        next_id = 1 if last is None else int(last) + 1
        checks.append(SequenceCheck(table.name, int(highest or 0), next_id))
    return checks
