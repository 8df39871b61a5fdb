"""The bot's connection to Discord survives drops, as it must in a long season, and it is
ready as soon as its server arrives."""

import asyncio

import pytest

import bot.app
from tests.dispatch.conftest import PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for


@pytest.fixture
def long_ready_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py's wait for more servers after READY made far longer than any test: a
    bot that waited it out would never be ready in time."""
    monkeypatch.setattr(bot.app, "GUILD_READY_TIMEOUT", 600.0)


async def test_the_bot_is_ready_once_its_server_arrives_in_every_new_session(
    long_ready_wait: None, harness: Harness
):
    readies: list[None] = []

    async def on_ready() -> None:
        readies.append(None)

    harness.bot.add_listener(on_ready, "on_ready")
    await asyncio.wait_for(harness.bot.wait_until_ready(), 30)
    assert harness.bot.get_guild(harness.fake.guild_id) is not None
    assert harness.bot._connection.guild_ready_timeout == 600.0  # put back for a new session
    before = len(readies)  # the first session's ready may or may not have been seen
    identified = harness.fake.identify_count
    await harness.fake.drop_connections(resumable=False)
    await wait_for(lambda: harness.fake.identify_count == identified + 1, timeout=20)
    await wait_for(lambda: len(readies) == before + 1, timeout=30)  # the new session's
    result = await harness.fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.ephemeral


async def test_bot_resumes_its_session_after_a_dropped_connection_and_keeps_answering(
    harness: Harness,
):
    fake = harness.fake
    identified = fake.identify_count
    await fake.drop_connections(resumable=True)
    await wait_for(lambda: fake.resume_count == 1)
    assert fake.identify_count == identified, "a resumable drop must not start a new session"
    result = await fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.ephemeral


async def test_bot_identifies_again_when_its_session_cannot_be_resumed(harness: Harness):
    fake = harness.fake
    identified = fake.identify_count
    await fake.drop_connections(resumable=False)
    await wait_for(lambda: fake.identify_count == identified + 1, timeout=20)
    result = await fake.invoke("help", user_id=PARTICIPANT_ID)
    assert result.ephemeral


async def test_the_gateway_connection_uses_transport_compression(harness: Harness):
    assert harness.fake.compressions == ["zlib-stream"]
