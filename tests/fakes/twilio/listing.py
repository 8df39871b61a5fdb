"""The Messages API's reads: fetch one message, list them with ``DateSent`` filters and pages."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.twilio.resources import API_VERSION, FakeMessage
from tests.fakes.twilio.state import TwilioState

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class Listing(TwilioState):
    """``GET .../Messages/{Sid}.json`` and ``GET .../Messages.json``."""

    async def _fetch(self, request: web.Request) -> web.StreamResponse:
        rejected = self._gate(request, {})
        if rejected is not None:
            return rejected
        message = self.get_message(request.match_info["sid"])
        if message is None or message.account_sid != self.account_sid:
            return self._reject(
                request, {}, 404, 20404, f"The requested resource {request.path} was not found"
            )
        self._record(request, {}, 200, None, message.sid)
        return web.json_response(message.to_json())

    async def _list(self, request: web.Request) -> web.StreamResponse:
        rejected = self._gate(request, {})
        if rejected is not None:
            return rejected
        query = request.query
        try:
            page_size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
            page = int(query.get("Page", 0))
            filters = _DateFilters.parse(query)
        except ValueError as exc:
            return self._reject(request, {}, 400, 20001, str(exc))
        if not 1 <= page_size <= MAX_PAGE_SIZE or page < 0:
            return self._reject(request, {}, 400, 20001, "Invalid PageSize or Page")
        to, sender = query.get("To"), query.get("From")

        start_at = len(self._all) - 1
        token = query.get("PageToken")
        if token:
            position = self._index.get(token.removeprefix("PA"))
            if position is None:
                return self._reject(request, {}, 400, 20001, "Invalid PageToken")
            start_at = position - 1

        found: list[FakeMessage] = []
        for message in _newest_first(self._all, start_at):
            if to is not None and message.to != to:
                continue
            if sender is not None and message.from_ != sender:
                continue
            if not filters.match(message.date_sent):
                continue
            found.append(message)
            if len(found) > page_size:
                break

        has_more = len(found) > page_size
        records = found[:page_size]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        kept = [
            (name, query[name])
            for name in ("To", "From", "DateSent", "DateSent<", "DateSent>")
            if name in query
        ]

        def page_uri(number: int, page_token: str | None = None) -> str:
            params = [*kept, ("PageSize", str(page_size)), ("Page", str(number))]
            if page_token:
                params.append(("PageToken", page_token))
            return base + "?" + urlencode(params)

        start = page * page_size
        payload = {
            "messages": [message.to_json() for message in records],
            "end": start + len(records) - 1 if records else start,
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1, "PA" + records[-1].sid) if has_more else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": None,
            "start": start,
            "uri": page_uri(page, token),
        }
        self._record(request, {}, 200)
        return web.json_response(payload)


def _newest_first(messages: list[FakeMessage], start_at: int) -> Iterator[FakeMessage]:
    return (messages[i] for i in range(start_at, -1, -1))


def _parse_date_filter(raw: str) -> datetime | date:
    """Parse a ``DateSent`` filter value in the formats Twilio's docs show."""
    value = raw.strip()
    try:
        return (
            date.fromisoformat(value)
            if len(value) == 10
            else _as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        )
    except ValueError:
        pass
    try:
        return _as_utc(email.utils.parsedate_to_datetime(value))
    except (TypeError, ValueError):
        pass
    raise ValueError(f"Invalid DateSent value: {raw}")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _DateFilters:
    """``DateSent`` (same day / same second), ``DateSent>`` (on or after), ``DateSent<``
    (on or before); a date-only value compares calendar days in UTC."""

    exact: datetime | date | None = None
    after: datetime | date | None = None
    before: datetime | date | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> _DateFilters:
        def get(name: str) -> datetime | date | None:
            raw = query.get(name)
            return _parse_date_filter(raw) if raw else None

        return cls(exact=get("DateSent"), after=get("DateSent>"), before=get("DateSent<"))

    def match(self, sent: datetime | None) -> bool:
        if self.exact is None and self.after is None and self.before is None:
            return True
        if sent is None:
            return False
        sent_second = sent.astimezone(UTC).replace(microsecond=0)
        sent_day = sent_second.date()

        def key(bound: datetime | date) -> tuple[datetime | date, datetime | date]:
            if isinstance(bound, datetime):
                return sent_second, bound.replace(microsecond=0)
            return sent_day, bound

        if self.exact is not None:
            value, bound = key(self.exact)
            if value != bound:
                return False
        if self.after is not None:
            value, bound = key(self.after)
            if value < bound:
                return False
        if self.before is not None:
            value, bound = key(self.before)
            if value > bound:
                return False
        return True
