"""Database upkeep statements, run on the writer connection."""

from __future__ import annotations

from sqlalchemy import text

from storage.engine import Database


async def optimize(db: Database) -> dict[str, int]:
    """SQLite: PRAGMA optimize and a truncating WAL checkpoint; PostgreSQL: ANALYZE.

    Runs on the single writer connection, so it can never race another writer.
    Returns the checkpoint's (busy, wal pages, checkpointed pages) on SQLite.
    """
    if not db.is_sqlite:
        async with db.write() as conn:
            await conn.execute(text("ANALYZE"))
        return {}
    async with db.writer.connect() as conn:
        await conn.exec_driver_sql("PRAGMA optimize")
        result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, wal_pages, checkpointed = (int(value) for value in result.one())
        await conn.commit()
    return {"busy": busy, "wal_pages": wal_pages, "checkpointed": checkpointed}
