"""FakeTwilio driven through the real twilio-python client built by build_twilio_client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.whatsapp.twilio_client import (
    build_twilio_client,
    close_twilio_client,
    rewrite_twilio_url,
)
from tests.fakes.fake_twilio import (
    DEFAULT_WHATSAPP_NUMBER,
    RETRY_AFTER_SECONDS,
    WHATSAPP_SENDER_MPS,
    FakeTwilio,
)

SENDER = "whatsapp:+14155238886"
ALICE = "whatsapp:+15551230001"
BOB = "whatsapp:+15551230002"
TEMPLATE_SID = "HX" + "ab" * 16


@dataclass
class Receiver:
    """A tiny webhook endpoint that keeps what it was sent."""

    base_url: str = ""
    received: list[tuple[str, dict[str, str], str | None]] = field(default_factory=list)
    answer: int = 200

    def url(self, path: str) -> str:
        return self.base_url + path

    async def handle(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.received.append((request.path, form, request.headers.get("X-Twilio-Signature")))
        return web.Response(status=self.answer, text="ok" if self.answer < 300 else "no")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as twilio_fake:
        twilio_fake.register_template(TEMPLATE_SID, "Your round starts now")
        yield twilio_fake


@pytest.fixture
async def client(fake: FakeTwilio) -> AsyncIterator[Client]:
    twilio_client = build_twilio_client(
        fake.account_sid, fake.auth_token, api_base_url=fake.base_url, timeout=5.0
    )
    yield twilio_client
    await close_twilio_client(twilio_client)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", state.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.base_url = f"http://{host}:{port}"
    yield state
    await runner.cleanup()


# --------------------------------------------------------------------------- adapter


def test_rewrite_moves_twilio_hosts_onto_the_base_and_leaves_others_alone() -> None:
    base = "http://127.0.0.1:9999"
    assert (
        rewrite_twilio_url(
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B1", base
        )
        == "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json?To=%2B1"
    )
    assert rewrite_twilio_url("https://content.twilio.com/v1/Content", base + "/") == (
        "http://127.0.0.1:9999/v1/Content"
    )
    assert rewrite_twilio_url("https://example.com/x", base) == "https://example.com/x"
    assert rewrite_twilio_url("https://eviltwilio.com/x", base) == "https://eviltwilio.com/x"
    assert rewrite_twilio_url("https://api.twilio.com/x", None) == "https://api.twilio.com/x"


def test_client_can_be_built_without_a_running_event_loop() -> None:
    twilio_client = build_twilio_client("AC" + "0" * 32, "token", timeout=1.0)
    assert twilio_client.http_client.is_async
    assert twilio_client.http_client.session is None  # created lazily on first request


# --------------------------------------------------------------------------- create


async def test_freeform_and_template_messages_are_accepted_and_recorded(
    fake: FakeTwilio, client: Client
) -> None:
    fake.open_window(ALICE, datetime.now(UTC))
    fake.register_template(TEMPLATE_SID, "Hi {{1}}, round {{2}} starts now")

    freeform = await client.messages.create_async(to=ALICE, from_=SENDER, body="hello there")
    template = await client.messages.create_async(
        to=BOB,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables=json.dumps({"1": "Bob", "2": "3"}),
    )

    assert freeform.sid.startswith("SM")
    assert len(freeform.sid) == 34
    assert freeform.status == "queued"
    assert freeform.to == ALICE
    assert freeform.from_ == SENDER
    assert freeform.body == "hello there"
    assert isinstance(freeform.date_created, datetime)
    assert freeform.date_created.tzinfo is not None
    assert [m.sid for m in fake.messages] == [freeform.sid, template.sid]
    stored = fake.messages_to(BOB)[0]
    assert stored.content_sid == TEMPLATE_SID
    assert json.loads(stored.content_variables or "{}") == {"1": "Bob", "2": "3"}
    assert stored.body == "Hi Bob, round 3 starts now"
    assert fake.messages_to("+15551230001")[0].body == "hello there"


async def test_fetch_returns_the_message_by_sid(fake: FakeTwilio, client: Client) -> None:
    fake.open_window(ALICE)
    created = await client.messages.create_async(to=ALICE, from_=SENDER, body="x")
    fetched = await client.api.v2010.account.messages(created.sid).fetch_async()
    assert fetched.sid == created.sid
    assert fetched.status == "delivered"  # no StatusCallback: it moved on at once
    with pytest.raises(TwilioRestException) as missing:
        await client.api.v2010.account.messages("SM" + "0" * 32).fetch_async()
    assert (missing.value.status, missing.value.code) == (404, 20404)


async def test_wrong_auth_token_answers_401_with_code_20003(fake: FakeTwilio) -> None:
    wrong = build_twilio_client(fake.account_sid, "not-the-token", api_base_url=fake.base_url)
    try:
        with pytest.raises(TwilioRestException) as caught:
            await wrong.messages.create_async(to=ALICE, from_=SENDER, body="x")
    finally:
        await close_twilio_client(wrong)
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert fake.messages == []
    assert fake.requests[-1].status == 401


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": ALICE, "from_": SENDER}, 21602),
        ({"to": ALICE, "body": "x"}, 21603),
        ({"to": "whatsapp:12345", "from_": SENDER, "body": "x"}, 21211),
        (
            {"to": ALICE, "from_": SENDER, "content_sid": TEMPLATE_SID, "content_variables": "{"},
            21656,
        ),
        ({"to": ALICE, "from_": SENDER, "body": "x" * 1601}, 21617),
    ],
)
async def test_invalid_create_answers_400_with_twilios_code(
    fake: FakeTwilio, client: Client, kwargs: dict[str, str], code: int
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(**kwargs)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert fake.messages == []


async def test_injected_429_surfaces_as_twilio_rest_exception_20429_and_sends_nothing(
    fake: FakeTwilio, client: Client
) -> None:
    fake.open_window(ALICE)
    fake.inject_faults([429, 503])
    with pytest.raises(TwilioRestException) as first:
        await client.messages.create_async(to=ALICE, from_=SENDER, body="x")
    with pytest.raises(TwilioRestException) as second:
        await client.messages.create_async(to=ALICE, from_=SENDER, body="x")
    third = await client.messages.create_async(to=ALICE, from_=SENDER, body="x")

    assert (first.value.status, first.value.code) == (429, 20429)
    assert (second.value.status, second.value.code) == (503, 20503)
    assert [m.sid for m in fake.messages] == [third.sid]
    assert [r.status for r in fake.requests] == [429, 503, 201]


async def test_number_error_21610_surfaces_with_its_code(fake: FakeTwilio, client: Client) -> None:
    fake.set_number_error(ALICE, 21610)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=ALICE, from_=SENDER, content_sid=TEMPLATE_SID)
    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert fake.messages_to(ALICE) == []


async def test_number_error_on_delivery_is_accepted_then_fails_in_the_callback(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.set_number_error(ALICE, 63014, on_delivery=True)
    created = await client.messages.create_async(
        to=ALICE, from_=SENDER, content_sid=TEMPLATE_SID, status_callback=receiver.url("/s")
    )
    await fake.flush_callbacks()
    assert created.status == "queued"
    assert [(p["MessageStatus"], p["ErrorCode"]) for _, p, _ in receiver.received] == [
        ("failed", "63014")
    ]
    assert fake.messages[0].error_code == 63014


async def test_rate_cap_rejects_a_burst_above_it_with_20429() -> None:
    async with FakeTwilio(rate_cap_per_second=5) as fake:
        fake.open_window(ALICE)
        client = build_twilio_client(fake.account_sid, fake.auth_token, api_base_url=fake.base_url)
        try:
            results = await asyncio.gather(
                *(
                    client.messages.create_async(to=ALICE, from_=SENDER, body=str(i))
                    for i in range(20)
                ),
                return_exceptions=True,
            )
        finally:
            await close_twilio_client(client)
    rejected = [r for r in results if isinstance(r, TwilioRestException)]
    assert 5 <= len(fake.messages) <= 6  # the bucket holds 5, refills 5/s
    assert len(rejected) == 20 - len(fake.messages)
    assert {(r.status, r.code) for r in rejected} == {(429, 20429)}


async def test_seeded_random_faults_repeat_from_run_to_run() -> None:
    async def outcome() -> list[int]:
        async with FakeTwilio(fault_rate=0.3, fault_seed=7) as fake:
            fake.enforce_window = False
            client = build_twilio_client(
                fake.account_sid, fake.auth_token, api_base_url=fake.base_url
            )
            try:
                for i in range(20):
                    with contextlib.suppress(TwilioRestException):
                        await client.messages.create_async(to=ALICE, from_=SENDER, body=str(i))
            finally:
                await close_twilio_client(client)
            return [r.status for r in fake.requests]

    first, second = await outcome(), await outcome()
    assert first == second
    assert set(first) <= {201, 429, 500}
    assert 201 in first
    assert len(set(first)) > 1


# --------------------------------------------------------------------------- callbacks


async def test_status_callbacks_arrive_signed_and_the_signature_validates(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE)
    url = receiver.url("/twilio/status?outbox=42")
    created = await client.messages.create_async(
        to=ALICE, from_=SENDER, body="hi", status_callback=url
    )
    await fake.flush_callbacks()

    assert [p["MessageStatus"] for _, p, _ in receiver.received] == ["sent", "delivered"]
    validator = RequestValidator(fake.auth_token)
    for _, params, signature in receiver.received:
        assert params["MessageSid"] == created.sid
        assert params["AccountSid"] == fake.account_sid
        assert params["To"] == ALICE
        assert params["From"] == SENDER
        assert "ErrorCode" not in params
        assert signature is not None
        assert validator.validate(url, params, signature)
    assert [(u, s) for u, _, s in fake.callback_log] == [(url, 200), (url, 200)]
    assert fake.messages[0].status == "delivered"


async def test_forged_or_misdirected_callback_signature_does_not_validate(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE)
    url = receiver.url("/twilio/status")
    await client.messages.create_async(to=ALICE, from_=SENDER, body="hi", status_callback=url)
    await fake.flush_callbacks()
    _, params, signature = receiver.received[0]
    assert signature is not None

    assert not RequestValidator("another-token").validate(url, params, signature)
    assert not RequestValidator(fake.auth_token).validate(url, params, "forged=")
    tampered = {**params, "MessageStatus": "read"}
    assert not RequestValidator(fake.auth_token).validate(url, tampered, signature)
    assert not RequestValidator(fake.auth_token).validate(url + "x", params, signature)


async def test_duplicate_and_reversed_callbacks_but_the_resource_only_moves_forward(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE)
    fake.duplicate_callbacks = True
    fake.reverse_callbacks = True
    created = await client.messages.create_async(
        to=ALICE, from_=SENDER, body="hi", status_callback=receiver.url("/s")
    )
    await fake.flush_callbacks()
    assert [p["MessageStatus"] for _, p, _ in receiver.received] == [
        "delivered",
        "delivered",
        "sent",
        "sent",
    ]
    fetched = await client.api.v2010.account.messages(created.sid).fetch_async()
    assert fetched.status == "delivered"


async def test_freeform_outside_the_window_is_accepted_then_fails_with_63016(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(BOB, datetime.now(UTC) - timedelta(hours=25))  # expired window
    url = receiver.url("/s")
    outside = await client.messages.create_async(
        to=BOB, from_=SENDER, body="late", status_callback=url
    )
    template = await client.messages.create_async(
        to=BOB, from_=SENDER, content_sid=TEMPLATE_SID, status_callback=url
    )
    await fake.flush_callbacks()

    assert outside.status == "queued"  # Twilio accepts it first
    by_sid: dict[str, list[tuple[str, str | None]]] = {}
    for _, params, _ in receiver.received:
        by_sid.setdefault(params["MessageSid"], []).append(
            (params["MessageStatus"], params.get("ErrorCode"))
        )
    assert by_sid[outside.sid] == [("failed", "63016")]
    assert by_sid[template.sid] == [("sent", None), ("delivered", None)]
    assert fake.violations_63016 == 1
    fetched = await client.api.v2010.account.messages(outside.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == ("failed", 63016)


async def test_freeform_inside_the_window_is_delivered(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.open_window(ALICE, datetime.now(UTC) - timedelta(hours=23))
    await client.messages.create_async(
        to=ALICE, from_=SENDER, body="in time", status_callback=receiver.url("/s")
    )
    await fake.flush_callbacks()
    assert [p["MessageStatus"] for _, p, _ in receiver.received] == ["sent", "delivered"]
    assert fake.violations_63016 == 0


# --------------------------------------------------------------------------- list


async def test_list_async_finds_the_message_sent_after_the_attempt(
    fake: FakeTwilio, client: Client
) -> None:
    fake.enforce_window = False
    attempt = datetime.now(UTC) - timedelta(seconds=1)
    old = await client.messages.create_async(to=ALICE, from_=SENDER, body="old")
    fake.get_message(old.sid).date_sent = attempt - timedelta(hours=1)  # type: ignore[union-attr]
    sent = await client.messages.create_async(to=ALICE, from_=SENDER, body="new")
    await client.messages.create_async(to=BOB, from_=SENDER, body="other")

    found = await client.api.v2010.account.messages.list_async(to=ALICE, date_sent_after=attempt)
    assert [m.sid for m in found] == [sent.sid]
    before = await client.api.v2010.account.messages.list_async(to=ALICE, date_sent_before=attempt)
    assert [m.sid for m in before] == [old.sid]
    assert next(m.sid for m in await client.messages.list_async(from_=SENDER)) != old.sid


async def test_list_async_pages_through_next_page_uri_newest_first(
    fake: FakeTwilio, client: Client
) -> None:
    fake.enforce_window = False
    sids = [
        (await client.messages.create_async(to=ALICE, from_=SENDER, body=str(i))).sid
        for i in range(7)
    ]
    found = await client.messages.list_async(to=ALICE, page_size=3)
    assert [m.sid for m in found] == list(reversed(sids))
    list_requests = [r for r in fake.requests if r.method == "GET"]
    assert len(list_requests) == 3
    assert list_requests[1].query["Page"] == "1"
    assert "PageToken" in list_requests[1].query
    streamed = [m.sid async for m in await client.messages.stream_async(to=ALICE, limit=4)]
    assert streamed == list(reversed(sids))[:4]


# --------------------------------------------------------------------------- timeout


async def test_per_request_timeout_fires_when_twilio_never_answers(fake: FakeTwilio) -> None:
    fake.open_window(ALICE)
    fake.inject_hangs(1, accept=True)
    slow = build_twilio_client(
        fake.account_sid, fake.auth_token, api_base_url=fake.base_url, timeout=0.5
    )
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await slow.messages.create_async(to=ALICE, from_=SENDER, body="lost answer")
        assert time.monotonic() - started < 1.5
        # Twilio took it even though the answer never came: reconciliation finds it.
        found = await slow.messages.list_async(to=ALICE)
    finally:
        await close_twilio_client(slow)
    assert [m.sid for m in found] == [fake.messages[0].sid]
    assert fake.requests[0].status == 0  # still unanswered


# --------------------------------------------------------------------------- inbound


async def test_send_inbound_posts_a_signed_twilio_form_and_opens_the_window(
    fake: FakeTwilio, receiver: Receiver
) -> None:
    url = receiver.url("/twilio/inbound")
    assert not fake.window_open(ALICE)

    status, text = await fake.send_inbound(url, from_="+15551230001", body="STOP")

    assert (status, text) == (200, "ok")
    path, params, signature = receiver.received[0]
    assert path == "/twilio/inbound"
    assert params["From"] == ALICE
    assert params["To"] == DEFAULT_WHATSAPP_NUMBER
    assert params["Body"] == "STOP"
    assert params["WaId"] == "15551230001"
    assert params["AccountSid"] == fake.account_sid
    assert params["NumMedia"] == "0"
    assert params["MessageSid"].startswith("SM")
    assert "ProfileName" in params
    assert signature is not None
    assert RequestValidator(fake.auth_token).validate(url, params, signature)
    assert fake.window_open(ALICE)


async def test_send_inbound_unsigned_or_forged_or_signed_for_the_public_url(
    fake: FakeTwilio, receiver: Receiver
) -> None:
    url = receiver.url("/twilio/inbound")
    public = "https://podium.example.com/twilio/inbound"
    await fake.send_inbound(url, from_=ALICE, body="a", signed=False)
    await fake.send_inbound(url, from_=ALICE, body="b", signature="forged")
    await fake.send_inbound(url, from_=ALICE, body="c", sign_url=public)

    validator = RequestValidator(fake.auth_token)
    unsigned, forged, proxied = receiver.received
    assert unsigned[2] is None
    assert forged[2] == "forged"
    assert not validator.validate(url, forged[1], "forged")
    assert proxied[2] is not None
    assert validator.validate(public, proxied[1], proxied[2])
    assert not validator.validate(url, proxied[1], proxied[2])


# --------------------------------------------------------------------------- strictness


class FrozenNow:
    """A clock for the fake that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_rate_cap_is_on_by_default_and_answers_429_with_retry_after() -> None:
    clock = FrozenNow()
    async with FakeTwilio(clock=clock) as fake:
        fake.enforce_window = False
        url = f"{fake.base_url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
        auth = {"Authorization": aiohttp.encode_basic_auth(fake.account_sid, fake.auth_token)}
        form = {"To": ALICE, "From": SENDER, "Body": "x"}
        async with aiohttp.ClientSession(headers=auth) as http:
            statuses = []
            for _ in range(int(WHATSAPP_SENDER_MPS)):
                async with http.post(url, data=form) as response:
                    statuses.append(response.status)
            async with http.post(url, data=form) as over:
                over_status, retry_after = over.status, over.headers.get("Retry-After")
                payload = await over.json()
            clock.now += timedelta(seconds=1)  # a second later the bucket is full again
            async with http.post(url, data=form) as later:
                later_status = later.status

    assert fake.rate_cap_per_second == WHATSAPP_SENDER_MPS
    assert set(statuses) == {201}
    assert (over_status, payload["code"], payload["status"]) == (429, 20429, 429)
    assert retry_after == str(RETRY_AFTER_SECONDS)
    assert later_status == 201
    assert len(fake.messages) == WHATSAPP_SENDER_MPS + 1


