"""The weekly results points: a finished week scored into the ledger exactly once, a changed
score reversed and replaced once, concurrent runs, the closed season, /results rescore and
the weekly job's summary post."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from bot.scheduler import Job
from bot.services.points import PointsService
from bot.services.registry import Services
from bot.services.results.scoring_errors import ResultsSeasonClosed, WeekNotOver
from bot.services.results.scoring_service import ResultsScoringService
from bot.services.results.weekly_points import RESULTS_POINTS_JOB, SUMMARY_PUBLICATION
from storage.engine import Database
from storage.schema import audit_log, points_ledger, season_closures
from tests.conftest import T0
from tests.points_support import add_team, with_rules
from tests.results_support import SetMetrics, add_daily, add_orders, scoring_service, set_review

ORGANIZER = 900


async def _ledger(db: Database) -> list[tuple[int, int, str | None, int | None]]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(
                points_ledger.c.team_id,
                points_ledger.c.amount,
                points_ledger.c.reference,
                points_ledger.c.reverses_id,
            )
            .where(points_ledger.c.source == "results")
            .order_by(points_ledger.c.id)
        )
        return [tuple(row) for row in rows]


async def _totals(db: Database) -> dict[int, int]:
    totals: dict[int, int] = {}
    for team_id, amount, _ref, _rev in await _ledger(db):
        totals[team_id] = totals.get(team_id, 0) + amount
    return totals


@pytest.fixture
async def setup(services: Services) -> tuple[Services, SetMetrics, list[int]]:
    teams = [
        await add_team(services.db, "Alpha"),
        await add_team(services.db, "Beta"),
        await add_team(services.db, "Gamma"),
        await add_team(services.db, "Pro One", track="professional"),
        await add_team(services.db, "Pro Two", track="professional"),
    ]
    metrics = SetMetrics()
    last = services.points.current_week().first_day - dt.timedelta(days=7)
    a, b, c, p1, p2 = teams
    metrics.weeks[last] = {
        a: {"sales": 1200.0, "orders": 30.0, "conversion": 0.02, "roi": 1.5},
        b: {"sales": 800.0, "orders": 40.0, "conversion": 0.04, "roi": None},
        c: {"sales": 800.0, "orders": 10.0, "conversion": 0.01, "roi": 0.5},
        p1: {"sales": 300.0, "roi": 1.0, "conversion": 0.1},
        p2: {"sales": 100.0, "roi": 0.0, "conversion": 0.2},
    }
    return services, metrics, teams


async def test_a_week_is_credited_once_however_often_it_runs(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, (a, b, c, p1, p2) = setup
    scoring = scoring_service(services, metrics)
    week = scoring.weekly.week("last")
    first = await scoring.weekly.run_week(week)
    assert (first.scored, first.credited, first.reversed) == (5, 5, 0)
    again = await scoring.weekly.run_week(week)
    assert (again.credited, again.reversed, again.changed_team_ids) == (0, 0, ())
    # README worked example for the students; pro: sales 50 + roi 30 vs conversion 20.
    assert await _totals(services.db) == {a: 75, b: 50, c: 5, p1: 80, p2: 20}
    refs = [ref for _t, _a, ref, _r in await _ledger(services.db)]
    assert refs[0] == f"results:{week.key}:team:{min(a, b, c, p1, p2)}:r1"
    # The metrics engine was asked for the week's days, Monday to Sunday.
    assert metrics.asked[0] == (week.first_day, week.first_day + dt.timedelta(days=6))
    # The points count in the week they were written (the ledger's rule).
    board = await services.points.week_board(week="current", track="student")
    assert [s.points for s in board.rows] == [75, 50, 5]


async def test_a_changed_score_reverses_the_old_entry_and_credits_the_new_one_once(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, (a, b, c, _p1, _p2) = setup
    scoring = scoring_service(services, metrics)
    week = scoring.weekly.week("last")
    await scoring.weekly.run_week(week)
    # A re-import: Gamma's sales were really the best; Beta's roi appears.
    metrics.weeks[week.first_day][c]["sales"] = 5000.0
    metrics.weeks[week.first_day][b]["roi"] = 0.1
    for _ in range(2):
        run = await scoring.weekly.run_week(week)
    first_rerun = await _ledger(services.db)
    assert run.credited == 0  # the second re-run found nothing to change
    totals = await _totals(services.db)
    # Alpha: sales 0.5 → 20 + orders 15 + conv 10 + roi 10 = 55; Beta: 0 + 30 + 20 + 0 = 50
    # (unchanged: its roi 0.1 beats no one); Gamma: 40 + 0 + 0 + 5 = 45.
    assert (totals[a], totals[b], totals[c]) == (55, 50, 45)
    reversed_teams = sorted(team for team, _a, _ref, rev in first_rerun if rev is not None)
    assert reversed_teams == sorted([a, c])  # Alpha's and Gamma's entries, once each
    replaced = sorted(team for team, _a, ref, rev in first_rerun if ref and ref.endswith(":r2"))
    assert replaced == sorted([a, c])
    # Beta's points did not move, but /results show reads its new roi.
    shown = await scoring.reports.team_breakdown(
        viewer_id=0, team="Beta", week="last", organizer=True
    )
    assert {m.metric: m.value for m in shown.scores}["roi"] == 0.1
    assert shown.credited == 50


async def test_a_score_falling_to_zero_only_reverses(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, (_a, _b, c, _p1, _p2) = setup
    scoring = scoring_service(services, metrics)
    week = scoring.weekly.week("last")
    await scoring.weekly.run_week(week)
    # Gamma's only order is flagged: the engine no longer counts it.
    metrics.weeks[week.first_day][c] = {"sales": None, "orders": None}
    await scoring.weekly.run_week(week)
    totals = await _totals(services.db)
    assert totals[c] == 0
    gamma = [row for row in await _ledger(services.db) if row[0] == c]
    assert [amount for _t, amount, _ref, _rev in gamma] == [5, -5]


async def test_two_runs_at_once_credit_each_team_once(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, teams = setup
    week = scoring_service(services, metrics).weekly.week("last")
    runs = await asyncio.gather(
        scoring_service(services, metrics).weekly.run_week(week),
        scoring_service(services, metrics).weekly.run_week(week),
    )
    assert sum(run.credited for run in runs) == 5
    assert len(await _ledger(services.db)) == 5
    assert set(await _totals(services.db)) == set(teams)


async def test_a_closed_season_is_not_scored_and_rescore_is_refused(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, _teams = setup
    scoring = scoring_service(services, metrics)
    async with services.db.write() as conn:
        await conn.execute(season_closures.insert().values(season="2026", closed_at=T0))
    run = await scoring.weekly.run_week(scoring.weekly.week("last"))
    assert run.credited == 0
    assert await _ledger(services.db) == []
    with pytest.raises(ResultsSeasonClosed):
        await scoring.weekly.rescore(actor_id=ORGANIZER, week="last")


async def test_rescore_takes_finished_weeks_only_and_is_audited(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, _teams = setup
    scoring = scoring_service(services, metrics)
    with pytest.raises(WeekNotOver):
        await scoring.weekly.rescore(actor_id=ORGANIZER, week="current")
    run = await scoring.weekly.rescore(actor_id=ORGANIZER, week="last")
    assert run.credited == 5
    async with services.db.read() as conn:
        (_action, target, details) = (
            await conn.execute(
                select(audit_log.c.action, audit_log.c.target, audit_log.c.details).where(
                    audit_log.c.action == "results.rescore"
                )
            )
        ).one()
    assert target == f"week:{run.week_key}"
    assert details["credited"] == 5


async def test_the_weekly_job_posts_a_summary_per_track_and_schedules_the_next_week(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, _teams = setup
    scoring = scoring_service(services, metrics)
    week = scoring.weekly.week("last")
    due = services.points.post_time(week)
    job = Job(
        1, RESULTS_POINTS_JOB, f"{RESULTS_POINTS_JOB}:2026:{week.key}", due, {"week": week.key}
    )
    result = await scoring.weekly.run_job(job)
    assert [p.key for p in result.publications] == [
        f"results:2026:{week.key}:student",
        f"results:2026:{week.key}:professional",
    ]
    student = result.publications[0]
    assert student.kind == SUMMARY_PUBLICATION
    assert student.resource == "channel:leaderboard"
    assert [(line.rank, line.team, line.points) for line in student.data.lines] == [
        (1, "Alpha", 75),
        (2, "Beta", 50),
        (3, "Gamma", 5),
    ]
    assert result.next_run is not None
    assert result.next_run.when > T0
    assert result.next_run.payload == {"week": services.points.current_week().key}
    # Running the job again (a restart mid-run) credits nothing new.
    await scoring.weekly.run_job(job)
    assert len(await _ledger(services.db)) == 5


async def test_a_fraud_decision_on_stored_orders_moves_the_points_once(services: Services) -> None:
    """The real metrics engine: a flagged order stops counting; the next run reverses the
    team's entry and credits the new score; clearing it restores the first score."""
    scoring = services.results_scoring
    week = scoring.weekly.week("last")
    day = dt.datetime.combine(week.first_day + dt.timedelta(days=2), dt.time(4), dt.UTC)
    alpha = await add_team(services.db, "Alpha")
    beta = await add_team(services.db, "Beta")
    big = await add_orders(services.db, alpha, day, 90_000, 1_000)
    await add_orders(services.db, beta, day, 20_000, 20_000, 20_000)
    for team in (alpha, beta):
        await add_daily(services.db, team, week.first_day, visitors=100.0, ad_spend=50.0)
    await scoring.weekly.run_week(week)
    # Alpha: sales 910 > 600 (40), orders 2 < 3 (0), conversion 0.02 < 0.03 (0), roi (10).
    assert await _totals(services.db) == {alpha: 50, beta: 50}
    await set_review(services.db, alpha, big[0], "flagged")
    run = await scoring.weekly.run_week(week)
    # Alpha falls to 0: its entry is reversed, nothing credited; Beta's is replaced.
    assert (run.credited, run.reversed, run.changed_team_ids) == (1, 2, (alpha, beta))
    assert await _totals(services.db) == {alpha: 0, beta: 100}
    await set_review(services.db, alpha, big[0], "cleared")
    await scoring.weekly.run_week(week)
    await scoring.weekly.run_week(week)
    assert await _totals(services.db) == {alpha: 50, beta: 50}
    assert len(await _ledger(services.db)) == 2 + 3 + 3  # credits, then reversals + credits


