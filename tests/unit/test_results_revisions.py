"""The weekly results run skips a week whose inputs, configuration and teams are as its
last complete run saw them, and every kind of input write makes it look again."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import insert

from bot.services.registry import Services
from storage.queries.results import daily as daily_q
from storage.queries.results import orders as orders_q
from storage.queries.results_fraud import sync_reviews
from storage.schema import results_imports
from tests.points_support import add_team
from tests.results_support import SetMetrics, add_orders, scoring_service

NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


async def _revision(services: Services) -> str:
    return await services.results.inputs_revision()


async def test_every_write_of_scoring_inputs_moves_the_revision(services: Services) -> None:
    team = await add_team(services.db, "Alpha")
    seen = [await _revision(services)]
    order = {
        "season": "2026",
        "team_id": team,
        "order_id": "A-1",
        "ordered_at": NOW,
        "amount_minor": 1000,
        "currency": "USD",
        "amount_base_minor": 1000,
        "country": "US",
        "category": None,
        "channel": None,
        "buyer_hash": None,
        "tracking_number": None,
        "status": "paid",
        "refunded": False,
        "source_line": 2,
    }
    async with services.db.write() as conn:
        import_id = await conn.scalar(
            insert(results_imports)
            .values(
                season="2026",
                kind="orders",
                platform="shopify",
                filename="a.csv",
                sha256="0" * 64,
                refused=[],
                created_at=NOW,
            )
            .returning(results_imports.c.id)
        )
        assert import_id is not None
        await orders_q.insert_orders(conn, [order], import_id=import_id, now=NOW)
    seen.append(await _revision(services))
    async with services.db.write() as conn:
        row_id = (await orders_q.existing(conn, "2026", [(team, "A-1")]))[(team, "A-1")]["id"]
        await orders_q.correct_orders(
            conn,
            [
                {
                    **{
                        k: v for k, v in order.items() if k not in ("season", "team_id", "order_id")
                    },
                    "row_id": row_id,
                    "amount_base_minor": 2000,
                    "import_id": import_id,
                    "updated_at": NOW,
                }
            ],
            [{"order_row_id": row_id, "import_id": import_id, "previous": {}, "replaced_at": NOW}],
            season="2026",
            team_ids=[team],
        )
    seen.append(await _revision(services))
    async with services.db.write() as conn:
        await daily_q.replace_days(
            conn,
            [
                {
                    "season": "2026",
                    "team_id": team,
                    "day": NOW.date(),
                    "metric": "visitors",
                    "value": 40.0,
                    "import_id": import_id,
                    "updated_at": NOW,
                }
            ],
        )
    seen.append(await _revision(services))
    async with services.db.write() as conn:
        await sync_reviews(conn, [row_id], season="2026")
    seen.append(await _revision(services))
    assert len(set(seen)) == len(seen)  # each write moved it
    # ... and recorded the team it wrote for, at the revision it made.
    for before, after in itertools.pairwise(seen):
        assert await services.results.changed_teams(since=before) == {team}
        assert await services.results.changed_teams(since=after) == (
            frozenset() if after == seen[-1] else {team}
        )
    async with services.db.write() as conn:
        await sync_reviews(conn, [], season="2026")  # nothing reviewed: nothing moves
    assert await _revision(services) == seen[-1]


async def test_a_week_nothing_changed_for_is_not_read_again(services: Services) -> None:
    a = await add_team(services.db, "Alpha")
    b = await add_team(services.db, "Beta")
    metrics = SetMetrics()
    scoring = scoring_service(services, metrics)
    week = scoring.weekly.week("last")
    metrics.weeks[week.first_day] = {
        a: {"sales": 100.0, "orders": 3.0, "conversion": 0.1, "roi": 1.0},
        b: {"sales": 50.0, "orders": 1.0, "conversion": 0.2, "roi": 0.5},
    }
    first = await scoring.weekly.run_week(week)
    asked = len(metrics.asked)
    again = await scoring.weekly.run_week(week)
    assert (again.scored, again.credited, again.reversed) == (2, 0, 0)
    assert len(metrics.asked) == asked  # not even read
    assert first.credited == 2
    # A team joining moves every other team's rank: the week is scored again.
    c = await add_team(services.db, "Gamma")
    joined = await scoring.weekly.run_week(week)
    assert len(metrics.asked) == asked + 1
    assert joined.scored == 3
    assert c in joined.changed_team_ids


async def test_a_run_after_new_orders_scores_the_week_again_on_the_stored_data(
    services: Services,
) -> None:
    a = await add_team(services.db, "Alpha")
    b = await add_team(services.db, "Beta")
    scoring = services.results_scoring
    week = scoring.weekly.week("last")
    day = dt.datetime.combine(week.first_day, dt.time(12), dt.UTC)
    await add_orders(services.db, a, day, 5000)
    await add_orders(services.db, b, day, 1000, prefix="b")
    await scoring.weekly.run_week(week)
    before = await scoring.weekly.run_week(week)
    assert before.changed_team_ids == ()
    # Beta's late orders arrive: its sales now beat Alpha's.
    await add_orders(services.db, b, day, 9000, 9000, prefix="late")
    after = await scoring.weekly.run_week(week)
    assert set(after.changed_team_ids) == {a, b}
