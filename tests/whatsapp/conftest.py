"""The WhatsApp relay against the fake Twilio: real twilio-python client, real webhooks.

``relay_env`` starts FakeTwilio (sharing the test's frozen clock, so the fake's 24-hour
window and ours agree) and builds the production hookup, ``bot.whatsapp.wiring``'s
``WhatsAppRuntime``, from settings pointing at it: its relay, its webhook routes on a
local aiohttp server whose address is PUBLIC_BASE_URL, over the services built as
``podium run`` builds them with Twilio configured (the real object graph on the real
migrated database, WhatsApp linking on). Tests drive the relay's batches
themselves (``drain``) instead of its background loop, so they never wait on a timer.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import insert, select

from bot.bootstrap import build_services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig, Settings, load_settings
from bot.i18n import Catalogs
from bot.services.registry import Services
from bot.whatsapp.relay import Relay
from bot.whatsapp.wiring import WhatsAppRuntime, whatsapp_setup
from storage.queries import relay as relay_queries
from storage.schema import members, outbox, subscribers
from tests.conftest import GUILD_ID
from tests.fakes.twilio import FakeTwilio

SENDER = "whatsapp:+14155238886"


def fast(competition: CompetitionConfig, mps: float = 2000, concurrency: int = 16):
    """The example rules with a relay fast enough for tests."""
    whatsapp = competition.whatsapp.model_copy(
        update={"messages_per_second": mps, "concurrency": concurrency}
    )
    return competition.model_copy(update={"whatsapp": whatsapp})


def register_competition_templates(fake: FakeTwilio, competition: CompetitionConfig) -> None:
    """Create every template the rules name in the fake, approved, as an operator does in
    Twilio's Content Template Builder before the first send; ``{{1}}``… follow its
    ``variables``, so the fake checks that the relay fills exactly those."""
    templates = competition.whatsapp.templates
    for kind in type(templates).model_fields:
        localized = getattr(templates, kind)
        for language in type(localized).model_fields:
            ref = getattr(localized, language)
            if ref is None:
                continue
            slots = " · ".join(f"{{{{{i}}}}}" for i in range(1, len(ref.variables) + 1))
            fake.register_template(ref.content_sid, f"[{kind}] {slots}".strip())


def phone(n: int) -> str:
    return f"+1555{n:07d}"


@dataclass
class RelayEnv:
    services: Services
    clock: FrozenClock
    fake: FakeTwilio
    relay: Relay
    base_url: str

    @property
    def status_url(self) -> str:
        return self.base_url + "/twilio/status"

    @property
    def inbound_url(self) -> str:
        return self.base_url + "/twilio/inbound"

    async def add_subscribers(
        self, count: int, *, start: int = 1, language: str = "en", **extra: object
    ) -> list[int]:
        now = self.clock.now()
        rows = [
            {
                "user_id": start + i,
                "phone_e164": phone(start + i),
                "language": language,
                "consent_at": now,
                "consent_source": "test",
                "consent_text": "I agree",
                "created_at": now,
                **extra,
            }
            for i in range(count)
        ]
        async with self.services.db.write() as conn:
            await conn.execute(
                insert(members),
                [
                    {
                        "user_id": start + i,
                        "display_name": f"m{start + i}",
                        "first_seen_at": now,
                        "last_seen_at": now,
                    }
                    for i in range(count)
                ],
            )
            await conn.execute(insert(subscribers), rows)
            result = await conn.execute(
                select(subscribers.c.id)
                .where(subscribers.c.user_id.between(start, start + count - 1))
                .order_by(subscribers.c.id)
            )
            return [int(r[0]) for r in result]

    async def drain_all(self, *, rounds: int = 50) -> None:
        """Send until nothing is queued, moving the clock past retry backoffs."""
        for _ in range(rounds):
            await self.relay.drain()
            async with self.services.db.read() as conn:
                due, waiting = await relay_queries.backlog(conn, now=self.clock.now())
            if due == 0 and waiting == 0:
                await self.fake.flush_callbacks(timeout=60)  # a bound for a loaded machine
                return
            self.clock.advance(dt.timedelta(minutes=6))
        raise AssertionError("the outbox did not drain")

    async def replay_inbound(self, message_sid: str) -> tuple[int, str]:
        """POST again, validly signed, the inbound webhook the fake sent for ``message_sid``
        (what Twilio's retry, or someone holding a copy of the request, would send)."""
        (message,) = [m for m in self.fake.inbound if m.sid == message_sid]
        return await self.post_signed(self.inbound_url, message.form)

    async def post_signed(self, url: str, form: dict[str, str]) -> tuple[int, str]:
        """POST ``form`` to ``url`` with a valid ``X-Twilio-Signature``."""
        signature = self.fake._validator.compute_signature(url, form)
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=form, headers={"X-Twilio-Signature": signature}) as response,
        ):
            return response.status, await response.text()

    async def rows(self) -> list[dict]:
        async with self.services.db.read() as conn:
            result = await conn.execute(select(outbox).order_by(outbox.c.id))
            return [dict(r._mapping) for r in result]


