"""/twilio/status and /twilio/inbound: signatures, status ordering, keywords (SPEC §3.7, §4)."""

from __future__ import annotations

import collections

import aiohttp
from aiohttp import web
from sqlalchemy import insert, select

from bot.i18n import Catalogs
from bot.whatsapp.webhooks import add_twilio_routes
from storage.schema import outbox, subscribers, team_members, teams
from tests.whatsapp.conftest import RelayEnv, phone
from tests.whatsapp.test_relay import broadcast


async def post(url: str, form: dict[str, str], headers: dict[str, str] | None = None):
    async with aiohttp.ClientSession() as http, http.post(url, data=form, headers=headers) as r:
        return r.status, await r.text()


async def row_state(env: RelayEnv) -> list[tuple]:
    async with env.services.db.read() as conn:
        result = await conn.execute(
            select(outbox.c.id, outbox.c.status, outbox.c.twilio_sid).order_by(outbox.c.id)
        )
        return [tuple(r) for r in result]


async def test_unsigned_and_forged_status_callbacks_get_403_and_change_nothing(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    await broadcast(env)
    await env.drain_all()
    before = await row_state(env)
    (row_id, _, sid) = before[0]
    form = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "63016"}
    url = f"{env.status_url}?outbox_id={row_id}"

    unsigned = await post(url, form)
    forged = await post(url, form, {"X-Twilio-Signature": "Zm9yZ2Vk"})
    # A genuine signature for other parameters does not cover these.
    genuine = env.fake._validator.compute_signature(url, {**form, "MessageStatus": "read"})
    tampered = await post(url, form, {"X-Twilio-Signature": genuine})

    assert [unsigned[0], forged[0], tampered[0]] == [403, 403, 403]
    assert await row_state(env) == before