async def test_a_number_that_texted_stop_gets_21610_until_it_texts_start(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    url = receiver.url("/twilio/inbound")
    await fake.send_inbound(url, from_=ALICE, body="  stop ")
    with pytest.raises(TwilioRestException) as stopped:
        await client.messages.create_async(to=ALICE, from_=SENDER, body="still there?")
    await fake.send_inbound(url, from_=ALICE, body="stop please")  # not a keyword
    assert fake.messages_to(ALICE) == []
    await fake.send_inbound(url, from_=ALICE, body="START")
    again = await client.messages.create_async(to=ALICE, from_=SENDER, body="welcome back")

    assert (stopped.value.status, stopped.value.code) == (400, 21610)
    assert [m.sid for m in fake.messages_to(ALICE)] == [again.sid]
    assert fake.unsubscribed == set()


@pytest.mark.parametrize("keyword", ["STOPALL", "Unsubscribe", "cancel", "END", "quit", "OPTOUT"])
async def test_every_twilio_opt_out_keyword_unsubscribes(
    fake: FakeTwilio, client: Client, receiver: Receiver, keyword: str
) -> None:
    await fake.send_inbound(receiver.url("/in"), from_=BOB, body=keyword)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=BOB, from_=SENDER, content_sid=TEMPLATE_SID)
    assert caught.value.code == 21610


