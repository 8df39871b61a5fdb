"""storage.bulk: driver-level executemany stores what SQLAlchemy's own inserts store, and
allocated ids never collide with the database's own, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, insert, select, update

from bot.services.points.models import AutoCredit
from bot.services.registry import Services
from storage.bulk import allocate_ids, execute_many
from storage.engine import Database
from storage.queries.points import CHUNK
from storage.schema import points_ledger, results_week_scores, teams
from tests.points_support import add_team

COLUMNS = ("id", "season", "team_id", "amount", "reason", "source", "reference", "week_key", "at")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _values(entry_id: int, team_id: int, reference: str, at: dt.datetime) -> dict[str, object]:
    return {
        "id": entry_id,
        "season": "2026",
        "team_id": team_id,
        "amount": 7,
        "reason": "Store results, week 2026-W47",
        "source": "results",
        "reference": reference,
        "week_key": "2026-W47",
        "at": at,
    }


async def test_rows_written_in_bulk_read_back_as_rows_sqlalchemy_inserts(db: Database) -> None:
    team_id = await add_team(db, "Alpha")
    # Not UTC on purpose: both paths must store the same naive UTC value.
    at = dt.datetime(2026, 11, 25, 14, 30, 5, 123456, tzinfo=SHANGHAI)
    async with db.write() as conn:
        core_id, bulk_id = await allocate_ids(conn, points_ledger, 2)
        await conn.execute(insert(points_ledger), [_values(core_id, team_id, "core", at)])
        bulk = _values(bulk_id, team_id, "bulk", at)
        await execute_many(
            conn,
            key="test.points_ledger.insert",
            build=lambda: insert(points_ledger),
            names=COLUMNS,
            rows=[tuple(bulk[name] for name in COLUMNS)],
        )
    async with db.read() as conn:
        # The stored form itself (a string on SQLite), not only what reads give back.
        rows: list[Any] = list(
            await conn.exec_driver_sql("SELECT reference, at, amount FROM points_ledger")
        )
        raw = {row[0]: (row[1], row[2]) for row in rows}
        read = (
            await conn.execute(select(points_ledger.c.at).where(points_ledger.c.id == bulk_id))
        ).scalar_one()
    assert raw["bulk"] == raw["core"]
    assert read == at


async def test_json_and_updates_in_bulk_store_what_sqlalchemy_stores(db: Database) -> None:
    team_id = await add_team(db, "Alpha")
    now = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC)
    details = {"sales": [1200.5, 1.0, 40.0, 40.0], "roi": [None, 0.0, 10.0, 0.0]}
    row = {
        "season": "2026",
        "week_key": "2026-W47",
        "team_id": team_id,
        "track": "student",
        "points": 40,
        "credited": 40,
        "entry_id": None,
        "revision": 1,
        "details": details,
        "scored_at": now,
    }
    names = tuple(row)
    async with db.write() as conn:
        await execute_many(
            conn,
            key="test.results_week_scores.insert",
            build=lambda: insert(results_week_scores),
            names=names,
            rows=[tuple(row.values())],
        )
    async with db.read() as conn:
        stored = (await conn.execute(select(results_week_scores))).one()
    assert stored.details == details
    assert stored.scored_at == now
    changed = {"sales": [1.5, 0.5, 40.0, 20.0]}
    t = results_week_scores
    async with db.write() as conn:
        await execute_many(
            conn,
            key="test.results_week_scores.update",
            build=lambda: (
                update(t)
                .where(t.c.team_id == bindparam("k_team"))
                .values(points=bindparam("points"), details=bindparam("details"))
            ),
            names=("points", "details", "k_team"),
            rows=[(20, changed, team_id)],
        )
    async with db.read() as conn:
        stored = (await conn.execute(select(results_week_scores))).one()
    assert (stored.points, stored.details) == (20, changed)


async def test_allocated_ids_never_collide_with_the_databases_own(db: Database) -> None:
    team_id = await add_team(db, "Alpha")
    at = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC)
    async with db.write() as conn:
        first = await conn.scalar(
            insert(points_ledger)
            .values(_values_without_id(team_id, "a", at))
            .returning(points_ledger.c.id)
        )
        ids = await allocate_ids(conn, points_ledger, 3)
        assert len(set(ids)) == 3
        assert min(ids) > int(first or 0)
        await execute_many(
            conn,
            key="test.points_ledger.insert",
            build=lambda: insert(points_ledger),
            names=COLUMNS,
            rows=[
                tuple(_values(entry_id, team_id, f"b{n}", at)[name] for name in COLUMNS)
                for n, entry_id in enumerate(ids)
            ],
        )
        # The database's next id of its own comes after the allocated ones.
        after = await conn.scalar(
            insert(points_ledger)
            .values(_values_without_id(team_id, "c", at))
            .returning(points_ledger.c.id)
        )
    assert int(after or 0) > max(ids)
    assert await allocate_ids_again(db) > int(after or 0)


async def allocate_ids_again(db: Database) -> int:
    async with db.write() as conn:
        (entry_id,) = await allocate_ids(conn, points_ledger, 1)
    return entry_id


def _values_without_id(team_id: int, reference: str, at: dt.datetime) -> dict[str, object]:
    values = _values(0, team_id, reference, at)
    del values["id"]
    return values


async def test_a_value_missing_from_the_names_is_refused_before_anything_is_sent(
    db: Database,
) -> None:
    async with db.write() as conn:
        with pytest.raises(ValueError, match="no value given"):
            await execute_many(
                conn,
                key="test.points_ledger.partial",
                build=lambda: (
                    update(points_ledger)
                    .values(amount=bindparam("amount"))
                    .where(points_ledger.c.id == bindparam("k_id"))
                ),
                names=("amount",),
                rows=[(1,)],
            )


async def test_crediting_more_teams_than_a_chunk_skips_disbanded_and_other_seasons_teams(
    services: Services,
) -> None:
    # Above one chunk of ids SQLite reads the teams in one statement and picks them in
    # Python; PostgreSQL locks them chunk by chunk. Both must apply the same rules.
    created = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    count = CHUNK + 100
    async with services.db.write() as conn:
        await conn.execute(
            insert(teams),
            [
                {
                    "season": "2025" if n == 7 else "2026",
                    "name": f"Team {n}",
                    "name_key": f"team {n}",
                    "track": "student",
                    "captain_id": 10**17 + n,
                    "invite_code": f"B{n:07d}",
                    "created_at": created,
                    "disbanded_at": created if n == 9 else None,
                }
                for n in range(count)
            ],
        )
        ids = dict((await conn.execute(select(teams.c.name, teams.c.id))).tuples().all())
    credits = [
        AutoCredit(team_id=team_id, amount=3, reason="bulk", reference=f"bulk:{team_id}")
        for team_id in ids.values()
    ]
    async with services.db.write() as conn:
        done = await services.points.credit_many(conn, source="results", credits=credits)
    assert len(done) == count - 2
    assert f"bulk:{ids['Team 7']}" not in done  # another season's team
    assert f"bulk:{ids['Team 9']}" not in done  # disbanded
    async with services.db.write() as conn:
        again = await services.points.credit_many(conn, source="results", credits=credits)
    assert again == {}  # every reference already used
