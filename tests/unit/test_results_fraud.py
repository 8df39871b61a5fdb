"""Fraud checks on store orders (issue 17), on the real migrated database: each rule with a
positive and a negative case (the set-based scan and the pure-Python spec agree, evidence
included), idempotent scans, new evidence, withdrawn flags, audited decisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.clock import FrozenClock
from bot.scheduler import Job
from bot.services import fraud as F
from bot.services.fraud import rules as R
from bot.services.registry import Services
from storage.schema import audit_log, results_flags, store_orders
from tests.fraud_support import NOW, B, Ord, add_orders, flags, hourly, reviews
from tests.points_support import add_team

ORG = 100000000000000010
SEC = dt.timedelta(seconds=1)


@pytest.fixture
def fraud(services: Services, clock: FrozenClock) -> F.FraudService:
    clock.set(NOW)
    return services.fraud


async def two_teams(services: Services) -> list[int]:
    return [await add_team(services.db, "Alpha Store"), await add_team(services.db, "Beta Store")]


@dataclass(frozen=True)
class Case:
    orders: list[Ord]
    #: (rule, index of the order in ``orders``, or "team:<team index>") expected flagged
    flagged: set[tuple[str, Any]]


def _burst(gaps: list[int]) -> list[Ord]:
    at, out = B, [Ord(at=B)]
    for gap in gaps:
        at += gap * SEC
        out.append(Ord(at=at))
    return out


def _amounts(amounts: list[int]) -> list[Ord]:
    return [Ord(at=B + dt.timedelta(hours=i), amount=a) for i, a in enumerate(amounts)]


def _refunds(total: int, refunded: int) -> list[Ord]:
    return [
        Ord(at=B + dt.timedelta(hours=i), refunded=i < refunded, status="paid")
        for i in range(total)
    ]


CASES = {
    "order id under two teams": Case(
        [Ord(team=0, order_id="X1"), Ord(team=1, order_id="X1")],
        {(R.ORDER_ID_SHARED, 0), (R.ORDER_ID_SHARED, 1)},
    ),
    "order ids of their own": Case([Ord(team=0, order_id="X1"), Ord(team=1, order_id="X2")], set()),
    "one buyer at two teams": Case(
        [Ord(team=0, buyer="h" * 64), Ord(team=1, buyer="h" * 64)],
        {(R.BUYER_REPEAT, 0), (R.BUYER_REPEAT, 1)},
    ),
    "one buyer with five orders": Case(
        hourly(5, buyer="b" * 64), {(R.BUYER_REPEAT, i) for i in range(5)}
    ),
    "one buyer with four orders at one team": Case(hourly(4, buyer="b" * 64), set()),
    "five orders seconds apart": Case(_burst([10, 5, 30, 1]), {(R.BURST, i) for i in range(5)}),
    "five quick orders with a pause": Case(_burst([10, 5, 31, 1]), set()),
    "four same amounts in a row": Case(
        _amounts([500, 1999, 1999, 1999, 1999, 700]), {(R.SAME_AMOUNT, i) for i in (1, 2, 3, 4)}
    ),
    "same amounts broken by another": Case(_amounts([1999, 1999, 1999, 1998, 1999]), set()),
    "a burst next to a run of one amount": Case(
        [
            *_burst([2, 2, 2, 2]),
            *(Ord(at=B + dt.timedelta(minutes=m), amount=4200) for m in (1, 30, 90, 200)),
            Ord(at=B + dt.timedelta(minutes=201), amount=4200),
        ],
        {(R.BURST, i) for i in range(5)} | {(R.SAME_AMOUNT, i) for i in range(5, 10)},
    ),
    "refund rate above the threshold": Case(_refunds(20, 7), {(R.REFUND_RATE, "team:0")}),
    "refund rate at the threshold": Case(_refunds(20, 6), set()),
    "refund rate of too few orders": Case(_refunds(10, 9), set()),
    "tracking number reused": Case(
        [Ord(team=0, tracking="LP001"), Ord(team=1, tracking="LP001")],
        {(R.TRACKING_REUSED, 0), (R.TRACKING_REUSED, 1)},
    ),
    "tracking numbers of their own": Case([Ord(tracking="LP001"), Ord(tracking="LP002")], set()),
    "parcel never moved for a week": Case(
        [Ord(at=NOW - dt.timedelta(days=8), status="created")], {(R.TRACKING_STALLED, 0)}
    ),
    "parcel recent or moving": Case(
        [
            Ord(at=NOW - dt.timedelta(days=2), status="created"),
            Ord(at=NOW - dt.timedelta(days=8), status="shipped"),
            Ord(at=NOW - dt.timedelta(days=8), status="created", refunded=True),
        ],
        set(),
    ),
    "order before the season start": Case(
        [Ord(at=dt.datetime(2027, 1, 11, 0, 59, tzinfo=dt.UTC))], {(R.BEFORE_START, 0)}
    ),
    "order after the season start": Case(
        [Ord(at=dt.datetime(2027, 1, 11, 1, tzinfo=dt.UTC))], set()
    ),
}


async def test_each_rule_flags_its_positive_case_and_not_its_negative_one_in_sql_and_spec(
    services: Services, fraud: F.FraudService
):
    # one database for every case (a fresh one per case would cost more than the cases)
    team_ids = await two_teams(services)
    for name, case in CASES.items():
        async with services.db.write() as conn:
            await conn.execute(delete(results_flags))
            await conn.execute(delete(store_orders))
        facts = await add_orders(services.db, team_ids, case.orders)

        result = await fraud.scan()

        expected = {
            (
                rule,
                f"team:{team_ids[int(at[5:])]}" if isinstance(at, str) else f"order:{facts[at].id}",
            )
            for rule, at in case.flagged
        }
        stored = {
            (row["rule"], row["subject"]): row["evidence"] for row in await flags(services.db)
        }
        assert set(stored) == expected, name
        assert result.new == len(expected), name
        spec = R.spec(facts, fraud.thresholds(), NOW)
        assert {(f.rule, f.subject): f.evidence for f in spec} == stored, name
        review = await reviews(services.db)
        flagged_orders = {int(s[6:]) for _, s in expected if s.startswith("order:")}
        assert {i for i, r in review.items() if r == "flagged"} == flagged_orders, name


async def test_a_second_scan_of_unchanged_orders_changes_nothing(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    await add_orders(services.db, team_ids, [*_burst([1, 1, 1, 1]), Ord(team=1, order_id="ORD-1")])
    first = await fraud.scan()
    before = await flags(services.db)

    again = await fraud.scan()

    assert first.new == len(before) > 0
    assert (again.new, again.reopened, again.withdrawn) == (0, 0, 0)
    assert again.open_total == first.open_total == len(before)
    assert await flags(services.db) == before


async def audits(services: Services) -> list[tuple[str, str | None, dict[str, Any]]]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            select(audit_log.c.action, audit_log.c.target, audit_log.c.details)
            .where(audit_log.c.action.like("results.%"))
            .order_by(audit_log.c.id)
        )
        return [(a, t, d) for a, t, d in rows]


def counted(review: dict[int, str]) -> set[int]:
    return {row for row, value in review.items() if value in ("ok", "cleared")}


async def test_clearing_and_confirming_a_flag_are_audited_and_set_the_orders_review(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    facts = await add_orders(
        services.db, team_ids, [Ord(at=dt.datetime(2027, 1, 2, tzinfo=dt.UTC)), Ord(), Ord()]
    )
    await fraud.scan()
    [flag] = (await fraud.flagged()).flags
    assert (flag.rule, flag.team_name) == (R.BEFORE_START, "Alpha Store")
    assert counted(await reviews(services.db)) == {facts[1].id, facts[2].id}

    await fraud.decide(actor_id=ORG, flag_id=flag.id, decision=F.CLEARED)
    assert (await reviews(services.db))[facts[0].id] == "cleared"
    assert counted(await reviews(services.db)) == {f.id for f in facts}
    with pytest.raises(F.FlagAlreadyDecided):
        await fraud.decide(actor_id=ORG, flag_id=flag.id, decision=F.CLEARED)

    await fraud.decide(actor_id=ORG, flag_id=flag.id, decision=F.CONFIRMED)
    assert (await reviews(services.db))[facts[0].id] == "confirmed"
    assert counted(await reviews(services.db)) == {facts[1].id, facts[2].id}
    assert [(a, t, d["flag"], d["was"]) for a, t, d in await audits(services)] == [
        ("results.flag_clear", f"team:{team_ids[0]}", flag.id, "open"),
        ("results.flag_confirm", f"team:{team_ids[0]}", flag.id, "cleared"),
    ]
    assert (await fraud.flagged()).total == 0
    with pytest.raises(F.FlagNotFound):
        await fraud.decide(actor_id=ORG, flag_id=flag.id + 99, decision=F.CLEARED)


async def test_an_order_stays_flagged_until_every_open_flag_on_it_is_decided(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    early = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    facts = await add_orders(
        services.db, team_ids, [Ord(at=early, order_id="D"), Ord(team=1, order_id="D")]
    )
    await fraud.scan()
    mine = (await fraud.flagged(team_id=team_ids[0])).flags
    assert {f.rule for f in mine} == {R.BEFORE_START, R.ORDER_ID_SHARED}

    await fraud.decide(actor_id=ORG, flag_id=mine[0].id, decision=F.CLEARED)
    assert (await reviews(services.db))[facts[0].id] == "flagged"
    await fraud.decide(actor_id=ORG, flag_id=mine[1].id, decision=F.CLEARED)
    assert (await reviews(services.db))[facts[0].id] == "cleared"


async def test_a_decided_flag_reopens_only_on_new_evidence_and_a_confirmed_one_stays_confirmed(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    facts = await add_orders(services.db, team_ids, [*_burst([1, 1, 1, 1]), Ord(tracking="T9")])
    await fraud.scan()
    burst = (await fraud.flagged(rule=R.BURST, per_page=10)).flags
    await fraud.decide_open(actor_id=ORG, decision=F.CLEARED, rule=R.BURST, team_id=None)
    await fraud.scan()
    assert (await fraud.flagged(rule=R.BURST)).total == 0

    # new evidence: a sixth order joins the burst; another order reuses a tracking number
    await add_orders(services.db, team_ids, [Ord(at=B + 5 * SEC), Ord(team=1, tracking="T9")])
    assert (await fraud.flagged(rule=R.TRACKING_REUSED)).total == 0
    result = await fraud.scan()

    reopened = (await fraud.flagged(rule=R.BURST, per_page=10)).flags
    assert result.reopened == len(burst) == 5
    assert result.new == 1 + 2  # the sixth burst order, and both orders of tracking T9
    assert {f.evidence["run"] for f in reopened} == {6}
    review = await reviews(services.db)
    assert {review[f.id] for f in facts[:5]} == {"flagged"}

    await fraud.decide_open(actor_id=ORG, decision=F.CONFIRMED, rule=R.BURST, team_id=None)
    await add_orders(services.db, team_ids, [Ord(at=B + 6 * SEC)])
    again = await fraud.scan()
    assert again.reopened == 0
    assert (await fraud.flagged(rule=R.BURST)).total == 1  # only the seventh order
    review = await reviews(services.db)
    assert {review[f.id] for f in facts[:5]} == {"confirmed"}


async def test_an_open_flag_is_withdrawn_when_a_correction_clears_its_rule(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    [order] = await add_orders(
        services.db, team_ids, [Ord(at=dt.datetime(2027, 1, 2, tzinfo=dt.UTC))]
    )
    await fraud.scan()
    async with services.db.write() as conn:
        await conn.execute(update(store_orders).values(ordered_at=B))

    result = await fraud.scan(team_ids=[team_ids[0]])

    assert (result.withdrawn, result.open_total) == (1, 0)
    assert (await reviews(services.db))[order.id] == "ok"
    assert [row["status"] for row in await flags(services.db)] == ["withdrawn"]
    [flag_id] = [row["id"] for row in await flags(services.db)]
    with pytest.raises(F.FlagWithdrawn):
        await fraud.decide(actor_id=ORG, flag_id=flag_id, decision=F.CONFIRMED)


async def test_a_scan_after_an_import_judges_only_its_teams_but_compares_across_the_season(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    await add_orders(
        services.db,
        team_ids,
        [
            *(Ord(team=1, at=B + i * SEC) for i in range(5)),
            Ord(team=0, order_id="S"),
            Ord(team=1, order_id="S"),
        ],
    )

    @dataclass(frozen=True)
    class Applied:
        season: str
        team_ids: frozenset[int]

    await fraud.on_import_applied(Applied("2025", frozenset({team_ids[0]})))
    assert await flags(services.db) == []
    await fraud.on_import_applied(Applied("2026", frozenset({team_ids[0]})))

    assert {(row["rule"], row["team_id"]) for row in await flags(services.db)} == {
        (R.ORDER_ID_SHARED, team_ids[0]),
        (R.ORDER_ID_SHARED, team_ids[1]),
    }


async def test_bulk_decisions_need_a_rule_or_team_and_are_audited_once(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    await add_orders(
        services.db, team_ids, [*hourly(5, team=1, buyer="z" * 64), *_burst([1, 1, 1, 1])]
    )
    await fraud.scan()
    with pytest.raises(F.BulkNeedsFilter):
        await fraud.decide_open(actor_id=ORG, decision=F.CLEARED, rule=None, team_id=None)
    with pytest.raises(F.UnknownRule):
        await fraud.decide_open(actor_id=ORG, decision=F.CLEARED, rule="nope", team_id=None)

    done = await fraud.decide_open(
        actor_id=ORG, decision=F.CONFIRMED, rule=R.BUYER_REPEAT, team_id=team_ids[1]
    )

    assert done.count == 5
    assert await fraud.open_counts() == {R.BURST: 5}
    [(action, target, details)] = await audits(services)
    assert (action, target, details["count"], details["rule"]) == (
        "results.flags_confirm",
        f"team:{team_ids[1]}",
        5,
        R.BUYER_REPEAT,
    )
    with pytest.raises(F.NoOpenFlags):
        await fraud.decide_open(actor_id=ORG, decision=F.CLEARED, rule=R.BUYER_REPEAT, team_id=None)


async def test_the_queue_pages_oldest_first_and_filters_by_rule_and_team(
    services: Services, fraud: F.FraudService
):
    team_ids = await two_teams(services)
    await add_orders(
        services.db,
        team_ids,
        [*_burst([1, 1, 1, 1]), *(Ord(team=1, tracking="DUP") for _ in range(2))],
    )
    await fraud.scan()

    first = await fraud.flagged()
    last = await fraud.flagged(page=9)

    assert (first.total, first.pages, len(first.flags)) == (7, 2, F.PAGE_SIZE)
    assert (last.page, len(last.flags)) == (2, 3)
    ids = [f.id for f in first.flags + last.flags]
    assert ids == sorted(ids)
    assert {f.team_id for f in (await fraud.flagged(team_id=team_ids[1])).flags} == {team_ids[1]}
    assert (await fraud.flagged(rule=R.TRACKING_REUSED)).total == 2


def test_the_season_start_is_the_configured_day_or_the_first_round(
    services: Services, fraud: F.FraudService
):
    assert fraud.thresholds().season_start == dt.datetime(2027, 1, 11, 1, tzinfo=dt.UTC)
    results = services.competition.results.model_copy(
        update={
            "fraud": services.competition.results.fraud.model_copy(
                update={"season_start": dt.date(2027, 1, 4)}
            )
        }
    )
    fraud.competition = services.competition.model_copy(update={"results": results})
    # midnight in Asia/Shanghai
    assert fraud.thresholds().season_start == dt.datetime(2027, 1, 3, 16, tzinfo=dt.UTC)


async def test_the_nightly_scan_flags_a_parcel_that_stalled_with_time_and_asks_for_the_next_night(
    services: Services, fraud: F.FraudService, clock: FrozenClock
):
    team_ids = await two_teams(services)
    [order] = await add_orders(
        services.db, team_ids, [Ord(at=NOW - dt.timedelta(days=3), status="created")]
    )
    await fraud.ensure_scan_job()
    key, when = fraud.next_scan()
    assert when == dt.datetime(2027, 2, 10, 20, 30, tzinfo=dt.UTC)  # 04:30 in Shanghai
    assert await fraud.scan() == F.ScanResult(0, 0, 0, 0)

    clock.set(NOW + dt.timedelta(days=5))
    job = Job(id=1, kind=F.SCAN_JOB, key=key, run_at=when, payload={})
    ran = await fraud.run_scan_job(job)

    assert [(row["rule"], row["subject"]) for row in await flags(services.db)] == [
        (R.TRACKING_STALLED, f"order:{order.id}")
    ]
    assert ran.next_run is not None
    assert (ran.next_run.kind, ran.next_run.when) == (F.SCAN_JOB, when + dt.timedelta(days=1))
    assert ran.next_run.key == f"{F.SCAN_JOB}:2027-02-12"
