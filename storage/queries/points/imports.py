"""Queries on points imports (``point_imports``): stored previews and their decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import point_imports


@dataclass(frozen=True, slots=True)
class ImportRow:
    id: int
    season: str
    file_hash: str
    file_name: str
    status: str
    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    actor_id: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: int | None
    entries: int


async def create_import(
    conn: AsyncConnection,
    *,
    season: str,
    file_hash: str,
    file_name: str,
    rows: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    actor_id: int | None,
    now: dt.datetime,
) -> int:
    """Store a checked file as a ``preview``; returns its id."""
    result = await conn.execute(
        insert(point_imports)
        .values(
            season=season,
            file_hash=file_hash,
            file_name=file_name,
            status="preview",
            rows=rows,
            errors=errors,
            actor_id=actor_id,
            created_at=now,
            entries=0,
        )
        .returning(point_imports.c.id)
    )
    return int(result.scalar_one())


async def get_import(conn: AsyncConnection, import_id: int) -> ImportRow | None:
    """One import by id."""
    row = (await conn.execute(select(point_imports).where(point_imports.c.id == import_id))).first()
    return ImportRow(**row._mapping) if row else None


async def imported_file(conn: AsyncConnection, season: str, file_hash: str) -> ImportRow | None:
    """The import of this file this season that was confirmed, if any."""
    row = (
        await conn.execute(
            select(point_imports).where(
                point_imports.c.season == season,
                point_imports.c.file_hash == file_hash,
                point_imports.c.status == "imported",
            )
        )
    ).first()
    return ImportRow(**row._mapping) if row else None


async def decide_import(
    conn: AsyncConnection,
    *,
    import_id: int,
    status: str,
    actor_id: int | None,
    entries: int,
    now: dt.datetime,
) -> bool:
    """Move a ``preview`` to ``imported`` or ``cancelled``; False when it was not a preview."""
    result = await conn.execute(
        update(point_imports)
        .where(point_imports.c.id == import_id, point_imports.c.status == "preview")
        .values(status=status, decided_at=now, decided_by=actor_id, entries=entries)
    )
    return bool(result.rowcount)
