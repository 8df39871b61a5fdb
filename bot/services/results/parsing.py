"""Checking an export's lines: each becomes an order (or a team's daily values) ready to store,
or a refusal with its line number and reason. Buyers are hashed here, never kept in clear."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.results import (
    ORDER_FIELDS,
    REQUIRED_ORDER_FIELDS,
    PlatformMapping,
    ResultsSection,
)
from bot.services.names import name_key
from bot.services.results import errors as e
from bot.services.results.metrics import to_base, to_minor

MAX_ORDER_ID = 100
_TRUE = frozenset({"yes", "y", "true", "1", "refunded", "是", "已退款"})
_FALSE = frozenset({"no", "n", "false", "0", "", "否", "未退款"})
_SYMBOLS = re.compile(r"^(?:[A-Z]{0,3}[$€£¥₩₹]|[A-Z]{3}\s)")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused line: its number in the file and the reason (a message id and params)."""

    line: int
    message: str
    params: dict[str, Any]


@dataclass(slots=True)
class TeamDirectory:
    """This season's teams by name (case- and space-insensitive) and by id."""

    by_key: dict[str, int]
    names: dict[int, str]
    found: dict[str, int | None] = field(default_factory=dict)

    def find(self, text: str) -> int | None:
        """The team a cell names (its name or its numeric id), or None."""
        if text in self.found:
            return self.found[text]
        team_id = self.by_key.get(name_key(text))
        if team_id is None and text.isdigit() and int(text) in self.names:
            team_id = int(text)
        if len(self.found) < 100_000:  # a file names a few teams, thousands of times each
            self.found[text] = team_id
        return team_id


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _index(header: list[str], name: str) -> int | None:
    wanted = name.strip().casefold()
    return next((i for i, cell in enumerate(header) if cell.casefold() == wanted), None)


def parse_amount(value: Any) -> Decimal | None:
    """A money cell as a Decimal (``"$1,234.50"``, ``"12,50"``, 12.5), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        text = repr(value)
    else:
        text = _text(value)
        try:  # most exports write plain numbers
            amount = Decimal(text)
        except InvalidOperation:
            pass
        else:
            return amount if amount.is_finite() else None
        text = _SYMBOLS.sub("", text).replace(" ", "")
        if "," in text and "." in text:
            text = text.replace(",", "")
        elif "," in text:
            whole, _, fraction = text.rpartition(",")
            text = text.replace(",", "") if len(fraction) == 3 else f"{whole}.{fraction}"
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def parse_time(value: Any, tz: ZoneInfo, time_format: str | None) -> dt.datetime | None:
    """A time cell as an aware UTC datetime (local times read in ``tz``), or None."""
    if type(value) is str and not time_format:  # the common case, first
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
            return moment.astimezone(dt.UTC)
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = _text(value)
        if not text:
            return None
        try:
            moment = (
                dt.datetime.strptime(text, time_format)  # noqa: DTZ007 - localized below
                if time_format
                else _iso_time(text)
            )
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def _iso_time(text: str) -> dt.datetime:
    """ISO 8601 (``2026-11-25 14:30``, ``…T14:30:00+08:00``), also with slashes or
    one-digit months and days (``2026/1/5 9:00``); ValueError otherwise."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        date_part, _, time_part = _SLASH_DATE.sub(r"\1-\2-\3", text).partition(" ")
        pieces = date_part.split("-")
        if len(pieces) != 3 or not all(p.isdigit() for p in pieces):
            raise
        date_part = f"{pieces[0]}-{int(pieces[1]):02d}-{int(pieces[2]):02d}"
        hour, colon, rest = time_part.partition(":")
        if colon and hour.isdigit() and len(hour) == 1:
            time_part = f"0{hour}:{rest}"
        return dt.datetime.fromisoformat(f"{date_part} {time_part}".strip())


