"""The sender's messages-per-second cap: a token bucket refilled by the fake's clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

#: A WhatsApp sender's default throughput (messages per second) on Twilio.
WHATSAPP_SENDER_MPS = 80.0


class SenderRate:
    """The token bucket on create calls (its fields are set by ``TwilioState``)."""

    rate_cap_per_second: float | None
    clock: Callable[[], datetime]
    _rate_burst: float | None
    _tokens: float
    _tokens_at: datetime

    def set_rate_cap(self, per_second: float | None, burst: float | None = None) -> None:
        """Change the messages-per-second cap (``None``: none); the bucket starts full."""
        self.rate_cap_per_second = per_second
        self._rate_burst = burst
        self._reset_bucket()

    def _reset_bucket(self) -> None:
        cap = self.rate_cap_per_second
        self._tokens = self._bucket_size() if cap else 0.0
        self._tokens_at = self.clock()

    def _bucket_size(self) -> float:
        cap = self.rate_cap_per_second or 0.0
        return max(1.0, self._rate_burst if self._rate_burst is not None else cap)

    def _take_token(self) -> bool:
        cap = self.rate_cap_per_second
        if not cap:
            return True
        now = self.clock()
        elapsed = max(0.0, (now - self._tokens_at).total_seconds())
        self._tokens = min(self._bucket_size(), self._tokens + elapsed * cap)
        self._tokens_at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
