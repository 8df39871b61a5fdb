"""FakeTwilio's Messages API driven through the real twilio-python client: create, fetch,
list, faults and timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.whatsapp.twilio_client import build_twilio_client, close_twilio_client, rewrite_twilio_url
from tests.fakes.test_twilio.conftest import ALICE, BOB, SENDER, TEMPLATE_SID, Receiver
from tests.fakes.twilio import FakeTwilio

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
        # The fake holds the answer until the test ends, so only the client's own timeout
        # can end this call.
        with pytest.raises(TimeoutError):
            await slow.messages.create_async(to=ALICE, from_=SENDER, body="lost answer")
        # Twilio took it even though the answer never came: reconciliation finds it.
        found = await slow.messages.list_async(to=ALICE)
    finally:
        await close_twilio_client(slow)
    assert [m.sid for m in found] == [fake.messages[0].sid]
    assert fake.requests[0].status == 0  # still unanswered
