"""The metrics engine's pure part: derived metrics from base ones, and currency conversion."""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from bot.config.results import DerivedMetric, parse_formula

#: ISO 4217 currencies whose minor unit is not the hundredth (all others have 2 decimals).
MINOR_DIGITS: Final[Mapping[str, int]] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip

_Value = float | None
_Evaluator = Callable[[Mapping[str, _Value]], _Value]


class UnknownCurrency(ValueError):
    """A currency with no rate in ``[results.rates]`` (and not the base currency)."""


def minor_digits(currency: str) -> int:
    """How many decimals the currency's minor unit has (2 for most, 0 for JPY, 3 for KWD)."""
    return MINOR_DIGITS.get(currency, 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """A major-unit amount (``Decimal("12.34")``) in minor units of ``currency``, rounded
    half up (1234 cents)."""
    scaled = amount.scaleb(minor_digits(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_base(amount_minor: int, currency: str, rates: Mapping[str, float], *, base: str) -> int:
    """``amount_minor`` of ``currency`` in minor units of the ``base`` currency, at the
    season's rate (``rates[currency]`` base units per unit), rounded half up.

    ``rates`` is ``ResultsSection.rate_table`` (the base currency's rate is 1).

    Raises:
        UnknownCurrency: when ``currency`` has no rate.
    """
    if currency == base:
        return amount_minor
    rate = rates.get(currency)
    if rate is None:
        raise UnknownCurrency(currency)
    scale = 10.0 ** (minor_digits(base) - minor_digits(currency))
    value = amount_minor * rate * scale
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def minor_to_major(amount_minor: int | float, currency: str) -> float:
    """Minor units (cents) as a major-unit number (dollars)."""
    return float(amount_minor) / float(10 ** minor_digits(currency))


def derive(
    base: Mapping[str, float | None], specs: Sequence[DerivedMetric]
) -> dict[str, float | None]:
    """Every base metric given plus every derived one, in ``specs`` order (a derived metric
    may use earlier ones). A formula whose inputs are missing or None, or that divides by
    zero, gives None: an average order value with no orders is no value, not 0."""
    return derive_in_place({key: _number(value) for key, value in base.items()}, specs)


def derive_in_place(
    values: dict[str, float | None], specs: Sequence[DerivedMetric]
) -> dict[str, float | None]:
    """``derive`` on a dict of floats (or None) the caller made for it: the derived metrics
    are added to ``values`` itself, which is returned (the weekly run derives 10,000
    teams' metrics: no copy of each)."""
    for spec in specs:
        values[spec.key] = _compiled(spec.formula)(values)
    return values


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


@functools.lru_cache(maxsize=256)
def _compiled(formula: str) -> _Evaluator:
    return _build(parse_formula(formula).body)


def _build(node: ast.expr) -> _Evaluator:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        constant = float(node.value)
        return lambda _values: constant
    if isinstance(node, ast.Name):
        name = node.id
        return lambda values: values.get(name)
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return lambda values: None if (v := operand(values)) is None else sign * v
    if isinstance(node, ast.BinOp):
        return _binary(node.op, _build(node.left), _build(node.right))
    raise ValueError(f"unsupported formula node {type(node).__name__}")  # parse_formula checked


def _divide(a: float, b: float) -> _Value:
    return None if b == 0 else a / b


#: The arithmetic of each operator ``parse_formula`` allows; division by zero is no value.
_OPERATIONS: dict[type[ast.operator], Callable[[float, float], _Value]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _divide,
}


def _binary(op: ast.operator, left: _Evaluator, right: _Evaluator) -> _Evaluator:
    # The operation is picked once, when the formula is compiled, not at each evaluation
    # (derived metrics are evaluated for every team of the season each week).
    operation = _OPERATIONS.get(type(op), _divide)

    def evaluate(values: Mapping[str, _Value]) -> _Value:
        a, b = left(values), right(values)
        if a is None or b is None:
            return None
        return operation(a, b)

    return evaluate