#: The example competition's Content SIDs, registered in the fake as Twilio's Content API
#: would have them: their rendered text is the body Twilio's message list shows.
TEMPLATE_TEXTS = {
    "HX00000000000000000000000000000001": "Reminder: {{1}} starts at {{2}}",
    "HX00000000000000000000000000000002": "提醒：{{1}} 将于 {{2}} 开始",
    "HX00000000000000000000000000000003": "Announcement: {{1}}",
    "HX00000000000000000000000000000004": "公告：{{1}}",
    "HX00000000000000000000000000000005": "Leaderboard {{1}}: {{2}}",
    "HX00000000000000000000000000000006": "排行榜 {{1}}：{{2}}",
    "HX00000000000000000000000000000007": "{{1}} is your verification code.",
    "HX00000000000000000000000000000008": "{{1}} 是您的验证码。",
    "HX00000000000000000000000000000009": "Season calendar: {{1}} {{2}} ({{3}})",
    "HX0000000000000000000000000000000a": "赛季日历：{{1}}{{2}}（{{3}}）",
}


def register_templates(fake: FakeTwilio) -> None:
    """Give the fake the example competition's templates (see ``TEMPLATE_TEXTS``)."""
    for content_sid, text in TEMPLATE_TEXTS.items():
        fake.register_template(content_sid, text)


def whatsapp_settings(fake: FakeTwilio, public_base_url: str) -> Settings:
    """The settings ``podium run`` would have, pointing Twilio at ``fake``."""
    return load_settings(
        None,
        environ={
            "DISCORD_TOKEN": "test-token",
            "DISCORD_GUILD_ID": "1",
            "DASHBOARD_SECRET": "test-dashboard-secret-" + "x" * 32,
            "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token,
            "TWILIO_WHATSAPP_FROM": SENDER,
            "PUBLIC_BASE_URL": public_base_url,
            "TWILIO_API_BASE_URL": fake.base_url,
        },
    )


@pytest.fixture
def relay_concurrency() -> int:
    """Sends in flight at once (override with ``@pytest.mark.parametrize``)."""
    return 16


@pytest.fixture
def twilio_timeout() -> float:
    """Seconds per Twilio request (override with ``@pytest.mark.parametrize``)."""
    return 2.0


@pytest.fixture
async def relay_env(
    services: Services, clock: FrozenClock, relay_concurrency: int, twilio_timeout: float
) -> AsyncIterator[RelayEnv]:
    async with FakeTwilio(clock=clock.now) as fake:
        register_templates(fake)
        # Routes need the base URL, known only once the server listens: pick the port first.
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        settings = whatsapp_settings(fake, base)
        services = build_services(
            db=services.db,
            clock=clock,
            competition=fast(services.competition, concurrency=relay_concurrency),
            guild_id=GUILD_ID,
            whatsapp_setup=whatsapp_setup(settings),
        )
        runtime = WhatsAppRuntime(settings, services, Catalogs(), twilio_timeout=twilio_timeout)
        app = web.Application()
        runtime.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield RelayEnv(services, clock, fake, runtime.relay, base)
        finally:
            await fake.flush_callbacks(timeout=60)
            await runtime.stop()
            await runner.cleanup()
