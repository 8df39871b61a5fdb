"""``[results]``: the store-results metrics (base and derived), the season's currency rates
and the column mapping of each store platform's export files."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Annotated, Final, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.config.fields import _issue, _Model
from bot.config.results_fraud import FRAUD_FIXES, FraudSection
from bot.config.results_scoring import ScoringSection

_METRIC_KEY: Final = r"^[a-z][a-z0-9_]{0,39}$"
_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")

MetricKey = Annotated[str, StringConstraints(pattern=_METRIC_KEY)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=100)]

MetricUnit = Literal["count", "money", "ratio", "percent"]

#: What an order-based metric counts, over a team's counted orders: ``orders`` (how many),
#: ``sales`` (their amounts in the base currency) and ``buyers`` (distinct buyer hashes).
ORDER_METRICS: Final[tuple[str, ...]] = ("orders", "sales", "buyers")

#: The order fields a platform maps to its own column names (``order_id``, ``ordered_at``
#: and ``amount`` are required; the others may be absent from a platform's export).
ORDER_FIELDS: Final[tuple[str, ...]] = (
    "team",
    "order_id",
    "ordered_at",
    "amount",
    "currency",
    "country",
    "category",
    "channel",
    "buyer",
    "tracking_number",
    "status",
    "refunded",
)
REQUIRED_ORDER_FIELDS: Final[tuple[str, ...]] = ("order_id", "ordered_at", "amount")


class MetricSpec(_Model):
    """One base metric: ``from = "orders"`` computes it from the imported order rows
    (``orders``, ``sales`` or ``buyers``); ``from = "daily"`` from the per-day aggregates,
    summed over the days (``aggregate = "sum"``) or the last day's value (``"last"``, for
    levels such as followers)."""

    key: MetricKey
    unit: MetricUnit = "count"
    source: Literal["orders", "daily"] = Field(default="daily", alias="from")
    aggregate: Literal["sum", "last"] = "sum"

    @model_validator(mode="after")
    def _order_metric_known(self) -> MetricSpec:
        if self.source == "orders" and self.key not in ORDER_METRICS:
            raise ValueError(
                f"an order-based metric is one of {', '.join(ORDER_METRICS)} (got {self.key!r})"
            )
        return self


class DerivedMetric(_Model):
    """A metric computed from others: ``formula`` uses metric keys, numbers, + - * / and
    parentheses, e.g. ``"(sales - ad_spend) / ad_spend"``. Division by zero gives no value."""

    key: MetricKey
    formula: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    unit: MetricUnit = "ratio"

    @field_validator("formula")
    @classmethod
    def _formula_parses(cls, value: str) -> str:
        formula_names(value)
        return value


class PlatformMapping(_Model):
    """How one store platform's export names its columns (``kind = "orders"``), or the
    layout of a per-team daily aggregates file (``kind = "daily"``: a ``day`` column, an
    optional ``team`` and ``currency`` column, and one column per daily metric key)."""

    kind: Literal["orders", "daily"] = "orders"
    columns: dict[str, ColumnName] = Field(default_factory=dict)
    """Order field → the export's column header (matched without regard to case)."""
    currency: CurrencyCode | None = None
    """The currency of amounts when the export has no currency column (default: base)."""
    timezone: str | None = None
    """The timezone of times without an offset (default: the competition's)."""
    time_format: str | None = None
    """A ``strptime`` format for times that are not ISO 8601, e.g. ``"%d/%m/%Y %H:%M"``."""

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(ORDER_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown order field(s) {', '.join(unknown)}; use {', '.join(ORDER_FIELDS)}"
            )
        return value

    def column(self, field: str) -> str:
        """The header of ``field`` in this platform's export (default: the field's name)."""
        return self.columns.get(field, field)


def _default_metrics() -> tuple[MetricSpec, ...]:
    return (
        MetricSpec.model_validate({"key": "orders", "unit": "count", "from": "orders"}),
        MetricSpec.model_validate({"key": "sales", "unit": "money", "from": "orders"}),
        MetricSpec.model_validate({"key": "visitors", "unit": "count", "from": "daily"}),
        MetricSpec.model_validate({"key": "ad_spend", "unit": "money", "from": "daily"}),
        MetricSpec.model_validate(
            {"key": "followers", "unit": "count", "from": "daily", "aggregate": "last"}
        ),
    )


def _default_derived() -> tuple[DerivedMetric, ...]:
    return (
        DerivedMetric(key="aov", formula="sales / orders", unit="money"),
        DerivedMetric(key="conversion", formula="orders / visitors", unit="percent"),
        DerivedMetric(key="roi", formula="(sales - ad_spend) / ad_spend", unit="ratio"),
    )


def _default_platforms() -> dict[str, PlatformMapping]:
    return {"generic": PlatformMapping(), "daily": PlatformMapping(kind="daily")}


