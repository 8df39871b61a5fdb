"""The WhatsApp relay against the fake Twilio: real twilio-python client, real webhooks.

``relay_env`` starts FakeTwilio (sharing the test's frozen clock, so the fake's 24-hour
window and ours agree), the Twilio webhooks on a local aiohttp server whose address is
PUBLIC_BASE_URL, and a ``Relay`` on the real migrated database.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from sqlalchemy import insert, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.config import CompetitionConfig
from bot.i18n import Catalogs
from bot.whatsapp.relay import Relay
from bot.whatsapp.twilio_client import build_twilio_client, close_twilio_client
from bot.whatsapp.webhooks import add_twilio_routes
from bot.whatsapp.wiring import keyword_sources
from storage.queries import relay as relay_queries
from storage.schema import members, outbox, subscribers
from tests.fakes.fake_twilio import FakeTwilio

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

    async def rows(self) -> list[dict]:
        async with self.services.db.read() as conn:
            result = await conn.execute(select(outbox).order_by(outbox.c.id))
            return [dict(r._mapping) for r in result]


@pytest.fixture
async def relay_env(services: Services, clock: FrozenClock) -> AsyncIterator[RelayEnv]:
    async with FakeTwilio(clock=clock.now) as fake:
        register_competition_templates(fake, services.competition)
        app = web.Application()
        runner = web.AppRunner(app, access_log=None)
        # Routes need the base URL, known only once the server listens: bind first.
        site_holder: dict[str, str] = {}

        def routes(application: web.Application) -> None:
            add_twilio_routes(
                application,
                whatsapp=services.whatsapp,
                catalogs=Catalogs(),
                auth_token=fake.auth_token,
                public_base_url=site_holder["base"],
                data_sources=lambda: keyword_sources(services),
            )

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        site_holder["base"] = f"http://127.0.0.1:{port}"
        routes(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        client = build_twilio_client(
            fake.account_sid, fake.auth_token, api_base_url=fake.base_url, timeout=2.0
        )
        relay = Relay(
            db=services.db,
            clock=clock,
            competition=fast(services.competition),
            client=client,
            public_base_url=site_holder["base"],
            apply_status=services.whatsapp.apply_status,
            whatsapp_from=SENDER,
        )
        services.whatsapp.configure(bot_number="+14155238886", code_sender=relay)
        services.whatsapp.listeners.append(relay)
        try:
            yield RelayEnv(services, clock, fake, relay, site_holder["base"])
        finally:
            await fake.flush_callbacks(timeout=60)
            await close_twilio_client(client)
            await runner.cleanup()
