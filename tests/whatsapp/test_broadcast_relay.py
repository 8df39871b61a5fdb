"""A broadcast occurrence through the relay: /broadcast status counts match Twilio's log."""

from __future__ import annotations

import collections

from bot.services.broadcasts import occurrence_key
from tests.whatsapp.conftest import RelayEnv, phone


async def test_broadcast_status_counts_match_the_fake_twilio_log(relay_env: RelayEnv) -> None:
    env = relay_env
    await env.add_subscribers(20)
    env.fake.set_number_error(phone(3), 63014, on_delivery=True)
    env.fake.set_number_error(phone(4), 21610)
    await env.fake.send_inbound(env.inbound_url, from_=phone(5), body="STOP")
    env.fake.callback_statuses = ("sent", "delivered")
    env.fake.fault_rate = 0.2
    info = await env.services.broadcasts.schedule(
        actor_id=1, message="Finals on Friday", when=None, audience="all", channels="whatsapp"
    )
    assert info.next_run_at is not None
    occurrence = await env.services.broadcasts.fire(
        info.id, occurrence_key(info.id, info.next_run_at)
    )
    assert occurrence is not None
    assert occurrence.whatsapp_queued == 19  # 5 opted out before

    await env.drain_all()
    status = await env.services.broadcasts.status(info.id)

    final = collections.Counter(m.status for m in env.fake.messages)
    rejected_21610 = [r for r in env.fake.requests if r.error_code == 21610]
    assert status.whatsapp["delivered"] == final["delivered"] == 17
    assert status.whatsapp["failed"] == final["failed"] + len(rejected_21610) == 2
    assert status.whatsapp["queued"] == status.whatsapp["sent"] == 0
    assert sum(status.whatsapp.values()) == 19
    assert status.discord == {"posted": 0, "failed": 0, "pending": 0}
    assert len({m.to for m in env.fake.messages}) == len(env.fake.messages)


async def test_a_broadcast_template_option_is_used_outside_the_window(relay_env: RelayEnv) -> None:
    env = relay_env
    await env.add_subscribers(2)
    await env.fake.send_inbound(env.inbound_url, from_=phone(1), body="hi")
    template = "HX" + "ab" * 16
    env.fake.register_template(template, "Finals: {{1}}")  # the organizer's own template
    info = await env.services.broadcasts.schedule(
        actor_id=1,
        message="Finals on Friday",
        when=None,
        audience="all",
        channels="both",
        template=template,
    )
    assert info.next_run_at is not None
    await env.services.broadcasts.fire(info.id, occurrence_key(info.id, info.next_run_at))

    await env.drain_all()

    inside, outside = (env.fake.messages_to(phone(n))[0] for n in (1, 2))
    assert (inside.content_sid, inside.body) == (None, "Finals on Friday")
    assert outside.content_sid == template
    assert outside.content_variables == '{"1": "Finals on Friday"}'