@dataclass(slots=True)
class OrderChecker:
    """Checks the lines of one orders file of ``platform``; ``team_id`` is the team of a
    single-store file (None: a ``team`` column names each line's team)."""

    header: list[str]
    platform: PlatformMapping
    config: ResultsSection
    tz: ZoneInfo
    season: str
    teams: TeamDirectory
    team_id: int | None
    buyer_key: bytes
    columns: dict[str, int] = field(default_factory=dict)
    seen: dict[tuple[int, str], int] = field(default_factory=dict)
    rates: Mapping[str, float] = field(default_factory=dict)
    default_currency: str = ""
    indexes: list[int] = field(default_factory=list)
    time_format: str | None = None
    base_currency: str = ""

    def __post_init__(self) -> None:
        for name in ORDER_FIELDS:
            index = _index(self.header, self.platform.column(name))
            if index is not None:
                self.columns[name] = index
        missing = [self.platform.column(f) for f in REQUIRED_ORDER_FIELDS if f not in self.columns]
        if missing:
            raise e.ResultsMissingColumns(columns=", ".join(missing), platform="")
        self.rates = self.config.rate_table
        self.default_currency = self.platform.currency or self.config.base_currency
        self.indexes = [self.columns.get(name, -1) for name in ORDER_FIELDS]
        self.time_format = self.platform.time_format
        self.base_currency = self.config.base_currency

    def check(self, line: int, values: list[Any]) -> dict[str, Any] | Refusal:
        """The order of one line, ready to store, or why it is refused."""
        size = len(values)
        (
            team_cell,
            order_cell,
            time_cell,
            amount_cell,
            currency_cell,
            country_cell,
            category_cell,
            channel_cell,
            buyer_cell,
            tracking_cell,
            status_cell,
            refunded_cell,
        ) = [values[i] if 0 <= i < size else None for i in self.indexes]
        team_id = self.team_id
        if team_id is None:
            team_text = _text(team_cell)
            if not team_text:
                return Refusal(line, e.ROW_NO_TEAM, {})
            team_id = self.teams.find(team_text)
            if team_id is None:
                return Refusal(line, e.ROW_UNKNOWN_TEAM, {"team": team_text[:64]})
        order_id = _text(order_cell)
        if not order_id:
            return Refusal(line, e.ROW_NO_ORDER_ID, {})
        if len(order_id) > MAX_ORDER_ID:
            return Refusal(line, e.ROW_ORDER_ID_TOO_LONG, {"limit": MAX_ORDER_ID})
        ordered_at = parse_time(time_cell, self.tz, self.time_format)
        if ordered_at is None:
            return Refusal(line, e.ROW_BAD_TIME, {"value": _text(time_cell)[:40]})
        amount = parse_amount(amount_cell)
        if amount is None:
            return Refusal(line, e.ROW_BAD_AMOUNT, {"value": _text(amount_cell)[:40]})
        if amount < 0:
            return Refusal(line, e.ROW_NEGATIVE_AMOUNT, {"value": _text(amount_cell)[:40]})
        currency = _text(currency_cell).upper() or self.default_currency
        if currency not in self.rates:
            return Refusal(line, e.ROW_UNKNOWN_CURRENCY, {"value": currency[:10]})
        country = _text(country_cell).upper() or None
        if country is not None and not (len(country) == 2 and country.isalpha()):
            return Refusal(line, e.ROW_BAD_COUNTRY, {"value": country[:40]})
        refunded = _flag(refunded_cell)
        if refunded is None:
            return Refusal(line, e.ROW_BAD_REFUNDED, {"value": _text(refunded_cell)[:20]})
        first = self.seen.setdefault((team_id, order_id), line)
        if first != line:
            return Refusal(line, e.ROW_DUPLICATE_ORDER, {"order": order_id[:40], "line": first})
        amount_minor = to_minor(amount, currency)
        buyer = _text(buyer_cell).casefold()
        return {
            "season": self.season,
            "team_id": team_id,
            "order_id": order_id,
            "ordered_at": ordered_at,
            "amount_minor": amount_minor,
            "currency": currency,
            "amount_base_minor": to_base(
                amount_minor, currency, self.rates, base=self.base_currency
            ),
            "country": country,
            "category": _text(category_cell)[:60] or None,
            "channel": _text(channel_cell)[:60] or None,
            "buyer_hash": (
                hmac.digest(self.buyer_key, buyer.encode("utf-8"), "sha256").hex()
                if buyer
                else None
            ),
            "tracking_number": _text(tracking_cell)[:100] or None,
            "status": _text(status_cell).lower()[:20] or "unknown",
            "refunded": refunded,
            "source_line": line,
        }


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


