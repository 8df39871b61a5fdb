"""FakeTwilio is as strict as Twilio: the default rate cap, opt-out keywords, Content
templates and their variables."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.fakes.test_twilio.conftest import ALICE, BOB, SENDER, TEMPLATE_SID, Receiver
from tests.fakes.twilio import RETRY_AFTER_SECONDS, WHATSAPP_SENDER_MPS, FakeTwilio

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
