"""Split processes on PostgreSQL: `podium run --only gateway`, two `--only worker` and two
`--only web` on one database, against the fake Discord and the fake Twilio.

A broadcast to Discord and to 2,000 WhatsApp subscribers, scheduled by the gateway, is
fired by one worker (woken by NOTIFY) and sent by both relays; one worker is SIGKILLed
mid-send and the other takes its claimed rows over. Every subscriber gets the message
exactly once and the Discord post appears once. A Q&A reminder the gateway scheduled fires
once from the timers both workers armed. A dashboard login made on one web process works on
the other.

No waiting for the reminder's time: the workers run with their clocks five minutes ahead
(libfaketime), so a reminder the gateway schedules five minutes and ``LEAD`` away is due
``LEAD`` after it is scheduled, while the broadcast the gateway schedules "now" is five
minutes late for them, well within the grace period, and fires at once.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import load_competition
from tests.databases import IN_CI, POSTGRES_URL, postgres_database
from tests.e2e.conftest import PodiumProcess, podium_process
from tests.e2e.test_process import ORGANIZER, seed_members
from tests.e2e.test_whatsapp_relay import seed_subscribers, unsettled
from tests.fakes.discord import FakeDiscord, wait_for
from tests.fakes.twilio import FakeTwilio
from tests.whatsapp.conftest import register_competition_templates

pytestmark = pytest.mark.e2e

SUBSCRIBERS = 2000
WORKER_CLOCK_AHEAD = dt.timedelta(minutes=5)
LEAD = dt.timedelta(seconds=10)
#: Five interpreters starting at once on a busy two-core machine: not a timing claim.
STARTS_WITHIN = 120
ROLES = {
    "gateway": ("--only", "gateway"),
    "worker1": ("--only", "worker"),
    "worker2": ("--only", "worker"),
    "web1": ("--only", "web"),
    "web2": ("--only", "web"),
}


@pytest.fixture
async def postgres() -> AsyncIterator[str]:
    """A PostgreSQL database of the test's own (skips without one, fails in CI)."""
    if POSTGRES_URL is None and not IN_CI:
        pytest.skip("PODIUM_TEST_POSTGRES_URL not set")
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def processes(
    tmp_path: Path, fake_discord: FakeDiscord, postgres: str
) -> AsyncIterator[dict[str, PodiumProcess]]:
    made: dict[str, PodiumProcess] = {}
    for name, args in ROLES.items():
        workdir = tmp_path / name
        workdir.mkdir()
        made[name] = podium_process(workdir, fake_discord, database_url=postgres)
        made[name].args = args
    try:
        yield made
    finally:
        for process in made.values():
            if process.proc is not None and process.proc.returncode is None:
                await process.terminate()
            process.db.close()


def configure(processes: dict[str, PodiumProcess], twilio: FakeTwilio) -> None:
    """Every process: the fake Twilio (callbacks to web1), a two-second fallback poll, one
    reminder a minute before a Q&A session, and a relay rate that spreads the broadcast
    over a few seconds per worker (so the kill lands mid-send)."""
    public = f"http://127.0.0.1:{processes['web1'].web_port}"
    for process in processes.values():
        process.env |= {
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
            "PUBLIC_BASE_URL": public,
            "TWILIO_API_BASE_URL": twilio.base_url,
            "WAKE_POLL_SECONDS": "2",
            # The killed worker's rows are taken over once its lease was free this long.
            "LEASE_GRACE_SECONDS": "3",
        }
        rules = process.workdir / "competition.toml"
        text = rules.read_text()
        text = re.sub(r"(?m)^messages_per_second = .*$", "messages_per_second = 150", text)
        text = text.replace('offsets = ["24h", "1h"]', 'offsets = ["1m"]')
        rules.write_text(text)
    twilio.set_rate_cap(None)
    register_competition_templates(
        twilio, load_competition(processes["gateway"].workdir / "competition.toml")
    )