@dataclass(slots=True)
class DailyChecker:
    """Checks the lines of a per-team daily aggregates file: ``day``, optional ``team`` and
    ``currency``, one column per base metric (an empty cell leaves that metric alone)."""

    header: list[str]
    platform: PlatformMapping
    config: ResultsSection
    season: str
    teams: TeamDirectory
    team_id: int | None
    day_column: int = -1
    team_column: int | None = None
    currency_column: int | None = None
    metric_columns: dict[str, int] = field(default_factory=dict)
    seen: dict[tuple[int, dt.date], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        day = _index(self.header, "day")
        day = day if day is not None else _index(self.header, "date")
        if day is None:
            raise e.ResultsMissingColumns(columns="day", platform="")
        self.day_column = day
        self.team_column = _index(self.header, self.platform.column("team"))
        self.currency_column = _index(self.header, self.platform.column("currency"))
        known = {m.key for m in self.config.metrics}
        unknown = []
        for index, cell in enumerate(self.header):
            if index in (self.day_column, self.team_column, self.currency_column) or not cell:
                continue
            if cell.casefold() in known:
                self.metric_columns[cell.casefold()] = index
            else:
                unknown.append(cell[:40])
        if unknown:
            raise e.ResultsUnknownColumns(
                columns=", ".join(unknown[:5]), metrics=", ".join(sorted(known))
            )

    def check(self, line: int, values: list[Any]) -> list[dict[str, Any]] | Refusal:
        """The (team, day, metric) values of one line, or why it is refused."""

        def cell(index: int | None) -> Any:
            return values[index] if index is not None and index < len(values) else None

        team_id = self.team_id
        if team_id is None:
            team_text = _text(cell(self.team_column))
            if not team_text:
                return Refusal(line, e.ROW_NO_TEAM, {})
            team_id = self.teams.find(team_text)
            if team_id is None:
                return Refusal(line, e.ROW_UNKNOWN_TEAM, {"team": team_text[:64]})
        raw_day = cell(self.day_column)
        day = _day(raw_day)
        if day is None:
            return Refusal(line, e.ROW_BAD_DAY, {"value": _text(raw_day)[:40]})
        currency = _text(cell(self.currency_column)).upper() or (
            self.platform.currency or self.config.base_currency
        )
        rates: Mapping[str, float] = self.config.rate_table
        if currency not in rates:
            return Refusal(line, e.ROW_UNKNOWN_CURRENCY, {"value": currency[:10]})
        found: list[dict[str, Any]] = []
        for metric, index in self.metric_columns.items():
            raw = cell(index)
            if not _text(raw):
                continue
            value = parse_amount(raw)
            if value is None or value < 0:
                return Refusal(line, e.ROW_BAD_VALUE, {"metric": metric, "value": _text(raw)[:40]})
            number = float(value)
            spec = self.config.metric(metric)
            if spec is not None and spec.unit == "money":
                number *= rates[currency]
            found.append(
                {
                    "season": self.season,
                    "team_id": team_id,
                    "day": day,
                    "metric": metric,
                    "value": number,
                    "source_line": line,
                }
            )
        first = self.seen.setdefault((team_id, day), line)
        if first != line:
            return Refusal(line, e.ROW_DUPLICATE_DAY, {"day": day.isoformat(), "line": first})
        return found


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _SLASH_DATE.sub(r"\1-\2-\3", _text(value))[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
