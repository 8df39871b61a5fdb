"""The store-results metrics engine: derived metrics (division by zero included), currency
conversion, the [results] config's checks, and team metrics and breakdowns over stored rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from bot.config import ConfigError, load_competition
from bot.config.results import DerivedMetric, MetricSpec, ResultsSection
from bot.services.registry import Services
from bot.services.results import UnknownCurrency, derive, to_base, to_minor
from bot.services.results.service import ResultsService
from storage.schema import store_daily, store_orders
from tests.conftest import EXAMPLE_COMPETITION
from tests.points_support import add_team

DEFAULT_DERIVED = ResultsSection().derived
RATES = {"EUR": 1.08, "JPY": 0.0067, "KWD": 3.25, "USD": 1.0}


def test_average_order_value_is_sales_over_orders():
    values = derive({"orders": 4, "sales": 100.0, "visitors": 0, "ad_spend": 0}, DEFAULT_DERIVED)
    assert values["aov"] == 25.0
    assert (values["orders"], values["sales"]) == (4.0, 100.0)


def test_conversion_is_orders_over_visitors():
    values = derive({"orders": 3, "sales": 30.0, "visitors": 200, "ad_spend": 10}, DEFAULT_DERIVED)
    assert values["conversion"] == pytest.approx(0.015)


def test_roi_is_sales_minus_spend_over_spend():
    values = derive({"orders": 3, "sales": 150.0, "visitors": 9, "ad_spend": 50}, DEFAULT_DERIVED)
    assert values["roi"] == pytest.approx(2.0)
    losing = derive({"orders": 1, "sales": 20.0, "visitors": 9, "ad_spend": 50}, DEFAULT_DERIVED)
    assert losing["roi"] == pytest.approx(-0.6)


def test_every_derived_metric_divided_by_zero_has_no_value():
    values = derive({"orders": 0, "sales": 0.0, "visitors": 0, "ad_spend": 0}, DEFAULT_DERIVED)
    assert (values["aov"], values["conversion"], values["roi"]) == (None, None, None)


def test_a_missing_input_gives_no_value_and_later_formulas_may_use_earlier_ones():
    specs = (
        DerivedMetric(key="aov", formula="sales / orders"),
        DerivedMetric(key="aov_cents", formula="aov * 100 + -0"),
    )
    assert derive({"sales": 10.0, "orders": 4}, specs)["aov_cents"] == 250.0
    assert derive({"sales": 10.0, "orders": 0}, specs)["aov_cents"] is None
    assert derive({"sales": 10.0}, specs) == {"sales": 10.0, "aov": None, "aov_cents": None}


def test_conversion_to_the_base_currency_uses_the_rate_and_minor_units():
    assert to_base(1000, "EUR", RATES, base="USD") == 1080  # 10.00 EUR = 10.80 USD
    assert to_base(1000, "JPY", RATES, base="USD") == 670  # ¥1000 = 6.70 USD (JPY has no cents)
    assert to_base(1500, "KWD", RATES, base="USD") == 488  # 1.500 KWD = 4.875 → 4.88 USD
    assert to_base(1234, "USD", RATES, base="USD") == 1234
    assert to_base(149, "USD", {"USD": 150.0, "JPY": 1.0}, base="JPY") == 224  # 1.49 USD → ¥223.5


def test_an_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        to_base(100, "XYZ", RATES, base="USD")


def test_amounts_become_minor_units_rounded_half_up():
    from decimal import Decimal

    assert to_minor(Decimal("12.345"), "USD") == 1235
    assert to_minor(Decimal("1000"), "JPY") == 1000
    assert to_minor(Decimal("1.2345"), "KWD") == 1235


def test_a_formula_naming_an_unknown_metric_is_a_config_problem(tmp_path: Path):
    text = EXAMPLE_COMPETITION.read_text(encoding="utf-8")
    text = text.replace('formula = "orders / visitors"', 'formula = "orders / visits"')
    path = tmp_path / "competition.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_competition(path)
    lines = [problem.line() for problem in caught.value.problems]
    assert len(lines) == 1
    assert "results.derived" in lines[0]
    assert "visits" in lines[0]


@pytest.mark.parametrize("formula", ["sales ** 2", "__import__('os')", "sales /", "orders < 3"])
def test_a_formula_with_anything_but_arithmetic_is_refused(formula: str):
    with pytest.raises(ValueError, match=r"formula|metric keys"):
        DerivedMetric(key="bad", formula=formula)


def test_a_platform_currency_without_rate_is_refused():
    with pytest.raises(ValueError, match="no rate"):
        ResultsSection.model_validate({"platforms": {"x": {"currency": "EUR"}}})


# -- metrics over stored rows ---------------------------------------------------------------

SEASON = "2026"
NOW = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


async def _orders(services: Services, team_id: int, *rows: dict[str, Any]) -> None:
    values = []
    for index, row in enumerate(rows):
        values.append(
            {
                "season": SEASON,
                "team_id": team_id,
                "order_id": row.get("order_id", f"o{team_id}-{index}"),
                "ordered_at": row.get("at", NOW),
                "amount_minor": row["base"],
                "currency": "USD",
                "amount_base_minor": row["base"],
                "country": row.get("country"),
                "category": row.get("category"),
                "channel": row.get("channel"),
                "buyer_hash": row.get("buyer"),
                "status": row.get("status", "paid"),
                "refunded": row.get("refunded", False),
                "review": row.get("review", "ok"),
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    async with services.db.write() as conn:
        await conn.execute(insert(store_orders), values)


async def _daily(services: Services, team_id: int, day: dt.date, **metrics: float) -> None:
    async with services.db.write() as conn:
        await conn.execute(
            insert(store_daily),
            [
                {
                    "season": SEASON,
                    "team_id": team_id,
                    "day": day,
                    "metric": key,
                    "value": value,
                    "updated_at": NOW,
                }
                for key, value in metrics.items()
            ],
        )


async def test_team_metrics_count_only_ok_or_cleared_orders_not_cancelled_or_refunded(
    services: Services,
):
    team = await add_team(services.db, "Alpha")
    await _orders(
        services,
        team,
        {"base": 1000, "buyer": "b1"},
        {"base": 3000, "buyer": "b2", "review": "cleared"},
        {"base": 5000, "review": "flagged"},
        {"base": 7000, "review": "confirmed"},
        {"base": 9000, "status": "cancelled"},
        {"base": 11000, "refunded": True},
    )
    await _daily(services, team, dt.date(2026, 11, 24), visitors=100, ad_spend=10, followers=5)
    await _daily(services, team, dt.date(2026, 11, 25), visitors=100, ad_spend=10, followers=8)
    metrics = (await services.results.team_metrics())[team]
    assert metrics == {
        "orders": 2.0,
        "sales": 40.0,
        "visitors": 200.0,
        "ad_spend": 20.0,
        "followers": 8.0,
        "aov": 20.0,
        "conversion": 0.01,
        "roi": 1.0,
    }


async def test_team_metrics_take_local_days_and_name_teams_without_data(services: Services):
    team = await add_team(services.db, "Alpha")
    quiet = await add_team(services.db, "Quiet")
    # 2026-11-24 23:30 in Shanghai is 15:30 UTC the same day; 2026-11-25 00:10 local is
    # 16:10 UTC on the 24th.
    await _orders(
        services,
        team,
        {"base": 1000, "at": dt.datetime(2026, 11, 24, 15, 30, tzinfo=dt.UTC)},
        {"base": 2000, "at": dt.datetime(2026, 11, 24, 16, 10, tzinfo=dt.UTC)},
    )
    await _daily(services, team, dt.date(2026, 11, 24), visitors=10)
    await _daily(services, team, dt.date(2026, 11, 25), visitors=30)
    day = dt.date(2026, 11, 25)
    metrics = await services.results.team_metrics(team_ids=[team, quiet], start=day, end=day)
    assert (metrics[team]["orders"], metrics[team]["sales"], metrics[team]["visitors"]) == (
        1.0,
        20.0,
        30.0,
    )
    assert (metrics[quiet]["orders"], metrics[quiet]["aov"]) == (0.0, None)


async def test_breakdown_by_country_gives_order_metrics_per_group(services: Services):
    team = await add_team(services.db, "Alpha")
    await _orders(
        services,
        team,
        {"base": 1000, "country": "DE"},
        {"base": 3000, "country": "DE"},
        {"base": 500, "country": "FR"},
        {"base": 800},
        {"base": 900, "country": "FR", "review": "flagged"},
    )
    groups = (await services.results.breakdown(by="country"))[team]
    assert set(groups) == {"DE", "FR", ""}
    assert (groups["DE"]["orders"], groups["DE"]["sales"], groups["DE"]["aov"]) == (2, 40, 20)
    assert groups["FR"]["orders"] == 1.0
    assert (groups["DE"]["visitors"], groups["DE"]["conversion"]) == (None, None)


async def test_metrics_of_many_teams_read_without_an_id_list_keep_exactly_the_named_teams(
    services: Services, monkeypatch: pytest.MonkeyPatch
):
    alpha = await add_team(services.db, "Alpha")
    beta = await add_team(services.db, "Beta")
    other = await add_team(services.db, "Other")
    quiet = await add_team(services.db, "Quiet")
    for team, base in ((alpha, 1000), (beta, 2000), (other, 9000)):
        await _orders(services, team, {"base": base, "country": "DE"}, {"base": base})
        await _daily(services, team, dt.date(2026, 11, 25), visitors=base, followers=base)
    named = [alpha, beta, quiet]
    bound = await services.results.team_metrics(team_ids=named)
    bound_groups = await services.results.breakdown(by="country", team_ids=named)
    # Above BOUND_TEAMS ids the queries read the season's rows and keep the named teams.
    monkeypatch.setattr("storage.queries.results.BOUND_TEAMS", 1)
    kept = await services.results.team_metrics(team_ids=named)
    kept_groups = await services.results.breakdown(by="country", team_ids=named)
    assert kept == bound
    assert set(kept) == {alpha, beta, quiet}
    assert (kept[beta]["orders"], kept[beta]["sales"], kept[beta]["visitors"]) == (2, 40, 2000)
    assert (kept[beta]["followers"], kept[quiet]["sales"], kept[quiet]["aov"]) == (2000, 0, None)
    assert kept_groups == bound_groups
    assert set(kept_groups) == {alpha, beta}


async def test_distinct_buyers_are_counted_only_when_a_metric_uses_them(services: Services):
    team = await add_team(services.db, "Alpha")
    await _orders(
        services,
        team,
        {"base": 1000, "buyer": "b1"},
        {"base": 1000, "buyer": "b1"},
        {"base": 1000, "buyer": "b2"},
        {"base": 1000, "buyer": "b3", "review": "flagged"},
    )
    assert "buyers" not in (await services.results.team_metrics())[team]
    results = services.competition.results
    buyers = MetricSpec.model_validate({"key": "buyers", "from": "orders"})
    competition = services.competition.model_copy(
        update={"results": results.model_copy(update={"metrics": [*results.metrics, buyers]})}
    )
    engine = ResultsService(services.db, services.clock, competition, services.audit)
    metrics = (await engine.team_metrics())[team]
    assert (metrics["orders"], metrics["buyers"]) == (3, 2)
