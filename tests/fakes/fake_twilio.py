"""A local fake of Twilio's Messages API (2010-04-01) as an aiohttp server.

Point the real twilio-python client at it with
``build_twilio_client(sid, token, api_base_url=fake.base_url)``.

What it models (shapes from twilio-oai's ``twilio_api_v2010.json``):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: HTTP Basic auth, Twilio's
  validation errors (JSON ``code``/``message``/``more_info``/``status``), a
  messages-per-second cap on by default (80/s, a WhatsApp sender's default throughput:
  429 / 20429 with ``Retry-After``), injected and seeded random faults, per-number errors,
  Twilio's opt-out handling (a number that texted STOP gets 400 / 21610 until it texts
  START), Content templates that must exist (400 / 21655) and, to start a WhatsApp
  conversation, be approved (else 63016 on delivery), with ``ContentVariables`` that are
  non-empty strings (400 / 21656) matching the template's placeholders (else 63028 on
  delivery), WhatsApp's 24-hour customer service window (freeform outside it is accepted,
  then fails with 63016 in its status callback), then a 201 with the Message resource and
  signed status callbacks (optionally duplicated or reordered).
* ``GET .../Messages.json`` with ``To``/``From``/``DateSent``/``DateSent<``/``DateSent>``
  filters and Twilio's paging fields, newest first, so ``list_async``/``stream_async``
  page through ``next_page_uri``.
* ``GET .../Messages/{Sid}.json``.
* :meth:`FakeTwilio.send_inbound`: a signed inbound WhatsApp webhook, which also opens the
  sender's window and applies Twilio's default opt-out and opt-in keywords.

Differences from Twilio worth knowing: ``date_sent`` is set when the message is accepted
(Twilio fills it once the message leaves), ``previous_page_uri`` is always null, and only
the Messages resource exists.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import email.utils
import json
import random
import re
import secrets
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

from aiohttp import ClientError, ClientSession, ClientTimeout, web
from twilio.request_validator import RequestValidator

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_WHATSAPP_NUMBER",
    "CallbackRecord",
    "FakeMessage",
    "FakeRequest",
    "FakeTemplate",
    "FakeTwilio",
]

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-auth-token"
#: Twilio's WhatsApp sandbox sender, used as ``To`` of inbound webhooks by default.
DEFAULT_WHATSAPP_NUMBER = "whatsapp:+14155238886"

API_VERSION = "2010-04-01"
WINDOW = timedelta(hours=24)
MAX_BODY_CHARS = 1600
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
#: A WhatsApp sender's default throughput (messages per second) on Twilio.
WHATSAPP_SENDER_MPS = 80.0
#: Seconds a 429 asks the client to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 1
#: Twilio's default opt-out and opt-in keywords (the whole message, any case).
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
#: Approval status that lets a template start a WhatsApp conversation.
APPROVED = "approved"

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

# Messages for the error codes the fake produces (wording as in Twilio's error docs).
ERROR_MESSAGES: dict[int, str] = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone "
    "number for this destination.",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21655: "The ContentSid is Invalid.",
    21656: "The ContentVariables Parameter is invalid.",
    21654: "ContentSid Required",
    21701: "The Messaging Service Sid is invalid.",
    63003: "Channel could not find To address",
    63014: "This message could not be delivered because the user has blocked it.",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
    63028: "Number of parameters provided does not match the expected number of parameters",
}

_HTTP_ERROR_CODES = {400: 20001, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}

_TO_RE = re.compile(r"^(?:whatsapp:)?\+[1-9]\d{6,14}$")
_CONTENT_SID_RE = re.compile(r"^HX[0-9a-fA-F]{32}$")
_MESSAGING_SERVICE_SID_RE = re.compile(r"^MG[0-9a-fA-F]{32}$")
_TEMPLATE_VAR_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return email.utils.format_datetime(moment.astimezone(UTC))


def _bare_number(address: str) -> str:
    """``whatsapp:+15551234567`` and ``+15551234567`` share one key."""
    return address.removeprefix("whatsapp:").strip()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def twilio_error(status: int, code: int | None = None, message: str | None = None) -> web.Response:
    """An error response in Twilio's legacy JSON shape (what twilio-python parses)."""
    code = code if code is not None else _HTTP_ERROR_CODES.get(status, status)
    payload = {
        "code": code,
        "message": message or ERROR_MESSAGES.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 429 else None
    return web.Response(
        status=status, text=json.dumps(payload), content_type="application/json", headers=headers
    )


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
class FakeTemplate:
    """A Content template: its text with ``{{1}}``-style placeholders and approval status."""

    text: str
    status: str = APPROVED

    @property
    def placeholders(self) -> frozenset[str]:
        """The variable names the text uses (``{"1", "2"}`` for ``{{1}} … {{2}}``)."""
        return frozenset(_TEMPLATE_VAR_RE.findall(self.text))

    def matches(self, raw_variables: str | None) -> bool:
        """Whether ``ContentVariables`` gives exactly one value per placeholder."""
        given = set(json.loads(raw_variables)) if raw_variables else set()
        return given == self.placeholders


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


class FakeTwilio:
    """A local Twilio Messages API with fault injection, for tests and benchmarks.

    Per-request cost on create is O(1): no scans over stored messages.
    """

    def __init__(
        self,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        rate_cap_per_second: float | None = WHATSAPP_SENDER_MPS,
        rate_burst: float | None = None,
        fault_rate: float = 0.0,
        fault_seed: int = 0,
        callback_statuses: Sequence[str] = ("sent", "delivered"),
        callback_delay: float = 0.0,
        callback_concurrency: int = 64,
        senders: Sequence[str] | None = None,
        whatsapp_number: str = DEFAULT_WHATSAPP_NUMBER,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """Configure the fake; nothing listens until :meth:`start`.

        :param rate_cap_per_second: token-bucket cap on create calls; above it Twilio's
            429 / 20429 (with ``Retry-After``) is answered and nothing is sent. Default: a
            WhatsApp sender's 80 per second. ``None``: no cap. The bucket refills by
            ``clock``, so under a frozen test clock it refills only when the test moves it.
        :param rate_burst: bucket size; defaults to one second's worth (at least 1).
        :param fault_rate: probability that a create answers 429 or 500 (seeded by
            ``fault_seed``, so runs repeat).
        :param callback_statuses: statuses posted to ``StatusCallback`` for a message that
            goes through, in order.
        :param callback_delay: seconds to wait before a message's first callback. At 0 a
            callback can reach the webhook before the client has read the 201.
        :param senders: if given, ``From`` must be one of these (else 400 / 21606).
        :param whatsapp_number: the ``To`` of inbound webhooks.
        :param clock: "now" for timestamps, the rate cap and the 24-hour window
            (timezone-aware UTC).
        """
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.rate_cap_per_second = rate_cap_per_second
        self.fault_rate = fault_rate
        self.callback_statuses: tuple[str, ...] = tuple(callback_statuses)
        self.callback_delay = callback_delay
        self.senders: frozenset[str] | None = frozenset(senders) if senders is not None else None
        self.whatsapp_number = whatsapp_number
        self.clock = clock
        #: post every status callback twice
        self.duplicate_callbacks = False
        #: post each message's status callbacks in reverse order
        self.reverse_callbacks = False
        #: enforce WhatsApp's 24-hour window for freeform messages to ``whatsapp:`` numbers
        self.enforce_window = True

        self.messages: list[FakeMessage] = []
        self.inbound: list[FakeMessage] = []
        self.requests: list[FakeRequest] = []
        self.callback_log: list[CallbackRecord] = []
        self.violations_63016 = 0
        self.templates: dict[str, FakeTemplate] = {}
        #: numbers (without ``whatsapp:``) that texted an opt-out keyword: 21610 for them
        self.unsubscribed: set[str] = set()

        self._validator = RequestValidator(auth_token)
        self._expected_auth = "Basic " + base64.b64encode(
            f"{account_sid}:{auth_token}".encode()
        ).decode("ascii")
        self._all: list[FakeMessage] = []  # outbound + inbound, oldest first
        self._index: dict[str, int] = {}  # sid -> position in _all
        self._by_to: dict[str, list[FakeMessage]] = collections.defaultdict(list)
        self._windows: dict[str, datetime] = {}
        self._number_errors: dict[str, tuple[int, bool]] = {}
        self._faults: collections.deque[int] = collections.deque()
        self._hangs: collections.deque[bool] = collections.deque()
        self._hang_release = asyncio.Event()
        self._random = random.Random(fault_seed)
        self._rate_burst = rate_burst
        self._tokens = 0.0
        self._tokens_at = self.clock()
        self._pending: set[asyncio.Task[None]] = set()
        self._callback_slots = asyncio.Semaphore(callback_concurrency)
        self._session: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._reset_bucket()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 picks a free port) and set :attr:`base_url`."""
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account_sid}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{account_sid}/Messages.json", self._list)
        app.router.add_get("/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json", self._fetch)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self._session = ClientSession(timeout=ClientTimeout(total=15.0))

    async def stop(self) -> None:
        """Release hung requests, cancel undelivered callbacks and stop listening."""
        self._hang_release.set()
        for task in list(self._pending):
            task.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTwilio:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

    def messages_to(self, to: str) -> list[FakeMessage]:
        """Accepted outbound messages to ``to`` (``whatsapp:`` prefix optional), oldest first."""
        return list(self._by_to.get(_bare_number(to), ()))

    def get_message(self, sid: str) -> FakeMessage | None:
        """The stored message (outbound or inbound) with this SID, if any."""
        position = self._index.get(sid)
        return self._all[position] if position is not None else None

    def inject_faults(self, statuses: Sequence[int]) -> None:
        """Make the next ``len(statuses)`` create calls answer these HTTP statuses.

        They are answered with Twilio's error JSON (429 → 20429, 500 → 20500,
        503 → 20503) and nothing is sent. Injected faults come before the rate cap.
        """
        self._faults.extend(statuses)

    def inject_hangs(self, count: int = 1, *, accept: bool = True) -> None:
        """Make the next ``count`` create calls never answer (until :meth:`release_hangs`).

        With ``accept=True`` the message is accepted and its callbacks fire as usual; only
        the HTTP answer is lost, as when a timeout hits after Twilio took the message.
        With ``accept=False`` nothing is sent.
        """
        self._hangs.extend([accept] * count)

    def release_hangs(self) -> None:
        """Let every hung create call answer now (their clients may be gone)."""
        self._hang_release.set()
        self._hang_release = asyncio.Event()

    def set_rate_cap(self, per_second: float | None, burst: float | None = None) -> None:
        """Change the messages-per-second cap (``None``: none); the bucket starts full."""
        self.rate_cap_per_second = per_second
        self._rate_burst = burst
        self._reset_bucket()

    def set_number_error(self, number: str, code: int, *, on_delivery: bool = False) -> None:
        """Make sends to ``number`` fail with Twilio error ``code`` (e.g. 21610, 63014).

        By default the create call answers 400 with that code and nothing is sent. With
        ``on_delivery=True`` the create is accepted (201) and the message then fails:
        status ``failed`` with ``ErrorCode`` in its callback, as Twilio reports 63003 and
        63014 for WhatsApp.
        """
        self._number_errors[_bare_number(number)] = (code, on_delivery)

    def clear_number_error(self, number: str) -> None:
        """Undo :meth:`set_number_error`."""
        self._number_errors.pop(_bare_number(number), None)

    def open_window(self, number: str, at: datetime | None = None) -> None:
        """Record the user's last inbound message at ``at`` (default: now).

        Freeform messages to ``number`` are deliverable until ``at + 24h``.
        """
        self._windows[_bare_number(number)] = at if at is not None else self.clock()

    def close_window(self, number: str) -> None:
        """Forget the user's last inbound message."""
        self._windows.pop(_bare_number(number), None)

    def window_open(self, number: str, now: datetime | None = None) -> bool:
        """Whether a freeform message to ``number`` would be delivered at ``now``."""
        last = self._windows.get(_bare_number(number))
        if last is None:
            return False
        return (now if now is not None else self.clock()) - last < WINDOW

    def register_template(self, content_sid: str, text: str, *, status: str = APPROVED) -> None:
        """Create a Content template, as the Content Template Builder does.

        Only registered ``HX`` SIDs can be sent (else 400 / 21655). ``{{1}}``-style
        placeholders are filled from ``ContentVariables``, whose keys must be exactly the
        template's placeholders (else the message fails with 63028). ``status`` is
        WhatsApp's approval status (``approved``, ``pending``, ``rejected``...): a template
        that is not approved fails with 63016 outside the 24-hour window.
        """
        self.templates[content_sid] = FakeTemplate(text=text, status=status)

    def unsubscribe(self, number: str) -> None:
        """Record an opt-out as Twilio does when the number texts STOP (21610 from now on)."""
        self.unsubscribed.add(_bare_number(number))

    def resubscribe(self, number: str) -> None:
        """Record an opt-in as Twilio does when the number texts START."""
        self.unsubscribed.discard(_bare_number(number))

    async def flush_callbacks(self, timeout: float = 5.0) -> None:
        """Wait until every pending status callback was posted and answered.

        :raises TimeoutError: if some are still pending after ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while self._pending:
                await asyncio.wait(list(self._pending))

    async def send_inbound(
        self,
        webhook_url: str,
        *,
        from_: str,
        body: str,
        signed: bool = True,
        to: str | None = None,
        profile_name: str = "Fake User",
        media_urls: Sequence[str] = (),
        extra: Mapping[str, str] | None = None,
        sign_url: str | None = None,
        signature: str | None = None,
        at: datetime | None = None,
    ) -> tuple[int, str]:
        """POST an inbound WhatsApp message webhook, as Twilio does, and open the window.

        :param from_: the user, ``whatsapp:+...`` (the prefix is added if missing).
        :param signed: add ``X-Twilio-Signature`` computed with the auth token.
        :param sign_url: the URL the signature covers, when it differs from the one posted
            to (behind a proxy, Twilio signs the public URL); default ``webhook_url``.
        :param signature: send this header value instead (forged signatures).
        :param at: when the user wrote (opens the window from then); default now.
        :returns: ``(HTTP status, response text)`` of the webhook.
        """
        sender = from_ if from_.startswith("whatsapp:") else "whatsapp:" + from_
        recipient = to or self.whatsapp_number
        moment = at if at is not None else self.clock()
        sid = _new_sid("SM" if not media_urls else "MM")
        params: dict[str, str] = {
            "SmsMessageSid": sid,
            "NumMedia": str(len(media_urls)),
            "ProfileName": profile_name,
            "MessageType": "image" if media_urls else "text",
            "SmsSid": sid,
            "WaId": _bare_number(sender).lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": recipient,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "ApiVersion": API_VERSION,
        }
        for i, media_url in enumerate(media_urls):
            params[f"MediaUrl{i}"] = media_url
            params[f"MediaContentType{i}"] = "image/jpeg"
        if extra:
            params.update(extra)

        self.open_window(sender, moment)
        keyword = body.strip().upper()
        if keyword in OPT_OUT_KEYWORDS:
            self.unsubscribe(sender)
        elif keyword in OPT_IN_KEYWORDS:
            self.resubscribe(sender)
        message = FakeMessage(
            sid=sid,
            account_sid=self.account_sid,
            to=recipient,
            from_=sender,
            body=body,
            content_sid=None,
            content_variables=None,
            status_callback=None,
            messaging_service_sid=None,
            date_created=moment.replace(microsecond=0),
            date_sent=moment.replace(microsecond=0),
            date_updated=moment.replace(microsecond=0),
            status="received",
            direction="inbound",
            media_urls=list(media_urls),
            status_history=["received"],
            form=dict(params),
        )
        self.inbound.append(message)
        self._store(message)

        headers = {"User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": sid}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        elif signed:
            headers["X-Twilio-Signature"] = self._validator.compute_signature(
                sign_url or webhook_url, params
            )
        async with self._client().post(webhook_url, data=params, headers=headers) as response:
            return response.status, await response.text()

    # ------------------------------------------------------------------ REST handlers

    def _record(
        self,
        request: web.Request,
        form: Mapping[str, str],
        status: int,
        error_code: int | None = None,
        message_sid: str | None = None,
    ) -> FakeRequest:
        entry = FakeRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            form=dict(form),
            status=status,
            error_code=error_code,
            at=time.monotonic(),
            message_sid=message_sid,
        )
        self.requests.append(entry)
        return entry

    def _reject(
        self,
        request: web.Request,
        form: Mapping[str, str],
        status: int,
        code: int | None = None,
        message: str | None = None,
    ) -> web.Response:
        response = twilio_error(status, code, message)
        code = code if code is not None else _HTTP_ERROR_CODES.get(status, status)
        self._record(request, form, status, code)
        return response

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if header == self._expected_auth:
            return True
        # Tolerate other spellings of the same credentials (e.g. "basic ", padding).
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).partition(b":")
        except (binascii.Error, ValueError):
            return False
        return secrets.compare_digest(user, self.account_sid.encode()) and (
            secrets.compare_digest(password, self.auth_token.encode())
        )

    def _gate(self, request: web.Request, form: Mapping[str, str]) -> web.Response | None:
        """Auth and account checks shared by every route."""
        if not self._authorized(request):
            return self._reject(request, form, 401, 20003)
        if request.match_info["account_sid"] != self.account_sid:
            return self._reject(
                request,
                form,
                404,
                20404,
                f"The requested resource {request.path} was not found",
            )
        return None

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

    async def _create(self, request: web.Request) -> web.StreamResponse:
        post = await request.post()
        form = {key: str(value) for key, value in post.items()}
        rejected = self._gate(request, form)
        if rejected is not None:
            return rejected

        hang_accept: bool | None = self._hangs.popleft() if self._hangs else None
        if hang_accept is False:
            return await self._hang(request, form, None)

        if self._faults:
            return self._reject(request, form, self._faults.popleft())
        if not self._take_token():
            return self._reject(
                request,
                form,
                429,
                20429,
                "Too Many Requests: the sender's messages-per-second limit was exceeded",
            )
        if self.fault_rate and self._random.random() < self.fault_rate:
            return self._reject(request, form, self._random.choice((429, 500)))

        invalid = self._validate_create(form)
        if invalid is not None:
            code, text = invalid
            return self._reject(request, form, 400, code, text)

        to = form["To"]
        number_error = self._number_errors.get(_bare_number(to))
        if number_error is not None and not number_error[1]:
            return self._reject(request, form, 400, number_error[0])
        if _bare_number(to) in self.unsubscribed:
            return self._reject(request, form, 400, 21610)

        message, created = self._accept(form, [str(v) for v in post.getall("MediaUrl", [])])
        if hang_accept is True:
            return await self._hang(request, form, message.sid)
        self._record(request, form, 201, None, message.sid)
        return web.Response(status=201, text=created, content_type="application/json")

    async def _hang(
        self, request: web.Request, form: Mapping[str, str], sid: str | None
    ) -> web.StreamResponse:
        entry = self._record(request, form, 0, None, sid)
        await self._hang_release.wait()
        if sid is None:
            entry.status, entry.error_code = 503, 20503
            return twilio_error(503)
        entry.status = 201
        message = self.get_message(sid)
        assert message is not None
        return web.Response(
            status=201, text=json.dumps(message.to_json()), content_type="application/json"
        )

    def _validate_create(self, form: Mapping[str, str]) -> tuple[int, str | None] | None:
        """Twilio's synchronous checks on a create, as ``(error code, message)``."""
        to = form.get("To", "")
        if not to:
            return 21604, None
        if not _TO_RE.match(to):
            return 21211, f"Invalid 'To' Phone Number: {to}"
        sender = form.get("From")
        service = form.get("MessagingServiceSid")
        if not sender and not service:
            return 21603, None
        if service and not _MESSAGING_SERVICE_SID_RE.match(service):
            return 21701, None
        if sender and self.senders is not None and sender not in self.senders:
            return 21606, None
        content_sid = form.get("ContentSid")
        variables = form.get("ContentVariables")
        if content_sid:
            if not _CONTENT_SID_RE.match(content_sid) or content_sid not in self.templates:
                return 21655, None
            if variables is not None and not _valid_content_variables(variables):
                return 21656, None
        elif variables is not None:
            return 21654, None
        elif not form.get("Body") and "MediaUrl" not in form:
            return 21602, None
        if len(form.get("Body", "")) > MAX_BODY_CHARS:
            return 21617, None
        callback = form.get("StatusCallback")
        if callback is not None and not callback.startswith(("http://", "https://")):
            return 21609, "Invalid StatusCallback url"
        return None

    def _accept(self, form: Mapping[str, str], media_urls: list[str]) -> tuple[FakeMessage, str]:
        """Store an accepted message, schedule its fate; return it and the 201 body."""
        now = self.clock().replace(microsecond=0)
        to = form["To"]
        content_sid = form.get("ContentSid") or None
        variables = form.get("ContentVariables")
        body = form.get("Body")
        template = self.templates.get(content_sid) if content_sid is not None else None
        if template is not None:
            body = _render(template.text, variables)
        service = form.get("MessagingServiceSid") or None
        message = FakeMessage(
            sid=_new_sid("MM" if media_urls else "SM"),
            account_sid=self.account_sid,
            to=to,
            from_=form.get("From") or None,
            body=body,
            content_sid=content_sid,
            content_variables=variables if content_sid is not None else None,
            status_callback=form.get("StatusCallback") or None,
            messaging_service_sid=service,
            date_created=now,
            date_sent=now,
            date_updated=now,
            status="accepted" if service and not form.get("From") else "queued",
            media_urls=media_urls,
            form=dict(form),
        )
        message.status_history.append(message.status)
        self.messages.append(message)
        self._store(message)
        self._by_to[_bare_number(to)].append(message)

        created = json.dumps(message.to_json())
        statuses: tuple[str, ...] = self.callback_statuses
        error_code: int | None = None
        number_error = self._number_errors.get(_bare_number(to))
        if number_error is not None:
            statuses, error_code = ("failed",), number_error[0]
        elif template is not None and not template.matches(variables):
            statuses, error_code = ("failed",), 63028
        elif (
            self.enforce_window
            and (template is None or template.status != APPROVED)
            and to.startswith("whatsapp:")
            and not self.window_open(to)
        ):
            # Only an approved template may start a conversation outside the window.
            statuses, error_code = ("failed",), 63016
            self.violations_63016 += 1

        if message.status_callback is None and not self.callback_delay:
            for status in statuses:
                self._advance(message, status, error_code)
        else:
            self._spawn(self._run_callbacks(message, statuses, error_code))
        return message, created

    def _store(self, message: FakeMessage) -> None:
        self._index[message.sid] = len(self._all)
        self._all.append(message)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _advance(self, message: FakeMessage, status: str, error_code: int | None) -> None:
        """Move the resource's status forward (never back, whatever the callback order)."""
        if STATUS_RANK.get(status, 0) <= STATUS_RANK.get(message.status, 0):
            return
        message.status = status
        message.status_history.append(status)
        message.date_updated = self.clock().replace(microsecond=0)
        if status in ("failed", "undelivered") and error_code is not None:
            message.error_code = error_code
            message.error_message = ERROR_MESSAGES.get(error_code)

    async def _run_callbacks(
        self, message: FakeMessage, statuses: Sequence[str], error_code: int | None
    ) -> None:
        if self.callback_delay:
            await asyncio.sleep(self.callback_delay)
        order = list(reversed(statuses)) if self.reverse_callbacks else list(statuses)
        for status in order:
            for status_in_sequence in statuses[: statuses.index(status) + 1]:
                self._advance(message, status_in_sequence, error_code)
            if message.status_callback is None:
                continue
            params = self._callback_params(message, status, error_code)
            for _ in range(2 if self.duplicate_callbacks else 1):
                await self._post_callback(message.status_callback, params)

    def _callback_params(
        self, message: FakeMessage, status: str, error_code: int | None
    ) -> dict[str, str]:
        params = {
            "SmsSid": message.sid,
            "SmsStatus": status,
            "MessageStatus": status,
            "To": message.to,
            "MessageSid": message.sid,
            "AccountSid": message.account_sid,
            "From": message.from_ or self.whatsapp_number,
            "ApiVersion": API_VERSION,
        }
        if message.to.startswith("whatsapp:"):
            params["ChannelPrefix"] = "whatsapp"
            params["ChannelToAddress"] = _bare_number(message.to)
            params["StructuredMessage"] = "false"
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if status in ("failed", "undelivered") and error_code is not None:
            params["ErrorCode"] = str(error_code)
            params["ErrorMessage"] = ERROR_MESSAGES.get(error_code, "")
        return params

    async def _post_callback(self, url: str, params: dict[str, str]) -> None:
        headers = {
            "X-Twilio-Signature": self._validator.compute_signature(url, params),
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        status = 0
        async with self._callback_slots:
            try:
                async with self._client().post(url, data=params, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (ClientError, OSError, TimeoutError):
                status = 0  # Twilio does not retry status callbacks; it only logs
        self.callback_log.append(CallbackRecord(url, params, status))

    def _client(self) -> ClientSession:
        if self._session is None:
            raise RuntimeError("FakeTwilio.start() was not awaited")
        return self._session

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


def _valid_content_variables(raw: str) -> bool:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return False
    return isinstance(parsed, dict) and all(
        isinstance(key, str)
        and key.strip() != ""
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and str(value) != ""
        for key, value in parsed.items()
    )


def _render(template: str, raw_variables: str | None) -> str:
    variables: dict[str, Any] = json.loads(raw_variables) if raw_variables else {}

    def fill(match: re.Match[str]) -> str:
        return str(variables.get(match.group(1), match.group(0)))

    return _TEMPLATE_VAR_RE.sub(fill, template)


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
