"""Queries on results imports (``results_imports``) and their staged rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import results_import_staged, results_imports


@dataclass(frozen=True, slots=True)
class ResultsImportRow:
    id: int
    season: str
    kind: str
    platform: str
    team_id: int | None
    filename: str
    sha256: str
    status: str
    rows_total: int
    rows_new: int
    rows_corrected: int
    rows_unchanged: int
    rows_refused: int
    refused: list[dict[str, Any]]
    created_by: int | None
    created_at: dt.datetime
    applied_at: dt.datetime | None


async def create(conn: AsyncConnection, **values: Any) -> int:
    """Store a new import (status ``preview``); returns its id."""
    result = await conn.execute(
        insert(results_imports).values(**values).returning(results_imports.c.id)
    )
    return int(result.scalar_one())


async def get(
    conn: AsyncConnection, import_id: int, *, lock: bool = False
) -> ResultsImportRow | None:
    """One import by id (``lock``: FOR UPDATE on PostgreSQL)."""
    stmt = select(results_imports).where(results_imports.c.id == import_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return ResultsImportRow(**row._mapping) if row else None


async def update_import(conn: AsyncConnection, import_id: int, **values: Any) -> None:
    """Set an import's counts, status or applied time."""
    await conn.execute(
        update(results_imports).where(results_imports.c.id == import_id).values(**values)
    )


async def decide(
    conn: AsyncConnection, import_id: int, *, status: str, now: dt.datetime, **counts: int
) -> bool:
    """Move a ``preview`` to ``status`` (applied | discarded); False when it was decided."""
    values: dict[str, Any] = {"status": status, **counts}
    if status == "applied":
        values["applied_at"] = now
    result = await conn.execute(
        update(results_imports)
        .where(results_imports.c.id == import_id, results_imports.c.status == "preview")
        .values(**values)
    )
    return bool(result.rowcount)


async def stage(conn: AsyncConnection, import_id: int, rows: bytes, now: dt.datetime) -> None:
    """Keep a preview's checked rows until it is decided."""
    await conn.execute(
        insert(results_import_staged).values(import_id=import_id, rows=rows, created_at=now)
    )


async def staged(conn: AsyncConnection, import_id: int) -> bytes | None:
    """A preview's checked rows, or None once decided."""
    value = await conn.scalar(
        select(results_import_staged.c.rows).where(results_import_staged.c.import_id == import_id)
    )
    return bytes(value) if value is not None else None


async def unstage(conn: AsyncConnection, import_id: int) -> None:
    """Drop a decided import's staged rows."""
    await conn.execute(
        delete(results_import_staged).where(results_import_staged.c.import_id == import_id)
    )