def _capped_at_60(services: Services, metrics: SetMetrics) -> ResultsScoringService:
    """Results scoring under a weekly cap of 60 results points."""
    capped = with_rules(services.competition, caps={"results": 60})
    points = PointsService(services.db, services.clock, capped, services.audit)
    return ResultsScoringService(
        services.db, services.clock, capped, metrics, services.audit, points
    )


async def test_results_points_are_trimmed_to_the_weekly_cap_once(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    services, metrics, (a, b, c, _p1, _p2) = setup
    scoring = _capped_at_60(services, metrics)
    week = scoring.weekly.week("last")
    await scoring.weekly.run_week(week)
    await scoring.weekly.run_week(week)
    totals = await _totals(services.db)
    assert (totals[a], totals[b], totals[c]) == (60, 50, 5)  # Alpha's 75 trimmed to 60
    shown = await scoring.reports.team_breakdown(
        viewer_id=0, team="Alpha", week="last", organizer=True
    )
    assert shown.points == 75
    assert shown.credited == totals[a]


async def test_a_rescore_in_the_same_week_frees_the_cap_its_reversal_gives_back(
    setup: tuple[Services, SetMetrics, list[int]],
) -> None:
    # The reversal and the new credit are written in one batch: the cap must count the
    # week's total after the reversal, as if it had been written first.
    services, metrics, (a, _b, _c, _p1, _p2) = setup
    scoring = _capped_at_60(services, metrics)
    week = scoring.weekly.week("last")
    await scoring.weekly.run_week(week)
    assert (await _totals(services.db))[a] == 60  # 75 trimmed
    last = services.points.current_week().first_day - dt.timedelta(days=7)
    metrics.weeks[last][a] = {"sales": 1200.0, "orders": 30.0, "conversion": 0.01, "roi": 1.5}
    run = await scoring.weekly.run_week(week)
    assert (run.credited, run.reversed) == (1, 1)
    ledger = [row for row in await _ledger(services.db) if row[0] == a]
    assert [amount for _team, amount, _ref, _rev in ledger] == [60, -60, 60]
    assert ledger[1][3] is not None  # the reversal names the first entry
