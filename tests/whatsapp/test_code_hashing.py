"""WhatsApp verification codes are hashed (scrypt, tens of milliseconds) in a thread and
before any write transaction opens: never on the event loop, never holding the writer."""

from __future__ import annotations

import pytest

from bot.services.whatsapp import WrongCode
from bot.services.whatsapp import service as whatsapp_service
from bot.services.whatsapp.replies import LINKED_REPLY
from tests.hashing_probe import HashProbe
from tests.whatsapp.conftest import RelayEnv
from tests.whatsapp.test_linking import NUMBER, start


async def test_linking_hashes_every_code_off_the_event_loop_and_outside_the_writer(
    relay_env: RelayEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = relay_env
    probe = HashProbe(monkeypatch, whatsapp_service, env.services.whatsapp.db)
    code, _ = await start(env)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(WrongCode):
        await env.services.whatsapp.verify(user_id=7, code=wrong)
    linked = await env.services.whatsapp.verify(user_id=7, code=code)
    assert linked.phone_e164 == NUMBER
    _, link_code = await start(env, user_id=8, number="+8613812340000")
    reply = await env.services.whatsapp.handle_inbound(
        phone="+8613812340000", body=f"LINK {link_code}", message_sid="SM" + "1" * 32
    )
    assert reply is not None
    assert reply.message == LINKED_REPLY
    # two hashes per start, one per verify, one for the LINK message
    assert len(probe.calls) == 2 + 1 + 1 + 2 + 1
    assert probe.calls == [(False, 0)] * len(probe.calls)
