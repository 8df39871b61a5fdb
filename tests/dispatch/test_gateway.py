"""The bot's connection to Discord survives drops, as it must in a long season."""

from tests.dispatch.conftest import PARTICIPANT_ID, Harness
from tests.fakes.discord import wait_for


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
