"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


def upsertable_insert(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT for ``table`` that supports ``on_conflict_do_…`` on this connection's database.

    Both dialects spell the upsert the same way in SQLAlchemy (``excluded``,
    ``on_conflict_do_update``), so callers build one statement for both.
    """
    if conn.dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)
