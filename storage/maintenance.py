"""Database upkeep statements, run on the writer connection."""

from __future__ import annotations

from sqlalchemy import text

from storage.engine import Database
from storage.schema import metadata


async def optimize(db: Database) -> dict[str, int]:
    """SQLite: PRAGMA optimize and a truncating WAL checkpoint; PostgreSQL: ANALYZE of
    Podium's own tables (a bare ANALYZE would visit every table of the database, other
    applications' and other schemas' too, and wait for their locks).

    Runs on the single writer connection, so it can never race another writer.
    Returns the checkpoint's (busy, wal pages, checkpointed pages) on SQLite.
    """
    if not db.is_sqlite:
        tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        async with db.write() as conn:
            await conn.execute(text(f"ANALYZE {tables}"))
        return {}
    async with db.writer.connect() as conn:
        await conn.exec_driver_sql("PRAGMA optimize")
        result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, wal_pages, checkpointed = (int(value) for value in result.one())
        await conn.commit()
    return {"busy": busy, "wal_pages": wal_pages, "checkpointed": checkpointed}