async def test_an_unknown_content_sid_answers_21655_and_sends_nothing(
    fake: FakeTwilio, client: Client
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=ALICE, from_=SENDER, content_sid="HX" + "cd" * 16)
    assert (caught.value.status, caught.value.code) == (400, 21655)
    assert fake.messages == []


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"body": "x", "content_variables": json.dumps({"1": "a"})}, 21654),
        ({"content_sid": TEMPLATE_SID, "content_variables": json.dumps({"1": ""})}, 21656),
        ({"content_sid": TEMPLATE_SID, "content_variables": json.dumps({"1": None})}, 21656),
        ({"content_sid": TEMPLATE_SID, "content_variables": json.dumps(["a"])}, 21656),
    ],
)
async def test_bad_content_variables_answer_400_with_twilios_code(
    fake: FakeTwilio, client: Client, kwargs: dict[str, str], code: int
) -> None:
    fake.register_template(TEMPLATE_SID, "Hi {{1}}")
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=ALICE, from_=SENDER, **kwargs)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert fake.messages == []


@pytest.mark.parametrize(
    "variables", [{}, {"1": "Bob"}, {"1": "Bob", "2": "3", "3": "extra"}, {"a": "Bob", "2": "3"}]
)
async def test_variables_that_do_not_match_the_placeholders_fail_with_63028(
    fake: FakeTwilio, client: Client, receiver: Receiver, variables: dict[str, str]
) -> None:
    fake.register_template(TEMPLATE_SID, "Hi {{1}}, round {{2}} starts now")
    created = await client.messages.create_async(
        to=ALICE,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables=json.dumps(variables),
        status_callback=receiver.url("/s"),
    )
    await fake.flush_callbacks()
    assert created.status == "queued"
    assert [(p["MessageStatus"], p["ErrorCode"]) for _, p, _ in receiver.received] == [
        ("failed", "63028")
    ]


async def test_a_template_not_yet_approved_cannot_start_a_conversation(
    fake: FakeTwilio, client: Client, receiver: Receiver
) -> None:
    fake.register_template(TEMPLATE_SID, "Round {{1}}", status="pending")
    fake.open_window(ALICE)
    variables = json.dumps({"1": "2"})
    url = receiver.url("/s")
    inside = await client.messages.create_async(
        to=ALICE,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables=variables,
        status_callback=url,
    )
    outside = await client.messages.create_async(
        to=BOB,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables=variables,
        status_callback=url,
    )
    await fake.flush_callbacks()

    final = {
        p["MessageSid"]: (p["MessageStatus"], p.get("ErrorCode")) for _, p, _ in receiver.received
    }
    assert final[inside.sid] == ("delivered", None)
    assert final[outside.sid] == ("failed", "63016")
    assert fake.violations_63016 == 1