async def test_unsigned_and_forged_inbound_stop_gets_403_and_does_not_opt_out(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    unsigned = await env.fake.send_inbound(
        env.inbound_url, from_=phone(1), body="STOP", signed=False
    )
    forged = await env.fake.send_inbound(
        env.inbound_url, from_=phone(1), body="STOP", signature="Zm9yZ2Vk"
    )
    assert unsigned[0] == forged[0] == 403
    async with env.services.db.read() as conn:
        row = (await conn.execute(select(subscribers))).one()
    assert row.opted_out_at is None
    assert row.last_inbound_at is None  # not even the window moved


async def test_validation_uses_public_base_url_behind_a_proxy(relay_env: RelayEnv) -> None:
    env = relay_env
    await env.add_subscribers(1)
    public = "https://podium.example.com"
    app = web.Application()
    add_twilio_routes(
        app,
        whatsapp=env.services.whatsapp,
        outbox=env.services.outbox,
        catalogs=Catalogs(),
        auth_token=env.fake.auth_token,
        public_base_url=public,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    local = f"http://{host}:{port}/twilio/inbound"
    try:
        # Twilio signs the public https URL; the proxy forwards to local plain http.
        proxied = await env.fake.send_inbound(
            local,
            from_=phone(1),
            body="HELP",
            sign_url=public + "/twilio/inbound",
            extra={},
        )
        # Signed for the URL it arrived on: not what Twilio was given, refused.
        direct = await env.fake.send_inbound(local, from_=phone(1), body="HELP")
    finally:
        await runner.cleanup()
    assert proxied[0] == 200
    assert "<Response><Message>" in proxied[1]
    assert direct[0] == 403


async def test_duplicate_and_reversed_status_callbacks_end_in_the_right_status(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    env.fake.duplicate_callbacks = True
    env.fake.reverse_callbacks = True
    env.fake.callback_statuses = ("sent", "delivered", "read")
    await env.add_subscribers(5)
    env.fake.set_number_error(phone(5), 63014, on_delivery=True)
    await broadcast(env)

    await env.drain_all()

    posted = collections.defaultdict(list)
    for record in env.fake.callback_log:
        posted[record.params["MessageSid"]].append(record.params["MessageStatus"])
    delivered_sids = [m.sid for m in env.fake.messages if m.status == "read"]
    for sid in delivered_sids:  # newest status first, each twice
        assert posted[sid] == ["read", "read", "delivered", "delivered", "sent", "sent"]
    assert all(record.status == 204 for record in env.fake.callback_log)
    statuses = collections.Counter(status for _, status, _ in await row_state(env))
    assert statuses == {"read": 4, "failed": 1}


async def test_status_never_moves_backwards_when_callbacks_arrive_late(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(1)
    await broadcast(env)
    await env.drain_all()
    ((row_id, status, sid),) = await row_state(env)
    assert status == "delivered"
    outbox = env.services.outbox

    assert (
        await outbox.apply_status(outbox_id=row_id, sid=sid, twilio_status="sent", error_code=None)
        is None
    )
    assert (
        await outbox.apply_status(outbox_id=row_id, sid=sid, twilio_status="read", error_code=None)
        == "read"
    )
    assert (
        await outbox.apply_status(
            outbox_id=row_id, sid=sid, twilio_status="failed", error_code=63016
        )
        is None
    )
    assert (
        await outbox.apply_status(
            outbox_id=row_id, sid="SMother", twilio_status="read", error_code=None
        )
        is None
    )
    assert (await row_state(env))[0][1] == "read"


async def test_keywords_help_unknown_start_and_chinese_stop(relay_env: RelayEnv) -> None:
    env = relay_env
    await env.add_subscribers(1)
    url = env.inbound_url

    _, help_reply = await env.fake.send_inbound(url, from_=phone(1), body=" help ")
    _, unknown = await env.fake.send_inbound(url, from_=phone(1), body="what is this?")
    _, stopped = await env.fake.send_inbound(url, from_=phone(1), body="退订")
    async with env.services.db.read() as conn:
        opted = (await conn.execute(select(subscribers.c.opted_out_at))).scalar_one()
    _, started = await env.fake.send_inbound(url, from_=phone(1), body="START")
    async with env.services.db.read() as conn:
        after = (await conn.execute(select(subscribers.c.opted_out_at))).scalar_one()

    assert "reply POINTS" in help_reply
    assert unknown == help_reply
    assert opted is not None
    assert "unsubscribed" in stopped or "退订" in stopped or "取消" in stopped
    assert "subscribed again" in started
    assert after is None


async def test_points_answers_from_the_points_service_and_next_says_when_nothing(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    await env.add_subscribers(2)
    now = env.clock.now()
    season = env.services.competition.competition.season
    async with env.services.db.write() as conn:
        team_id = (
            await conn.execute(
                insert(teams)
                .values(
                    season=season,
                    name="Rockets",
                    name_key="rockets",
                    track="student",
                    captain_id=1,
                    invite_code="ROCKETS1",
                    created_at=now,
                )
                .returning(teams.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(team_members).values(team_id=team_id, user_id=1, season=season, joined_at=now)
        )

    _, points = await env.fake.send_inbound(env.inbound_url, from_=phone(1), body="POINTS")
    _, no_team = await env.fake.send_inbound(env.inbound_url, from_=phone(2), body="points")
    _, nothing = await env.fake.send_inbound(env.inbound_url, from_=phone(1), body="NEXT")

    assert "Rockets has 0 points" in points
    assert "not in a team" in no_team
    assert "Nothing is scheduled" in nothing


async def test_unknown_number_is_told_to_link_and_gets_no_subscription(
    relay_env: RelayEnv,
) -> None:
    env = relay_env
    status, reply = await env.fake.send_inbound(env.inbound_url, from_=phone(9), body="POINTS")
    assert status == 200
    assert "/whatsapp link" in reply
    async with env.services.db.read() as conn:
        assert (await conn.execute(select(subscribers))).all() == []
