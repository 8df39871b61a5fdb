"""``FakeTwilio``: the parts put together, start and stop, and the fault controls tests use."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiohttp import ClientSession, ClientTimeout, web

from tests.fakes.twilio.listing import Listing
from tests.fakes.twilio.messages import Messages
from tests.fakes.twilio.resources import bare_number
from tests.fakes.twilio.templates import APPROVED, FakeTemplate


class FakeTwilio(Listing, Messages):
    """A local Twilio Messages API with fault injection, for tests and benchmarks.

    Per-request cost on create is O(1): no scans over stored messages.
    """

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

    def set_number_error(self, number: str, code: int, *, on_delivery: bool = False) -> None:
        """Make sends to ``number`` fail with Twilio error ``code`` (e.g. 21610, 63014).

        By default the create call answers 400 with that code and nothing is sent. With
        ``on_delivery=True`` the create is accepted (201) and the message then fails:
        status ``failed`` with ``ErrorCode`` in its callback, as Twilio reports 63003 and
        63014 for WhatsApp.
        """
        self._number_errors[bare_number(number)] = (code, on_delivery)

    def clear_number_error(self, number: str) -> None:
        """Undo :meth:`set_number_error`."""
        self._number_errors.pop(bare_number(number), None)

    def register_template(self, content_sid: str, text: str, *, status: str = APPROVED) -> None:
        """Create a Content template, as the Content Template Builder does.

        Only registered ``HX`` SIDs can be sent (else 400 / 21655). ``{{1}}``-style
        placeholders are filled from ``ContentVariables``, whose keys must be exactly the
        template's placeholders (else the message fails with 63028). ``status`` is
        WhatsApp's approval status (``approved``, ``pending``, ``rejected``...): a template
        that is not approved fails with 63016 outside the 24-hour window.
        """
        self.templates[content_sid] = FakeTemplate(text=text, status=status)
