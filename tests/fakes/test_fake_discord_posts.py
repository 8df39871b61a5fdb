"""The fake Discord's Create Message rules: enforced nonces and real role mentions."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord import FakeDiscord

MENTION_EVERYONE = 1 << 17


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


async def post(fake: FakeDiscord, channel: int, body: dict[str, Any]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(headers={"Authorization": "Bot t"}) as http,
        http.post(f"{fake.api_base_url}/channels/{channel}/messages", json=body) as response,
    ):
        return response.status, await response.json()


async def history(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession(headers={"Authorization": "Bot t"}) as http,
        http.get(f"{fake.api_base_url}/channels/{channel}/messages") as response,
    ):
        result: list[dict[str, Any]] = await response.json()
        return result


async def test_an_enforced_nonce_reused_in_the_window_returns_the_first_message(
    fake: FakeDiscord,
):
    channel = int(fake.default_channel["id"])
    body = {"content": "hello", "nonce": "bc.1", "enforce_nonce": True}
    status, first = await post(fake, channel, body)
    again_status, again = await post(fake, channel, body)
    assert (status, again_status) == (200, 200)
    assert again["id"] == first["id"]
    assert first["nonce"] == again["nonce"] == "bc.1"
    assert len(fake.messages_in(channel)) == 1
    assert "nonce" not in (await history(fake, channel))[0], "nonces are not stored"


async def test_a_nonce_makes_no_repeat_without_enforcement_or_after_the_window(
    fake: FakeDiscord,
):
    channel = int(fake.default_channel["id"])
    await post(fake, channel, {"content": "a", "nonce": "x.1"})
    await post(fake, channel, {"content": "a", "nonce": "x.1"})
    assert len(fake.messages_in(channel)) == 2
    fake.posting.nonce_window = dt.timedelta(0)
    await post(fake, channel, {"content": "b", "nonce": "x.2", "enforce_nonce": True})
    await post(fake, channel, {"content": "b", "nonce": "x.2", "enforce_nonce": True})
    assert len(fake.messages_in(channel)) == 4


async def test_a_nonce_longer_than_25_characters_is_refused(fake: FakeDiscord):
    status, body = await post(
        fake, int(fake.default_channel["id"]), {"content": "a", "nonce": "n" * 26}
    )
    assert status == 400
    assert body["code"] == 50035
    assert "nonce" in body["errors"]


async def test_mention_roles_needs_a_mentionable_role_or_mention_everyone(fake: FakeDiscord):
    channel = int(fake.default_channel["id"])
    everyone = fake.roles[fake.guild_id]  # as Community servers set it: no Mention Everyone
    everyone["permissions"] = str(int(everyone["permissions"]) & ~MENTION_EVERYONE)
    quiet = fake.add_role("Quiet")
    loud = fake.add_role("Loud")
    loud["mentionable"] = True
    content = f"<@&{quiet['id']}> <@&{loud['id']}>"
    only = {"parse": [], "roles": [quiet["id"], loud["id"]]}
    _, message = await post(fake, channel, {"content": content, "allowed_mentions": only})
    assert message["mention_roles"] == [loud["id"]]
    _, muted = await post(fake, channel, {"content": content, "allowed_mentions": {"parse": []}})
    assert muted["mention_roles"] == []
    bot_role = fake.role_named("Podium")
    assert bot_role is not None
    bot_role["permissions"] = str(int(bot_role["permissions"]) | MENTION_EVERYONE)
    _, strong = await post(fake, channel, {"content": content, "allowed_mentions": only})
    assert strong["mention_roles"] == [quiet["id"], loud["id"]]
