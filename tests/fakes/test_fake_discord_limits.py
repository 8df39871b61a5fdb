"""The fake Discord refuses what Discord refuses, with Discord's codes, paths and headers.

Each test sends a raw request to the fake (as discord.py would) and checks the answer
against Discord's documented shape: 400 / 50035 with ``errors`` along the field path,
404 / 10062 after 3 s without an answer, 401 / 50027 after 15 minutes, 429 with
``retry_after`` and ``X-RateLimit-*`` headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord.http
import pytest

from tests.conftest import GUILD_ID
from tests.fakes.discord import FakeDiscord, limits

USER = 100000000000000020
BOT = {"Authorization": "Bot fake-token"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(guild_id=GUILD_ID)
    fake.add_member(USER, "Pat Participant")
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(
    http: aiohttp.ClientSession, fake: FakeDiscord, method: str, path: str, body: Any = None
) -> tuple[int, Any, dict[str, str]]:
    async with http.request(method, fake.api_base_url + path, json=body, headers=BOT) as response:
        data = await response.json() if response.content_type == "application/json" else None
        return response.status, data, dict(response.headers)


def interaction(fake: FakeDiscord) -> tuple[str, str]:
    """A slash-command interaction the fake created (id, token), as if just dispatched."""
    payload, _ = fake._interaction_base(
        2, user_id=USER, locale="en-US", guild_locale="en-US", channel_id=None
    )
    return str(payload["id"]), str(payload["token"])


def error_at(body: dict[str, Any], *path: str) -> list[dict[str, str]]:
    node: Any = body["errors"]
    for key in path:
        node = node[key]
    return list(node["_errors"])


def channel(fake: FakeDiscord) -> str:
    return f"/channels/{fake.default_channel['id']}/messages"


# -- payload limits: 400 / 50035 with the field path --------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"content": "x" * 2001}, ("content",)),
        ({"embeds": [{"title": "t" * 257}]}, ("embeds", "0", "title")),
        ({"embeds": [{"description": "d" * 4097}]}, ("embeds", "0", "description")),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
            ("embeds", "0", "fields"),
        ),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
            ("embeds", "0", "fields", "0", "name"),
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ("embeds", "0", "fields", "0", "value"),
        ),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, ("embeds", "0", "footer", "text")),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, ("embeds", "0", "author", "name")),
        ({"embeds": [{"title": "t"}] * 11}, ("embeds",)),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, ("embeds",)),
    ],
)
async def test_a_message_over_a_content_or_embed_limit_is_refused_with_the_field_path(
    fake: FakeDiscord, http: aiohttp.ClientSession, body: dict[str, Any], path: tuple[str, ...]
):
    status, answer, _ = await send(http, fake, "POST", channel(fake), body)
    assert status == 400
    assert answer["code"] == 50035
    assert error_at(answer, *path)
    assert fake.messages_in(int(fake.default_channel["id"])) == []
    assert fake.limit_errors[-1]["code"] == 50035


async def test_a_message_exactly_at_every_limit_is_accepted(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    embed = {
        "title": "t" * 256,
        "description": "d" * 1000,
        "fields": [{"name": "n" * 100, "value": "v" * 100}] * 23,
        "footer": {"text": "f" * 100},
    }
    assert limits.embed_size(embed) == 5956
    row = {"type": 1, "components": [{"type": 2, "custom_id": "c" * 100, "label": "l" * 80}] * 5}
    body = {"content": "x" * 2000, "embeds": [embed], "components": [row] * 5}
    status, _, _ = await send(http, fake, "POST", channel(fake), body)
    assert status == 200
    assert fake.limit_errors == []


@pytest.mark.parametrize(
    ("components", "path"),
    [
        (
            [{"type": 1, "components": [{"type": 2, "custom_id": "b", "label": "b"}]}] * 6,
            ("components",),
        ),
        (
            [{"type": 1, "components": [{"type": 2, "custom_id": "b", "label": "b"}] * 6}],
            ("components", "0", "components"),
        ),
        (
            [{"type": 1, "components": [{"type": 2, "custom_id": "c" * 101, "label": "b"}]}],
            ("components", "0", "components", "0", "custom_id"),
        ),
        (
            [{"type": 1, "components": [{"type": 2, "custom_id": "b", "label": "l" * 81}]}],
            ("components", "0", "components", "0", "label"),
        ),
        (
            [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 3,
                            "custom_id": "s",
                            "options": [{"label": "o", "value": "o"}] * 26,
                        }
                    ],
                }
            ],
            ("components", "0", "components", "0", "options"),
        ),
    ],
)
async def test_components_over_a_limit_are_refused_with_the_field_path(
    fake: FakeDiscord,
    http: aiohttp.ClientSession,
    components: list[dict[str, Any]],
    path: tuple[str, ...],
):
    status, answer, _ = await send(http, fake, "POST", channel(fake), {"components": components})
    assert (status, answer["code"]) == (400, 50035)
    assert error_at(answer, *path)


async def test_autocomplete_choices_over_100_characters_or_25_items_are_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    choices = [{"name": "n" * 101, "value": "v"}] + [{"name": "n", "value": "v"}] * 25
    status, answer, _ = await send(
        http,
        fake,
        "POST",
        f"/interactions/{interaction_id}/{token}/callback",
        {"type": 8, "data": {"choices": choices}},
    )
    assert (status, answer["code"]) == (400, 50035)
    assert error_at(answer, "data", "choices")
    assert error_at(answer, "data", "choices", "0", "name")
    assert fake._interactions[token].response is None


async def test_an_interaction_reply_over_a_limit_is_refused_under_data(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    status, answer, _ = await send(
        http,
        fake,
        "POST",
        f"/interactions/{interaction_id}/{token}/callback",
        {"type": 4, "data": {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}},
    )
    assert (status, answer["code"]) == (400, 50035)
    assert error_at(answer, "data", "embeds", "0", "fields", "0", "value")


async def test_a_modal_title_over_45_characters_is_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    modal = {
        "custom_id": "m",
        "title": "t" * 46,
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "i", "label": "l", "style": 1}]}
        ],
    }
    status, answer, _ = await send(
        http,
        fake,
        "POST",
        f"/interactions/{interaction_id}/{token}/callback",
        {"type": 9, "data": modal},
    )
    assert (status, answer["code"]) == (400, 50035)
    assert error_at(answer, "data", "title")


async def test_followups_and_edits_over_a_limit_are_refused(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    app = fake.application_id
    await send(http, fake, "POST", f"/interactions/{interaction_id}/{token}/callback", {"type": 5})
    status, answer, _ = await send(
        http, fake, "POST", f"/webhooks/{app}/{token}?wait=true", {"content": "x" * 2001}
    )
    assert (status, answer["code"]) == (400, 50035)
    assert error_at(answer, "content")
    status, answer, _ = await send(
        http,
        fake,
        "PATCH",
        f"/webhooks/{app}/{token}/messages/@original",
        {"embeds": [{"title": "t" * 257}]},
    )
    assert (status, answer["code"]) == (400, 50035)
    assert error_at(answer, "embeds", "0", "title")
    assert fake._interactions[token].followups == []
    assert fake._interactions[token].edits == []


# -- interaction deadlines -----------------------------------------------------------------


async def test_a_first_answer_after_3_seconds_is_an_unknown_interaction(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    fake.advance(3.001)
    status, answer, _ = await send(
        http, fake, "POST", f"/interactions/{interaction_id}/{token}/callback", {"type": 5}
    )
    assert (status, answer["code"]) == (404, 10062)
    assert fake._interactions[token].response is None


async def test_a_first_answer_at_exactly_3_seconds_is_still_in_time(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    fake.advance(3.0)
    status, _, _ = await send(
        http, fake, "POST", f"/interactions/{interaction_id}/{token}/callback", {"type": 5}
    )
    assert status == 200


async def test_followups_and_edits_after_15_minutes_get_invalid_webhook_token(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    interaction_id, token = interaction(fake)
    app = fake.application_id
    await send(http, fake, "POST", f"/interactions/{interaction_id}/{token}/callback", {"type": 5})
    fake.advance(15 * 60)
    status, _, _ = await send(http, fake, "POST", f"/webhooks/{app}/{token}", {"content": "ok"})
    assert status == 204
    fake.advance(0.001)
    for method, path, body in [
        ("POST", f"/webhooks/{app}/{token}", {"content": "late"}),
        ("PATCH", f"/webhooks/{app}/{token}/messages/@original", {"content": "late"}),
        ("GET", f"/webhooks/{app}/{token}/messages/@original", None),
        ("DELETE", f"/webhooks/{app}/{token}/messages/@original", None),
    ]:
        status, answer, _ = await send(http, fake, method, path, body)
        assert (status, answer["code"]) == (401, 50027), (method, path)
    assert [f["content"] for f in fake._interactions[token].followups] == ["ok"]


# -- rate limits ---------------------------------------------------------------------------


async def test_every_answer_carries_its_route_bucket_headers(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    status, _, headers = await send(http, fake, "GET", f"/guilds/{GUILD_ID}/roles")
    assert status == 200
    assert headers["X-RateLimit-Limit"] == str(fake.rate_limits.limit)
    assert headers["X-RateLimit-Remaining"] == str(fake.rate_limits.limit - 1)
    assert float(headers["X-RateLimit-Reset-After"]) <= fake.rate_limits.window
    assert float(headers["X-RateLimit-Reset"]) > 1.7e9
    _, _, again = await send(http, fake, "GET", f"/guilds/{GUILD_ID}/roles")
    assert again["X-RateLimit-Bucket"] == headers["X-RateLimit-Bucket"]
    assert again["X-RateLimit-Remaining"] == str(fake.rate_limits.limit - 2)
    _, _, other = await send(http, fake, "GET", f"/guilds/{GUILD_ID}/channels")
    assert other["X-RateLimit-Bucket"] != headers["X-RateLimit-Bucket"]


async def test_a_route_bucket_once_spent_answers_429_until_it_resets(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    now = [0.0]
    fake.rate_limits = limits.RateLimits(limit=2, window=5.0, clock=lambda: now[0])
    path = channel(fake)
    for _ in range(2):
        assert (await send(http, fake, "POST", path, {"content": "hi"}))[0] == 200
    status, answer, headers = await send(http, fake, "POST", path, {"content": "hi"})
    assert status == 429
    assert answer["global"] is False
    assert answer["retry_after"] == 5.0
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in headers
    other = fake.add_channel("other")
    assert (await send(http, fake, "POST", f"/channels/{other['id']}/messages", {}))[0] == 200
    now[0] = 5.0
    assert (await send(http, fake, "POST", path, {"content": "hi"}))[0] == 200


async def test_the_optional_global_limit_answers_429_with_the_global_header(
    fake: FakeDiscord, http: aiohttp.ClientSession
):
    fake.rate_limits = limits.RateLimits(global_limit=3, clock=lambda: 0.0)
    for path in ("/users/@me", f"/guilds/{GUILD_ID}/roles", f"/guilds/{GUILD_ID}/channels"):
        assert (await send(http, fake, "GET", path))[0] == 200
    status, answer, headers = await send(http, fake, "GET", f"/guilds/{GUILD_ID}")
    assert status == 429
    assert answer["global"] is True
    assert headers["X-RateLimit-Global"] == "true"
    interaction_id, token = interaction(fake)
    callback = f"/interactions/{interaction_id}/{token}/callback"
    assert (await send(http, fake, "POST", callback, {"type": 5}))[0] == 200


async def test_discord_py_waits_out_an_injected_429_and_then_succeeds(fake: FakeDiscord):
    saved = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base_url
    client = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        await client.static_login("fake-token")
        fake.rate_limit(f"/channels/{fake.default_channel['id']}", retry_after=0.01)
        found = await client.get_channel(int(fake.default_channel["id"]))
    finally:
        await client.close()
        discord.http.Route.BASE = saved
    assert found["id"] == fake.default_channel["id"]
    statuses = [r.status for r in fake.calls("GET", f"/channels/{fake.default_channel['id']}")]
    assert statuses == [429, 200]
