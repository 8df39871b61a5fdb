"""The one source of time. Everything asks an injected ``Clock``; tests move a ``FrozenClock``."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Tells the current instant as an aware UTC datetime."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that only moves when told to (for tests and benchmarks)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """The instant the clock was last set to, in UTC."""
        return self._now

    def set(self, instant: dt.datetime) -> None:
        """Jump to an instant (aware)."""
        if instant.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = instant.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by ``delta``; returns the new instant."""
        self._now += delta
        return self._now
