"""What the fake Twilio's tests share: the fake, the real client on it, a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from twilio.rest import Client

from bot.whatsapp.twilio_client import build_twilio_client, close_twilio_client
from tests.fakes.twilio import FakeTwilio

SENDER = "whatsapp:+14155238886"
ALICE = "whatsapp:+15551230001"
BOB = "whatsapp:+15551230002"
TEMPLATE_SID = "HX" + "ab" * 16


@dataclass
class Receiver:
    """A tiny webhook endpoint that keeps what it was sent."""

    base_url: str = ""
    received: list[tuple[str, dict[str, str], str | None]] = field(default_factory=list)
    answer: int = 200

    def url(self, path: str) -> str:
        return self.base_url + path

    async def handle(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.received.append((request.path, form, request.headers.get("X-Twilio-Signature")))
        return web.Response(status=self.answer, text="ok" if self.answer < 300 else "no")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as twilio_fake:
        twilio_fake.register_template(TEMPLATE_SID, "Your round starts now")
        yield twilio_fake


@pytest.fixture
async def client(fake: FakeTwilio) -> AsyncIterator[Client]:
    twilio_client = build_twilio_client(
        fake.account_sid, fake.auth_token, api_base_url=fake.base_url, timeout=5.0
    )
    yield twilio_client
    await close_twilio_client(twilio_client)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", state.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.base_url = f"http://{host}:{port}"
    yield state
    await runner.cleanup()