class ResultsSection(_Model):
    """``[results]``: metrics, currency rates and the store platforms' export layouts."""

    base_currency: CurrencyCode = "USD"
    rates: dict[CurrencyCode, Annotated[float, Field(gt=0, lt=1e9)]] = Field(default_factory=dict)
    """Currency → how many base-currency units one unit of it is worth this season."""
    metrics: tuple[MetricSpec, ...] = Field(default_factory=_default_metrics, min_length=1)
    derived: tuple[DerivedMetric, ...] = Field(default_factory=_default_derived)
    platforms: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,40}$")], PlatformMapping
    ] = Field(default_factory=_default_platforms, min_length=1)
    scoring: ScoringSection = Field(default_factory=ScoringSection)
    fraud: FraudSection = Field(default_factory=FraudSection)

    @model_validator(mode="after")
    def _keys_consistent(self) -> ResultsSection:
        issues: list[tuple[tuple[str | int, ...], str, str]] = []
        known: set[str] = set()
        for index, metric in enumerate(self.metrics):
            if metric.key in known:
                issues.append(
                    (("metrics", index, "key"), f"repeats metric {metric.key!r}", _KEY_FIX)
                )
            known.add(metric.key)
        for index, derived in enumerate(self.derived):
            if derived.key in known:
                issues.append(
                    (("derived", index, "key"), f"repeats metric {derived.key!r}", _KEY_FIX)
                )
            missing = sorted(formula_names(derived.formula) - known)
            if missing:
                issues.append(
                    (
                        ("derived", index, "formula"),
                        f"uses {', '.join(missing)}, not a metric defined above it",
                        "use keys of [[results.metrics]] or of an earlier [[results.derived]].",
                    )
                )
            known.add(derived.key)
        for name, platform in self.platforms.items():
            currency = platform.currency
            if (
                currency is not None
                and currency != self.base_currency
                and currency not in (self.rates)
            ):
                issues.append(
                    (
                        ("platforms", name, "currency"),
                        f"{currency} has no rate in [results.rates]",
                        f"add {currency} = <rate to {self.base_currency}> to [results.rates].",
                    )
                )
        if issues:
            raise _issue(*issues)
        return self

    @model_validator(mode="after")
    def _scored_metrics_known(self) -> ResultsSection:
        known = set(self.metric_keys)
        issues: list[tuple[tuple[str | int, ...], str, str]] = [
            (
                ("scoring", "tracks", index, "weights", key),
                f"weighs {key!r}, which is not a metric of [results]",
                f"use one of: {', '.join(self.metric_keys)}.",
            )
            for index, entry in enumerate(self.scoring.tracks)
            for key in entry.weights
            if key not in known
        ]
        if issues:
            raise _issue(*issues)
        return self

    @property
    def rate_table(self) -> Mapping[str, float]:
        """Every accepted currency with its rate to the base currency (the base's is 1)."""
        return {**self.rates, self.base_currency: 1.0}

    def metric(self, key: str) -> MetricSpec | None:
        """The base metric called ``key``, or None."""
        return next((m for m in self.metrics if m.key == key), None)

    @property
    def metric_keys(self) -> tuple[str, ...]:
        """Every metric key, base ones first, then derived ones in their order."""
        return tuple(m.key for m in self.metrics) + tuple(d.key for d in self.derived)


_KEY_FIX: Final = "give every metric its own key (lower-case letters, digits, underscores)."

RESULTS_FIXES: Final[dict[str, str]] = {
    "results": "make [results] a table (see competition.example.toml).",
    **FRAUD_FIXES,
    "results.base_currency": 'use an ISO 4217 currency code in capitals, e.g. "USD".',
    "results.rates*": (
        "map ISO 4217 codes to a positive rate to the base currency, e.g. EUR = 1.08."
    ),
    "results.metrics*": (
        'use [[results.metrics]] blocks with key, unit ("count", "money", "ratio", '
        '"percent") and from ("orders" for orders/sales/buyers, or "daily").'
    ),
    "results.derived*": (
        'use [[results.derived]] blocks with key, formula (e.g. "sales / orders") and unit.'
    ),
    "results.platforms*": (
        "use [results.platforms.<name>] tables with kind (orders or daily), columns "
        "(field = header), currency, timezone and time_format."
    ),
}


_ALLOWED_NODES: Final = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
)


def parse_formula(formula: str) -> ast.Expression:
    """The formula's syntax tree, refused (ValueError) unless it is only metric names,
    numbers, + - * / and parentheses."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError:
        raise ValueError(f"is not a formula of metric keys and + - * / ( ): {formula!r}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES) or (
            isinstance(node, ast.Constant)
            and (isinstance(node.value, bool) or not isinstance(node.value, int | float))
        ):
            raise ValueError(f"may use only metric keys, numbers and + - * / ( ): {formula!r}")
    return tree


def formula_names(formula: str) -> set[str]:
    """The metric keys a formula uses (ValueError when it is not a valid formula)."""
    return {node.id for node in ast.walk(parse_formula(formula)) if isinstance(node, ast.Name)}
