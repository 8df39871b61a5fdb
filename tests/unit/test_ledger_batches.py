"""The ledger's batched writes: many entries appended at once get their own ids back, in
the order given, whichever way the database returns the inserted rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from storage.engine import Database
from storage.queries.points import ledger as ledger_q
from storage.schema import points_ledger
from tests.points_support import add_team

AT = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


def _entry(team_id: int, amount: int, *, reference: str | None = None, reverses: int | None = None):
    return ledger_q.NewEntry(
        season="2026",
        team_id=team_id,
        track="student",
        amount=amount,
        reason="batch",
        source="results",
        reference=reference,
        reverses_id=reverses,
        week_key="2026-W48",
        at=AT,
    )


async def _stored(
    db: Database, ids: list[int]
) -> dict[int, tuple[int, int, str | None, int | None]]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(
                points_ledger.c.id,
                points_ledger.c.team_id,
                points_ledger.c.amount,
                points_ledger.c.reference,
                points_ledger.c.reverses_id,
            ).where(points_ledger.c.id.in_(ids))
        )
        return {int(r[0]): (int(r[1]), int(r[2]), r[3], r[4]) for r in rows}


async def test_a_batch_of_credits_and_reversals_gets_each_entry_its_own_id_in_one_insert(
    db: Database,
):
    teams = [await add_team(db, f"Team {n}") for n in range(6)]
    statements: list[str] = []
    event.listen(
        db.writer.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_rest: statements.append(sql),
    )
    # Given in an order unlike the id order, so a mix-up would show.
    credits = [_entry(t, 10 + n, reference=f"r:{t}") for n, t in enumerate(reversed(teams))]
    async with db.write() as conn:
        credit_ids = await ledger_q.append_entries(conn, credits)
    inserts = [s for s in statements if s.startswith("INSERT INTO points_ledger")]
    assert len(inserts) == 1
    stored = await _stored(db, credit_ids)
    assert [stored[i] for i in credit_ids] == [
        (e.team_id, e.amount, e.reference, None) for e in credits
    ]
    reversals = [
        _entry(e.team_id, -e.amount, reverses=i)
        for e, i in reversed(list(zip(credits, credit_ids, strict=True)))
    ]
    async with db.write() as conn:
        reversal_ids = await ledger_q.append_entries(conn, reversals)
    stored = await _stored(db, reversal_ids)
    assert [stored[i] for i in reversal_ids] == [
        (e.team_id, e.amount, None, e.reverses_id) for e in reversals
    ]


async def test_a_batch_with_an_entry_without_key_still_returns_the_ids_in_order(db: Database):
    teams = [await add_team(db, f"Team {n}") for n in range(3)]
    entries = [
        _entry(teams[2], 7, reference="r:2"),
        _entry(teams[0], 5),
        _entry(teams[1], 6, reference="r:1"),
    ]
    async with db.write() as conn:
        ids = await ledger_q.append_entries(conn, entries)
    stored = await _stored(db, ids)
    assert [stored[i] for i in ids] == [(e.team_id, e.amount, e.reference, None) for e in entries]
