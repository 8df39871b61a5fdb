"""The resources the fake keeps: Message, the requests it answered, the callbacks it posted."""

from __future__ import annotations

import email.utils
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

API_VERSION = "2010-04-01"

#: Order in which a message's status moves; callbacks may arrive out of this order.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "read": 5,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
    "received": 6,
}


def new_sid(prefix: str) -> str:
    """A Twilio-style SID: ``prefix`` and 32 random hex digits."""
    return prefix + secrets.token_hex(16)


def _rfc2822(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return email.utils.format_datetime(moment.astimezone(UTC))


def bare_number(address: str) -> str:
    """``whatsapp:+15551234567`` and ``+15551234567`` share one key."""
    return address.removeprefix("whatsapp:").strip()


def utc_now() -> datetime:
    """The default clock: now, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(slots=True)
class FakeMessage:
    """One Message resource held by the fake (outbound accepted, or inbound)."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str | None
    content_sid: str | None
    content_variables: str | None
    status_callback: str | None
    messaging_service_sid: str | None
    date_created: datetime
    date_sent: datetime | None
    date_updated: datetime
    status: str
    error_code: int | None = None
    error_message: str | None = None
    direction: str = "outbound-api"
    media_urls: list[str] = field(default_factory=list)
    #: every status the resource took, in the order Twilio would have set them
    status_history: list[str] = field(default_factory=list)
    #: the create request's form, last value per field
    form: dict[str, str] = field(default_factory=dict)

    @property
    def is_template(self) -> bool:
        """Sent with ``ContentSid`` (an approved template) rather than freeform ``Body``."""
        return self.content_sid is not None

    def uri(self) -> str:
        """The resource's URI relative to ``https://api.twilio.com``."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        """The Message resource as Twilio returns it (what ``MessageInstance`` parses)."""
        uri = self.uri()
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body if self.body is not None else "",
            "date_created": _rfc2822(self.date_created),
            "date_sent": _rfc2822(self.date_sent),
            "date_updated": _rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(len(self.media_urls)),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {
                "media": uri.removesuffix(".json") + "/Media.json",
                "feedback": uri.removesuffix(".json") + "/Feedback.json",
            },
            "to": self.to,
            "uri": uri,
        }


@dataclass(slots=True)
class FakeRequest:
    """One HTTP request the fake's REST API answered (or is still holding)."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    #: HTTP status answered; 0 while a hung request is still unanswered
    status: int
    error_code: int | None
    at: float  # time.monotonic()
    message_sid: str | None = None


class CallbackRecord(NamedTuple):
    """A status callback the fake posted: ``(url, params, status answered)``.

    ``status`` is 0 when the request failed before an HTTP answer (refused, timed out).
    """

    url: str
    params: dict[str, str]
    status: int
