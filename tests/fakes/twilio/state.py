"""The fake Twilio's configuration and stored resources, and what every route shares."""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import random
import secrets
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientSession, web
from twilio.request_validator import RequestValidator

from tests.fakes.twilio.errors import HTTP_ERROR_CODES, twilio_error
from tests.fakes.twilio.rates import WHATSAPP_SENDER_MPS, SenderRate
from tests.fakes.twilio.resources import (
    CallbackRecord,
    FakeMessage,
    FakeRequest,
    bare_number,
    utc_now,
)
from tests.fakes.twilio.templates import FakeTemplate

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-auth-token"
#: Twilio's WhatsApp sandbox sender, used as ``To`` of inbound webhooks by default.
DEFAULT_WHATSAPP_NUMBER = "whatsapp:+14155238886"

WINDOW = timedelta(hours=24)


class TwilioState(SenderRate):
    """Messages, windows, opt-outs and the request log; auth and recording for every route."""

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
        clock: Callable[[], datetime] = utc_now,
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
        #: create calls answered 429 or 500 by ``fault_rate``, per status (each spent a token)
        self.random_faults: collections.Counter[int] = collections.Counter()
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

    # ------------------------------------------------------------------ messages, windows, opt-outs

    def messages_to(self, to: str) -> list[FakeMessage]:
        """Accepted outbound messages to ``to`` (``whatsapp:`` prefix optional), oldest first."""
        return list(self._by_to.get(bare_number(to), ()))

    def get_message(self, sid: str) -> FakeMessage | None:
        """The stored message (outbound or inbound) with this SID, if any."""
        position = self._index.get(sid)
        return self._all[position] if position is not None else None

    def open_window(self, number: str, at: datetime | None = None) -> None:
        """Record the user's last inbound message at ``at`` (default: now).

        Freeform messages to ``number`` are deliverable until ``at + 24h``.
        """
        self._windows[bare_number(number)] = at if at is not None else self.clock()

    def close_window(self, number: str) -> None:
        """Forget the user's last inbound message."""
        self._windows.pop(bare_number(number), None)

    def window_open(self, number: str, now: datetime | None = None) -> bool:
        """Whether a freeform message to ``number`` would be delivered at ``now``."""
        last = self._windows.get(bare_number(number))
        if last is None:
            return False
        return (now if now is not None else self.clock()) - last < WINDOW

    def unsubscribe(self, number: str) -> None:
        """Record an opt-out as Twilio does when the number texts STOP (21610 from now on)."""
        self.unsubscribed.add(bare_number(number))

    def resubscribe(self, number: str) -> None:
        """Record an opt-in as Twilio does when the number texts START."""
        self.unsubscribed.discard(bare_number(number))

    # ------------------------------------------------------------------ REST plumbing

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
        code = code if code is not None else HTTP_ERROR_CODES.get(status, status)
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

    # ------------------------------------------------------------------ storage and background work

    def _store(self, message: FakeMessage) -> None:
        self._index[message.sid] = len(self._all)
        self._all.append(message)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _client(self) -> ClientSession:
        if self._session is None:
            raise RuntimeError("FakeTwilio.start() was not awaited")
        return self._session