async def test_gateway_two_workers_and_two_web_processes_do_each_thing_once_across_a_worker_sigkill(
    processes: dict[str, PodiumProcess], fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    gateway, worker1, worker2, web1, web2 = processes.values()
    async with FakeTwilio() as twilio:
        configure(processes, twilio)
        seed_subscribers(gateway, SUBSCRIBERS)  # migrates the database first
        seed_members(fake)
        ahead = dt.datetime.now(dt.UTC) + WORKER_CLOCK_AHEAD
        await asyncio.gather(
            gateway.start(limit=STARTS_WITHIN),
            web1.start(limit=STARTS_WITHIN),
            web2.start(limit=STARTS_WITHIN),
            worker1.start(clock_at=ahead, limit=STARTS_WITHIN),
            worker2.start(clock_at=ahead, limit=STARTS_WITHIN),
        )
        await fake.wait_for_commands()
        health = {name: await p.health() for name, p in processes.items()}
        assert health["gateway"]["runs"] == ["gateway"]
        assert health["worker1"]["runs"] == ["scheduler", "relay"]
        assert health["worker1"]["discord"] == {"ok": True}
        assert health["worker1"]["wakeup"] == {"ok": True}
        assert health["web2"]["runs"] == ["web"]
        await fake.invoke("admin setup", user_id=ORGANIZER, timeout=20)

        # The gateway schedules the reminder (the workers' clocks: due in LEAD) ...
        start = dt.datetime.now(dt.UTC) + WORKER_CLOCK_AHEAD + dt.timedelta(minutes=1) + LEAD
        scheduled = await fake.invoke(
            "qa schedule",
            user_id=ORGANIZER,
            options={
                "title": "Ask the judges",
                "kind": "official",
                "start": start.replace(microsecond=0).isoformat(),
                "duration": "30m",
                "host": str(ORGANIZER),
                "audience": "rookie",
            },
            timeout=20,
        )
        assert "scheduled" in scheduled.text
        # ... and the broadcast, to Discord and to every subscriber.
        sent = await fake.invoke(
            "broadcast now",
            user_id=ORGANIZER,
            options={"message": "Finals start now", "audience": "all", "channels": "both"},
        )
        assert "Broadcast #1 scheduled" in sent.text
        await wait_for(lambda: len(twilio.messages) >= 400, timeout=60)
        await worker1.kill()
        assert len(twilio.messages) < SUBSCRIBERS  # the kill landed mid-send

        await wait_for(lambda: len({m.to for m in twilio.messages}) >= SUBSCRIBERS, timeout=120)
        await wait_for(lambda: unsettled(gateway) == 0, timeout=60)
        per_number = collections.Counter(m.to for m in twilio.messages)
        assert len(per_number) == SUBSCRIBERS
        assert set(per_number.values()) == {1}, "a subscriber got the broadcast twice"
        assert "relay took over rows of a worker that is gone" in worker2.log()
        # The web process applied Twilio's status callbacks (no relay runs there).
        await twilio.flush_callbacks(timeout=120)
        delivered = "SELECT count(*) FROM outbox WHERE status = 'delivered'"
        await wait_for(lambda: gateway.db.rows(delivered) == [(SUBSCRIBERS,)], timeout=60)

        def posts(marker: str) -> list[dict]:
            return [m for m in fake.messages.values() if marker in m["content"]]

        await wait_for(lambda: bool(posts("Finals start now")), timeout=30)
        await wait_for(lambda: bool(posts("Reminder:")), timeout=60, interval=0.2)
        reminder_job = "SELECT status FROM scheduled_jobs WHERE key = 'qa:1:remind:60'"
        await wait_for(lambda: gateway.db.rows(reminder_job) == [("done",)], timeout=30)
        assert len(posts("Finals start now")) == 1, "the Discord broadcast was posted twice"
        assert len(posts("Reminder:")) == 1, "the reminder fired twice"
        # Rendered by a worker from REST alone: the cohort role's mention, pinging only it.
        rookie = fake.role_named("Rookie")
        assert rookie is not None
        (reminder,) = posts("Reminder:")
        assert reminder["content"].startswith(f"<@&{rookie['id']}>")
        assert [int(r) for r in reminder["allowed_mentions"]["roles"]] == [int(rookie["id"])]
        assert gateway.db.rows("SELECT count(*) FROM outbox") == [(SUBSCRIBERS,)]

        # A login made on one web process opens the dashboard on the other.
        answer = await fake.invoke("admin dashboard", user_id=ORGANIZER)
        link = re.search(r"<(http://[^>]+/admin/login\?token=[^>]+)>", answer.text)
        assert link is not None, answer.text
        async with aiohttp.ClientSession() as http:
            async with http.get(link.group(1), allow_redirects=False) as response:
                assert response.status == 303
                cookie = response.cookies["podium_session"].value
            async with http.get(
                f"http://127.0.0.1:{web2.web_port}/admin",
                headers={"Cookie": f"podium_session={cookie}"},
                allow_redirects=False,
            ) as response:
                assert response.status == 200

        for process in (gateway, worker2, web1, web2):
            assert "Traceback" not in process.log()
            assert await process.terminate() == 0
