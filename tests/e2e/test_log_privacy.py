"""`LOG_LEVEL=DEBUG` logs no personal data and no secret (issue 13, defect 8).

The real `podium run` at DEBUG, against the fake Discord and the fake Twilio, goes through
the paths that handle a phone number and the secrets: a member links a WhatsApp number
(the option arrives in a gateway event, the code goes out through Twilio, the member's
LINK message comes back through the signed webhook), a broadcast is sent to them, an
organizer signs in to the dashboard and logs out with the CSRF-checked form. Then every
line the process wrote is scanned.
"""

from __future__ import annotations

import re
import secrets

import aiohttp
import pytest

from tests.e2e.conftest import DASHBOARD_SECRET, PodiumProcess, podium_process
from tests.e2e.test_process import ORGANIZER, PARTICIPANT, seed_members
from tests.e2e.test_whatsapp_relay import with_whatsapp
from tests.fakes.discord import FakeDiscord, wait_for
from tests.fakes.twilio import FakeTwilio

pytestmark = pytest.mark.e2e

PHONE = "+12025550147"


def _leaks(log: str, needles: dict[str, str]) -> list[str]:
    """One line per leaked value and logger: what leaked, how often, the first line."""
    found: dict[tuple[str, str], list[str]] = {}
    for line in log.splitlines():
        logger = line.split(" ", 3)[2] if line.count(" ") >= 3 else "?"
        for what, needle in needles.items():
            if needle in line:
                found.setdefault((what, logger), []).append(line)
    return [
        f"{what} via {logger} x{len(lines)}: {lines[0][:240]}"
        for (what, logger), lines in found.items()
    ]


async def test_debug_logs_carry_no_phone_number_csrf_token_cookie_or_secret(
    tmp_path, fake_discord: FakeDiscord
) -> None:
    podium: PodiumProcess = podium_process(tmp_path, fake_discord, log_level="DEBUG")
    discord_token = "discord-bot-token-" + secrets.token_urlsafe(16)
    async with FakeTwilio(auth_token="twilio-auth-" + secrets.token_hex(12)) as twilio:
        with_whatsapp(podium, twilio)
        podium.env["DISCORD_TOKEN"] = discord_token
        seed_members(fake_discord)
        try:
            await podium.start()
            await fake_discord.wait_for_commands()
            base = f"http://127.0.0.1:{podium.web_port}"

            linked = await fake_discord.invoke(
                "whatsapp link", user_id=PARTICIPANT, options={"phone": "+1 202 555 0147"}
            )
            assert PHONE in linked.text  # the owner sees their own number
            code = re.search(r"text=LINK%20(\w+)", linked.text)
            assert code is not None, linked.text
            status, _ = await twilio.send_inbound(
                f"{base}/twilio/inbound", from_=PHONE, body=f"LINK {code.group(1)}"
            )
            assert status == 200
            # The LINK reply (TwiML) means the number is linked. The code queued by
            # /whatsapp link goes out only if the relay takes it before LINK arrives (after,
            # it is void and skipped), so no message is awaited here: the broadcast below is.

            sent = await fake_discord.invoke(
                "broadcast now",
                user_id=ORGANIZER,
                options={"message": "Finals start now", "audience": "all", "channels": "both"},
            )
            assert "scheduled" in sent.text
            await wait_for(
                lambda: any(
                    m.body and "Finals start now" in m.body
                    for m in twilio.messages_to(f"whatsapp:{PHONE}")
                ),
                timeout=60,
            )
            await twilio.flush_callbacks()

            issued = await fake_discord.invoke("admin dashboard", user_id=ORGANIZER)
            link = re.search(r"<(http[^>]+)>", issued.text)
            assert link is not None, issued.text
            login_token = link.group(1).split("token=", 1)[1]
            async with aiohttp.ClientSession() as http:
                async with http.get(link.group(1), allow_redirects=False) as response:
                    assert response.status == 303
                    cookie = response.cookies["podium_session"].value
                headers = {"Cookie": f"podium_session={cookie}"}
                async with http.get(f"{base}/admin", headers=headers) as response:
                    page = await response.text()
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
                assert csrf is not None
                async with http.post(
                    f"{base}/admin/logout",
                    data={"csrf_token": csrf.group(1)},
                    headers=headers | {"Origin": base},
                    allow_redirects=False,
                ) as response:
                    assert response.status == 303
        finally:
            if podium.proc is not None and podium.proc.returncode is None:
                await podium.terminate()

    log = podium.log()
    assert "DEBUG" in log, "the process did not log at DEBUG"
    leaks = _leaks(
        log,
        {
            "phone number": PHONE,
            "phone number digits": PHONE.lstrip("+"),
            "phone number as typed": "202 555 0147",
            "CSRF token": csrf.group(1),
            "session cookie": cookie,
            "login link token": login_token,
            "Discord token": discord_token,
            "Twilio auth token": twilio.auth_token,
            "DASHBOARD_SECRET": DASHBOARD_SECRET,
            "interaction token (link)": linked.token,
            "interaction token (dashboard)": issued.token,
        },
    )
    assert leaks == [], "\n".join(leaks)
