"""The writing half of results imports: a batch of checked rows split into new rows,
corrections and unchanged ones, and written with one statement per kind (no per-row round
trips); the staged form of a preview's rows."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.services.results.files import Table
from bot.services.results.parsing import DailyChecker, OrderChecker, Refusal
from storage.queries.results import daily as daily_q
from storage.queries.results import orders as orders_q
from storage.queries.results.orders import ORDER_VALUES

#: Refused lines kept with an import (the count is always exact).
MAX_KEPT_REFUSALS = 1000


@dataclass(slots=True)
class ImportCounts:
    """What an import did (or would do) so far: new, corrected, unchanged rows, the
    refused lines (the first ``MAX_KEPT_REFUSALS`` kept) and the teams touched."""

    new: int = 0
    corrected: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    refused_total: int = 0
    teams: set[int] = field(default_factory=set)
    #: Whether each team met so far had stored orders of the season before this import
    #: touched it. Only those teams' rows are looked up: rows of a team without any can
    #: only be new, since the import's own rows never repeat a (team, order id) (the
    #: checker refuses a file's duplicates).
    had_orders: dict[int, bool] = field(default_factory=dict)

    def refuse(self, refusal: Refusal) -> None:
        self.refused_total += 1
        if len(self.refused) < MAX_KEPT_REFUSALS:
            self.refused.append(refusal)


async def diff_rows(
    conn: AsyncConnection,
    season: str,
    kind: str,
    rows: list[dict[str, Any]],
    counts: ImportCounts,
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """Split rows into new ones and corrections (with the row they replace); count
    the unchanged ones."""
    fresh: list[dict[str, Any]] = []
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    if kind == "daily":
        stored_days = await daily_q.existing_values(
            conn,
            season=season,
            team_ids=sorted({r["team_id"] for r in rows}),
            days=sorted({r["day"] for r in rows}),
        )
        for row in rows:
            before = stored_days.get((row["team_id"], row["day"], row["metric"]))
            if before is None:
                fresh.append(row)
            elif abs(before - row["value"]) > 1e-9:
                changed.append((row, {"value": before}))
            else:
                counts.unchanged += 1
    else:
        known = counts.had_orders
        unseen = {r["team_id"] for r in rows} - known.keys()
        if unseen:
            with_orders = await orders_q.teams_with_orders(conn, season, unseen)
            known.update((team_id, team_id in with_orders) for team_id in unseen)
        stored = await orders_q.existing(
            conn, season, ((r["team_id"], r["order_id"]) for r in rows if known[r["team_id"]])
        )
        for row in rows:
            before_row = stored.get((row["team_id"], row["order_id"]))
            if before_row is None:
                fresh.append(row)
            elif any(before_row[name] != row[name] for name in ORDER_VALUES):
                changed.append((row, before_row))
            else:
                counts.unchanged += 1
    counts.new += len(fresh)
    counts.corrected += len(changed)
    counts.teams.update(r["team_id"] for r in fresh)
    counts.teams.update(r["team_id"] for r, _ in changed)
    return fresh, changed


async def write_rows(
    conn: AsyncConnection,
    season: str,
    kind: str,
    rows: list[dict[str, Any]],
    import_id: int,
    counts: ImportCounts,
    now: dt.datetime,
) -> None:
    fresh, changed = await diff_rows(conn, season, kind, rows, counts)
    if kind == "daily":
        await daily_q.replace_days(
            conn,
            [
                {**without_line(row), "import_id": import_id, "updated_at": now}
                for row in [*fresh, *(r for r, _ in changed)]
            ],
        )
        return
    await orders_q.insert_orders(conn, fresh, import_id=import_id, now=now)
    corrections = [
        {
            **{k: v for k, v in row.items() if k not in ("season", "team_id", "order_id")},
            "row_id": before["id"],
            "import_id": import_id,
            "updated_at": now,
        }
        for row, before in changed
    ]
    history = [
        {
            "order_row_id": before["id"],
            "import_id": import_id,
            "previous": jsonable({k: before[k] for k in ORDER_VALUES}),
            "replaced_at": now,
        }
        for _, before in changed
    ]
    await orders_q.correct_orders(
        conn,
        corrections,
        history,
        season=season,
        team_ids={int(row["team_id"]) for row, _ in changed},
    )


def checked(
    table: Table, checker: OrderChecker | DailyChecker, counts: ImportCounts
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The accepted lines (each as the rows it stores); refusals go to ``counts``."""
    for line, values in table.lines:
        result = checker.check(line, values)
        if isinstance(result, Refusal):
            counts.refuse(result)
        elif isinstance(result, dict):
            yield line, [result]
        else:
            yield line, result


def without_line(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "source_line"}


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def pack(rows: list[dict[str, Any]]) -> bytes:
    return zlib.compress(json.dumps([jsonable(r) for r in rows]).encode("utf-8"), 6)


def unpack(packed: bytes, kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(zlib.decompress(packed)) if packed else []
    for row in rows:
        if kind == "daily":
            row["day"] = dt.date.fromisoformat(row["day"])
        else:
            row["ordered_at"] = dt.datetime.fromisoformat(row["ordered_at"])
    return rows


async def file_digest(path: Path) -> str:
    def digest() -> str:
        sha = hashlib.sha256()
        with path.open("rb") as file:
            while chunk := file.read(1 << 22):
                sha.update(chunk)
        return sha.hexdigest()

    return await asyncio.to_thread(digest)


def count_values(counts: ImportCounts) -> dict[str, Any]:
    return {
        "rows_total": counts.new + counts.corrected + counts.unchanged + counts.refused_total,
        "rows_new": counts.new,
        "rows_corrected": counts.corrected,
        "rows_unchanged": counts.unchanged,
        "rows_refused": counts.refused_total,
        "refused": [
            {"line": r.line, "message": r.message, "params": r.params} for r in counts.refused
        ],
    }
