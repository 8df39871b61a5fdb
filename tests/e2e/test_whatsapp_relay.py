"""WhatsApp through the real `podium run`: SIGKILL mid-broadcast, then the restart sends
each remaining recipient exactly once (rows left `sending` are checked against Twilio's
list before any resend); STOP then START through signed inbound webhooks, and delivery
resumes without a restart."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import re
import subprocess
import sys

import aiohttp
import pytest

from bot.config import load_competition
from tests.databases import BACKENDS
from tests.e2e.conftest import PodiumProcess
from tests.e2e.test_process import ORGANIZER, seed_members
from tests.fakes.discord import FakeDiscord, wait_for
from tests.fakes.twilio import FakeTwilio
from tests.whatsapp.conftest import register_competition_templates

pytestmark = pytest.mark.e2e

RECIPIENTS = 150


def with_whatsapp(podium: PodiumProcess, fake: FakeTwilio) -> None:
    """Point the process at the fake Twilio (its rules' templates created there, its rate
    cap on) and slow the relay so a kill lands mid-way."""
    podium.env |= {
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{podium.web_port}",
        "TWILIO_API_BASE_URL": fake.base_url,
    }
    rules = podium.workdir / "competition.toml"
    text = rules.read_text()
    text = re.sub(r"(?m)^messages_per_second = .*$", "messages_per_second = 25", text)
    text = re.sub(r"(?m)^concurrency = .*$", "concurrency = 4", text)
    rules.write_text(text)
    register_competition_templates(fake, load_competition(rules))


def seed_subscribers(podium: PodiumProcess, count: int = RECIPIENTS) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=podium.workdir,
        env=podium.env,
        check=True,
        capture_output=True,
    )
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    podium.db.executemany(
        "INSERT INTO subscribers (user_id, phone_e164, language, consent_at, consent_source,"
        " consent_text, created_at) VALUES (?, ?, 'en', ?, 'test', 'ok', ?)",
        [(1000 + i, f"+1555{i:07d}", now, now) for i in range(count)],
    )


def unsettled(podium: PodiumProcess) -> int:
    """Outbox rows still waiting for the relay or in its hands."""
    ((count,),) = podium.db.rows(
        "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"
    )
    return int(count)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_sigkill_mid_broadcast_then_restart_sends_each_recipient_exactly_once(
    podium: PodiumProcess, fake_discord: FakeDiscord
) -> None:
    async with FakeTwilio() as fake:
        with_whatsapp(podium, fake)
        # PostgreSQL: the restarted process takes the dead one's rows over once its lease
        # has been seen free for the grace (at the next sweep); short here.
        podium.env |= {"LEASE_GRACE_SECONDS": "2", "WAKE_POLL_SECONDS": "2"}
        seed_subscribers(podium)
        seed_members(fake_discord)
        await podium.start()
        await fake_discord.wait_for_commands()

        sent = await fake_discord.invoke(
            "broadcast now",
            user_id=ORGANIZER,
            options={"message": "Finals start now", "audience": "all", "channels": "whatsapp"},
        )
        assert "Broadcast #1 scheduled" in sent.text
        # Mid-way through the second batch of 50 claimed rows.
        await wait_for(lambda: len(fake.messages) >= 60, timeout=30)
        await podium.kill()
        at_kill = len(fake.messages)
        assert at_kill < RECIPIENTS  # the kill landed mid-broadcast

        await podium.start()
        await wait_for(lambda: len({m.to for m in fake.messages}) >= RECIPIENTS, timeout=60)
        # Every row settled (some had their message in the fake before the restarted
        # relay checked them), then anything duplicated would show up.
        await wait_for(lambda: unsettled(podium) == 0, timeout=60)
        await asyncio.sleep(1.0)
        await fake.flush_callbacks()

        per_number = collections.Counter(m.to for m in fake.messages)
        assert len(per_number) == RECIPIENTS
        assert set(per_number.values()) == {1}, "a recipient got the broadcast twice"
        assert fake.violations_63016 == 0
        status = await fake_discord.invoke("broadcast status", user_id=ORGANIZER, options={"id": 1})
        counts = re.search(r"queued (\d+) · sent (\d+) · delivered (\d+)", status.text)
        assert counts is not None
        # Callbacks posted while the process was dead were lost; the restart fetched those
        # statuses (and the list gave the status of reconciled rows), so counts match.
        final = collections.Counter(m.status for m in fake.messages)
        assert [int(n) for n in counts.groups()] == [0, 0, final["delivered"]]
        assert final["delivered"] == RECIPIENTS
        sids = {r[0] for r in podium.db.rows("SELECT twilio_sid FROM outbox")}
        assert sids == {m.sid for m in fake.messages}
        # Claimed rows were in flight at the kill: the restart checked them against Twilio
        # (SQLite: at start; PostgreSQL: at the first sweep after the lease grace).
        taken_over = (
            "relay found rows left sending by a crash"
            if podium.db.url.startswith("sqlite")
            else "relay took over rows of a worker that is gone"
        )
        assert taken_over in podium.log()
        health = await podium.health()
        assert health["relay"] == {"ok": True, "due": 0, "waiting": 0}
        assert "Traceback" not in podium.log()
        assert await podium.terminate() == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
async def test_stop_then_start_by_whatsapp_resumes_delivery_without_a_restart(
    podium: PodiumProcess, fake_discord: FakeDiscord
) -> None:
    number = "+15550000000"
    async with FakeTwilio() as fake:
        with_whatsapp(podium, fake)
        seed_subscribers(podium, count=1)
        seed_members(fake_discord)
        await podium.start()
        assert podium.proc is not None
        pid = podium.proc.pid
        await fake_discord.wait_for_commands()
        inbound = f"http://127.0.0.1:{podium.web_port}/twilio/inbound"

        async def broadcast(text: str) -> None:
            sent = await fake_discord.invoke(
                "broadcast now",
                user_id=ORGANIZER,
                options={"message": text, "audience": "all", "channels": "whatsapp"},
            )
            assert "scheduled" in sent.text

        await broadcast("Round 1 opens")
        await wait_for(lambda: len(fake.messages_to(number)) == 1, timeout=30)

        status, stopped = await fake.send_inbound(inbound, from_=number, body="STOP")
        assert (status, "unsubscribed" in stopped) == (200, True)
        stop_form = fake.inbound[-1].form
        status, started = await fake.send_inbound(inbound, from_=number, body="START")
        assert (status, "subscribed again" in started) == (200, True)
        # A captured copy of the signed STOP, replayed: changes nothing, says nothing.
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                inbound,
                data=stop_form,
                headers={
                    "X-Twilio-Signature": fake._validator.compute_signature(inbound, stop_form)
                },
            ) as replay,
        ):
            assert (replay.status, "<Message>" in await replay.text()) == (200, False)

        await broadcast("Round 2 opens")
        await wait_for(lambda: len(fake.messages_to(number)) == 2, timeout=30)

        first, second = (m.body or "" for m in fake.messages_to(number))
        assert ("Round 1 opens" in first, "Round 2 opens" in second) == (True, True)
        # The same process all along: the relay was never restarted in between.
        assert (podium.starts, podium.proc.pid, podium.proc.returncode) == (1, pid, None)
        assert podium.log().count("whatsapp relay started") == 1
        actions = [r[0] for r in podium.db.rows("SELECT action FROM consent_records ORDER BY id")]
        assert actions == ["opt_out", "resubscribe"]
        assert "Traceback" not in podium.log()
        assert await podium.terminate() == 0
